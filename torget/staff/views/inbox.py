"""The inbox, what is done from it to many reports at once, and saved filters."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST, require_safe

from torget.reports.models import Report
from torget.staff import actions, inbox, permissions, templating
from torget.staff.access import StaffRequest, member_for_body, staff_only
from torget.staff.forms import BulkForm, SaveFilterForm, colleagues, templates_for
from torget.staff.models import Handling, Priority, SavedFilter
from torget.staff.permissions import Member

# The inbox's own parameters; a saved filter keeps only these (not the page it was on).
FILTER_FIELDS = list(inbox.InboxForm.base_fields)


@require_safe
@staff_only
def inbox_page(request: StaffRequest) -> HttpResponse:
    form = inbox_form(request, request.GET)
    if not form.is_valid():
        return render(request, "staff/inbox.html", context_for(request, form), status=400)
    after = request.GET.get("after", "")
    page = inbox.page(
        inbox.handlings(form),
        form.cleaned_data.get("sort") or "newest",
        int(after) if after.isdigit() and len(after) < 19 else None,
    )
    return render(request, "staff/inbox.html", context_for(request, form, page))


def inbox_form(request: StaffRequest, data: QueryDict) -> inbox.InboxForm:
    return inbox.InboxForm(data, members=request.members, user=request.staff_user)


def context_for(
    request: StaffRequest, form: inbox.InboxForm, page: inbox.InboxPage | None = None
) -> dict[str, Any]:
    """What the inbox shows around its rows. The bulk form is there when the inbox shows
    one body, and the person's role there allows it."""
    member = single_member(request, form)
    query = filter_query(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "counts": inbox.counts(form) if page is not None else {},
        "member": member,
        "query": query,
        "saved_filters": list(SavedFilter.objects.filter(user=request.staff_user)),
        "save_form": SaveFilterForm(initial={"query": query}),
        "managed": [m for m in request.members if permissions.may_manage_templates(m)],
    }
    if page is not None and member is not None and permissions.may_act_in_bulk(member):
        context["bulk_form"] = bulk_form(member, [row.report_id for row in page.rows])
    return context


def single_member(request: StaffRequest, form: inbox.InboxForm) -> Member | None:
    if len(form.scope) != 1:
        return None
    return next(m for m in request.members if m.body == form.scope[0])


def filter_query(data: QueryDict) -> str:
    """The inbox's filters as a query string, without the page and empty values."""
    kept = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        values = [value for value in data.getlist(name) if value]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def bulk_form(member: Member, report_ids: list[int], data: Any = None) -> BulkForm:
    return BulkForm(
        data,
        body=member.body,
        report_ids=report_ids,
        staff=colleagues(member.body),
        priorities=list(Priority.objects.filter(body=member.body)),
        templates=templates_for(member.body),
    )


@require_POST
@staff_only
def bulk(request: StaffRequest) -> HttpResponse:
    member = member_for_body(request, request.POST.get("body", ""))
    if not permissions.may_act_in_bulk(member):
        raise PermissionDenied(gettext("Your role does not allow this."))
    # Only the body's own public reports can be chosen; any other number is a form error.
    ids = [int(v) for v in request.POST.getlist("reports") if v.isdigit() and len(v) < 19]
    own = list(
        Handling.objects.filter(
            body=member.body, report_id__in=ids[: BulkForm.MAX_REPORTS + 1]
        ).values_list("report_id", flat=True)
    )
    form = bulk_form(member, own, request.POST)
    back = reverse("staff:inbox") + "?" + QueryDict(request.POST.get("query", "")).urlencode()
    if not form.is_valid():
        return bulk_refused(request, form, back)
    data = form.cleaned_data
    reports = list(Report.objects.filter(pk__in=data["reports"]).select_related("category"))
    try:
        done = bulk_act(member, form, reports)
    except (actions.NotAllowed, templating.TemplateError) as error:
        messages.error(request, gettext("Nothing was changed: %(reason)s") % {"reason": error})
        return redirect(back)
    messages.success(request, done)
    return redirect(back)


def bulk_act(member: Member, form: BulkForm, reports: list[Report]) -> str:
    data = form.cleaned_data
    body, by = member.body, member.user
    count = len(reports)
    if data["do"] == BulkForm.ASSIGN:
        assignee = form.staff.get(data["assignee"]) if data["assignee"] else None
        actions.assign_many(reports=reports, body=body, by=by, assignee=assignee)
        return ngettext("%(count)d report assigned.", "%(count)d reports assigned.", count) % {
            "count": count
        }
    if data["do"] == BulkForm.PRIORITY:
        chosen = form.priorities.get(data["priority"]) if data["priority"] else None
        actions.set_priority_many(reports=reports, body=body, by=by, priority=chosen)
        return ngettext(
            "The priority of %(count)d report is set.",
            "The priority of %(count)d reports is set.",
            count,
        ) % {"count": count}
    if data["do"] == BulkForm.STATE:
        text = data.get("text") or ""
        actions.answer_many(
            reports=reports, body=body, by=by, text_for=lambda r: text, state=data["state"]
        )
        return answered(count)
    template = form.chosen_template()
    language = data.get("language") or body.language
    for report in reports:
        if template.category_id is not None and report.category_id != template.category_id:
            raise actions.NotAllowed(
                gettext("The template is for another category than report %(number)d.")
                % {"number": report.pk}
            )
    actions.answer_many(
        reports=reports,
        body=body,
        by=by,
        text_for=lambda r: templating.render(
            template.text_in(language), report=r, body=body, language=language
        ),
        state=template.new_state,
    )
    return answered(count)


def answered(count: int) -> str:
    return ngettext("%(count)d report answered.", "%(count)d reports answered.", count) % {
        "count": count
    }


def bulk_refused(request: StaffRequest, form: BulkForm, back: str) -> HttpResponse:
    """The inbox shows the rows again; what was wrong is said at the top."""
    problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    messages.error(request, gettext("Nothing was changed: %(reason)s") % {"reason": problems})
    return render(
        request,
        "staff/refused.html",
        {"back": back, "form": form},
        status=400,
    )


@require_POST
@staff_only
def save_filter(request: StaffRequest) -> HttpResponse:
    form = SaveFilterForm(request.POST)
    query = QueryDict(request.POST.get("save-query", ""))
    if not form.is_valid() or not inbox_form(request, query).is_valid():
        messages.error(request, gettext("The filter could not be saved. Give it a name."))
        return render(request, "staff/refused.html", {"back": reverse("staff:inbox")}, status=400)
    actions.save_filter(
        user=request.staff_user, name=form.cleaned_data["name"], query=filter_query(query)
    )
    messages.success(request, gettext("The filter is saved."))
    return redirect(reverse("staff:inbox") + "?" + filter_query(query))


@require_POST
@staff_only
def delete_filter(request: StaffRequest, pk: int) -> HttpResponse:
    if not SavedFilter.objects.filter(user=request.staff_user, pk=pk).exists():
        raise Http404
    actions.delete_filter(user=request.staff_user, saved_filter_id=pk)
    messages.success(request, gettext("The filter is deleted."))
    return redirect("staff:inbox")
