"""The staff view of one report, beside its public page: the facts staff need (the
reporter's contact details among them), the handling forms, and the whole history, public
and internal, in one list.

Each POST view is wrapped in `handling_action`: the report as this member may handle it
(staff_only, then 404 unless one of the member's bodies has it), and the permission
function that also decides whether the page shows the form (403 otherwise). It parses its
form, acts through staff/actions.py (which calls reports.actions for the report itself) and
redirects back; bad input shows the page again with status 400 and what was typed.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from torget.reports import actions as report_actions
from torget.reports.models import Report, Update
from torget.staff import actions, permissions
from torget.staff.access import StaffRequest, report_for, staff_only
from torget.staff.forms import (
    AnswerForm,
    AssignForm,
    CategoryForm,
    NoteForm,
    PriorityForm,
    colleagues,
    templates_for,
)
from torget.staff.models import Handling, InternalEntry, Priority
from torget.staff.permissions import Member

# The newest entries of each kind shown; a report with more is rare, and the public page
# pages through all of its updates.
TIMELINE_LIMIT = 200


@require_safe
@staff_only
def report_page(request: StaffRequest, pk: int) -> HttpResponse:
    report, member = report_for(request, pk, request.GET.get("body", ""))
    return page(request, report, member)


type HandlingView = Callable[[StaffRequest, Report, Member], HttpResponse]


def handling_action(
    permission: Callable[[Member, Report], bool],
) -> Callable[[HandlingView], Callable[..., HttpResponse]]:
    def decorate(view: HandlingView) -> Callable[..., HttpResponse]:
        @require_POST
        @staff_only
        @wraps(view)
        def checked(request: StaffRequest, pk: int) -> HttpResponse:
            report, member = report_for(request, pk, request.POST.get("body", ""))
            if not permission(member, report):
                raise PermissionDenied(gettext("Your role does not allow this."))
            return view(request, report, member)

        return checked

    return decorate


@handling_action(permissions.may_assign)
def assign(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    form = AssignForm(request.POST, body=member.body, staff=colleagues(member.body))
    if not form.is_valid():
        return page(request, report, member, status=400, assign_form=form)
    act(actions.assign, report=report, body=member.body, by=member.user, assignee=form.chosen())
    messages.success(request, gettext("The assignment is saved."))
    return back_to(report, member, "handling")


@handling_action(permissions.may_set_priority)
def priority(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    form = PriorityForm(request.POST, priorities=priorities_of(member))
    if not form.is_valid():
        return page(request, report, member, status=400, priority_form=form)
    act(
        actions.set_priority,
        report=report,
        body=member.body,
        by=member.user,
        priority=form.chosen(),
    )
    messages.success(request, gettext("The priority is saved."))
    return back_to(report, member, "handling")


@handling_action(permissions.may_add_note)
def note(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        return page(request, report, member, status=400, note_form=form)
    act(
        actions.add_note,
        report=report,
        body=member.body,
        by=member.user,
        text=form.cleaned_data["text"],
    )
    messages.success(
        request,
        gettext("The internal note is saved. Only staff of %(body)s see it.")
        % {"body": member.body},
    )
    return back_to(report, member, "history")


@handling_action(permissions.may_answer)
def answer(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    form = answer_form(report, member, request.POST)
    if not form.is_valid():
        return page(request, report, member, status=400, answer_form=form)
    if form.cleaned_data["do"] != AnswerForm.PUBLISH:
        return page(request, report, member, answer_form=form.refilled(), preview=True)
    act(
        report_actions.answer_as_body,
        report=report,
        staff=member.user,
        body=member.body,
        text=form.cleaned_data["text"],
        new_state=form.state_change(),
    )
    messages.success(
        request, gettext("Your answer for %(body)s is on the report.") % {"body": member.body}
    )
    return back_to(report, member, "history")


@handling_action(permissions.may_change_category)
def category(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    form = CategoryForm(request.POST, report=report)
    if not form.is_valid():
        return page(request, report, member, status=400, category_form=form)
    chosen = form.chosen()
    try:
        act(
            actions.move_to_category,
            report=report,
            body=member.body,
            by=member.user,
            category=chosen,
        )
    except report_actions.Unchanged:
        # Already there, or a colleague moved it there a moment ago.
        messages.info(request, gettext("The category is unchanged."))
    else:
        messages.success(
            request,
            gettext("The report is now in the category %(category)s.") % {"category": chosen.name},
        )
    return back_to(report, member, "category")


def act(action: Callable[..., object], **kwargs: Any) -> None:
    """A rule the action enforces itself (a report hidden a moment ago) is a 403, as if the
    form had not been offered."""
    try:
        action(**kwargs)
    except report_actions.Unchanged:
        raise
    except (actions.NotAllowed, report_actions.NotAllowed) as error:
        raise PermissionDenied(str(error)) from error


def back_to(report: Report, member: Member, anchor: str) -> HttpResponse:
    url = reverse("staff:report", args=[report.pk])
    return redirect(f"{url}?body={member.body.slug}#{anchor}")


def priorities_of(member: Member) -> list[Priority]:
    return list(Priority.objects.filter(body=member.body))


def answer_form(report: Report, member: Member, data: Any = None) -> AnswerForm:
    templates = templates_for(member.body, report.category_id)
    return AnswerForm(data, report=report, body=member.body, templates=templates)


@dataclass(frozen=True)
class Entry:
    """One line of the combined history: a public update or an internal entry."""

    public: Update | None
    internal: InternalEntry | None

    @property
    def created(self) -> Any:
        item = self.public or self.internal
        assert item is not None
        return item.created


def history(report: Report, member: Member) -> tuple[list[Entry], bool]:
    """Public updates (hidden ones too, marked) and this body's internal entries, oldest
    first; and whether older ones were left out."""
    public = list(
        Update.objects.filter(report=report)
        .select_related("author", "body", "new_category")
        .order_by("-created", "-id")[: TIMELINE_LIMIT + 1]
    )
    internal = list(
        InternalEntry.objects.filter(report=report, body=member.body)
        .select_related("author", "assignee")
        .order_by("-created", "-id")[: TIMELINE_LIMIT + 1]
    )
    cut = len(public) > TIMELINE_LIMIT or len(internal) > TIMELINE_LIMIT
    entries = itertools.chain(
        (Entry(public=u, internal=None) for u in public[:TIMELINE_LIMIT]),
        (Entry(public=None, internal=e) for e in internal[:TIMELINE_LIMIT]),
    )
    return sorted(entries, key=lambda entry: entry.created), cut


def other_bodies(request: StaffRequest, report: Report, member: Member) -> list[Any]:
    """The person's other bodies that have this report too, to switch to."""
    having = set(report.bodies.values_list("pk", flat=True))
    return [m.body for m in request.members if m.body.pk in having and m.body != member.body]


def page(
    request: StaffRequest,
    report: Report,
    member: Member,
    *,
    status: int = 200,
    preview: bool = False,
    **sent_back: forms.Form,
) -> HttpResponse:
    handling = Handling.objects.filter(report=report, body=member.body).first()
    offered = {
        name: check(member, report)
        for name, check in {
            "may_assign": permissions.may_assign,
            "may_set_priority": permissions.may_set_priority,
            "may_add_note": permissions.may_add_note,
            "may_answer": permissions.may_answer,
            "may_change_category": permissions.may_change_category,
        }.items()
    }
    entries, cut = history(report, member)
    context: dict[str, Any] = {
        "report": report,
        "member": member,
        "handling": handling,
        "other_bodies": other_bodies(request, report, member),
        "entries": entries,
        "history_cut": cut,
        # Ready ones only: a photo the worker has yet to make has no file (reports/photos.py).
        "photos": list(report.photos.ready().filter(update=None)),
        "preview": preview,
        "assign_form": AssignForm(
            initial={"assignee": handling.assignee_id if handling else None},
            body=member.body,
            staff=colleagues(member.body),
        ),
        "priority_form": PriorityForm(
            initial={"priority": handling.priority_id if handling else None},
            priorities=priorities_of(member),
        ),
        "note_form": NoteForm(),
        "answer_form": answer_form(report, member) if offered["may_answer"] else None,
        "category_form": CategoryForm(report=report) if offered["may_change_category"] else None,
        **offered,
        **sent_back,
    }
    return render(request, "staff/report.html", context, status=status)
