"""One report's page, and what people do on it: add an update, say "I have this problem too",
reopen, answer for a body, hide the reporter's name, ask for a take-down.

Each POST view is wrapped in `report_action`, which finds the report, sends a visitor who is
not logged in to log in, and asks reports/permissions.py whether this person may: the same
function that decides whether the page shows the form. The view then parses its form, acts
through reports/actions.py and redirects back to the page with a message. Bad input shows
the page again with the errors and status 400, so the visitor keeps what they typed.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from torget.accounts.models import User
from torget.lib import images, ratelimit
from torget.limits import counters
from torget.places.models import Body
from torget.reports import actions, permissions
from torget.reports.models import (
    PUBLIC_STATES,
    Category,
    ModerationKind,
    Photo,
    Report,
    State,
    Support,
    Update,
)
from torget.reports.permissions import Viewer

StrOrPromise = str | Promise

TEXT_MAX_LENGTH = 5000
UPDATES_PER_HOUR = 20
SUPPORTS_PER_HOUR = 60
RATE_WINDOW_SECONDS = 3600
TIMELINE_PAGE_SIZE = 50


class PageForm(forms.Form):
    """A form on the report page. Each has its own prefix, so no two of the page's fields
    share an id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UpdateForm(PageForm):
    prefix = "update"
    text = forms.CharField(
        label=_("Your update"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )
    photo = forms.FileField(
        label=_("A photo (optional)"),
        required=False,
        help_text=_("JPEG, PNG, WebP or HEIC. Its location and other hidden data are removed."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.heic,.heif"}),
    )
    mark_fixed = forms.BooleanField(label=_("This problem is fixed"), required=False)
    show_name = forms.BooleanField(label=_("Show my name with this update"), required=False)

    def __init__(self, *args: Any, may_mark: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # permissions.may_mark_fixed: only an open report can be said to be fixed.
        if not may_mark:
            del self.fields["mark_fixed"]

    def clean_photo(self) -> images.CheckedUpload | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return images.check_upload(upload)
        except images.ImageRejected as error:
            raise ValidationError(str(error)) from None


class ReopenForm(PageForm):
    prefix = "reopen"
    reason = forms.CharField(
        label=_("Why is the problem not solved?"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TakedownForm(PageForm):
    prefix = "takedown"
    reason = forms.CharField(
        label=_("Why should the report be taken down?"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AnswerForm(PageForm):
    prefix = "answer"
    body = forms.TypedChoiceField(label=_("Answer for"), coerce=int)
    text = forms.CharField(
        label=_("Public answer"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    new_state = forms.ChoiceField(label=_("State"))
    duplicate_of = forms.IntegerField(
        label=_("Number of the original report"),
        required=False,
        min_value=1,
        help_text=_("Only when the state is “Duplicate”: the report this one repeats."),
    )

    def __init__(self, *args: Any, report: Report, bodies: list[Body], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"new_state": report.state})
        super().__init__(*args, **kwargs)
        self.report = report
        self.bodies = {body.pk: body for body in bodies}
        if len(bodies) > 1:
            body_field = cast(forms.ChoiceField, self.fields["body"])
            body_field.choices = [(body.pk, body.name) for body in bodies]
        else:
            del self.fields["body"]
        state_field = cast(forms.ChoiceField, self.fields["new_state"])
        state_field.choices = [(s.value, s.label) for s in State if s in PUBLIC_STATES]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["original"] = None
        if data.get("new_state") == self.report.state:
            data["new_state"] = ""  # Unchanged: the timeline shows no state change.
        elif data.get("new_state") == State.DUPLICATE:
            data["original"] = self.original(data.get("duplicate_of"))
        return data

    def original(self, number: int | None) -> Report | None:
        if "duplicate_of" in self.errors:
            return None
        original = Report.objects.public().filter(pk=number).first() if number else None
        if number is None:
            self.add_error("duplicate_of", gettext("Give the number of the original report."))
        elif number == self.report.pk:
            self.add_error("duplicate_of", gettext("A report cannot be a duplicate of itself."))
        elif original is None:
            message = gettext("There is no public report number %(number)d.") % {"number": number}
            self.add_error("duplicate_of", message)
        return original

    def answering_body(self) -> Body:
        if "body" in self.fields:
            return self.bodies[self.cleaned_data["body"]]
        return next(iter(self.bodies.values()))


class CategoryForm(PageForm):
    """Staff moving a report to the right category, which may be another body's: that body
    then gets the report too."""

    prefix = "category"
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"category": report.category_id})
        super().__init__(*args, **kwargs)
        offered = Category.objects.offered_at(report.lat, report.lon).select_related("body")
        field = cast(forms.ChoiceField, self.fields["category"])
        labelled = sorted((f"{c.name} ({c.body.name})", c.pk) for c in offered)
        field.choices = [(pk, label) for label, pk in labelled]


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    report, viewer = report_for(request, pk)
    return page(request, report, viewer)


ReportAction = Callable[[HttpRequest, Report, Viewer, User], HttpResponse]


def report_action(
    permission: Callable[[Report, Viewer], bool], refusal: StrOrPromise
) -> Callable[[ReportAction], Callable[[HttpRequest, int], HttpResponse]]:
    """What every POST on the report page does first: the report as this person may see it
    (404 otherwise), a visitor who is not logged in sent to log in, and `permission` checked,
    the same function that decides whether the page offers the form (403 with `refusal`)."""

    def decorate(view: ReportAction) -> Callable[[HttpRequest, int], HttpResponse]:
        @require_POST
        @wraps(view)
        def checked(request: HttpRequest, pk: int) -> HttpResponse:
            report, viewer = report_for(request, pk)
            if viewer.user is None:
                return redirect_to_login(report.get_absolute_url())
            if not permission(report, viewer):
                return forbidden(request, report, viewer, str(refusal))
            return view(request, report, viewer, viewer.user)

        return checked

    return decorate


ONLY_PUBLIC = _("Only a public report can have updates and supports.")
ONLY_REPORTER = _("Only the reporter can do that, while the report is public.")
ONLY_STAFF = _(
    "Only staff of a body responsible for this report can answer it, while it is public."
)


@report_action(permissions.may_update, ONLY_PUBLIC)
def add_update(request: HttpRequest, report: Report, viewer: Viewer, user: User) -> HttpResponse:
    marks = permissions.may_mark_fixed(report, viewer)
    if not within_limit(request, user, "update", UPDATES_PER_HOUR):
        form = UpdateForm(initial={"text": request.POST.get("update-text", "")}, may_mark=marks)
        return too_many(request, report, viewer, update_form=form)
    form = UpdateForm(request.POST, request.FILES, may_mark=marks)
    if not form.is_valid():
        return page(request, report, viewer, status=400, update_form=form)
    data = form.cleaned_data
    photo = data["photo"]
    act(
        actions.add_update,
        report=report,
        author=user,
        text=data["text"],
        photos=[photo] if photo else [],
        mark_fixed=data.get("mark_fixed", False),
        show_name=data["show_name"],
    )
    if data.get("mark_fixed"):
        messages.success(request, gettext("Thank you. The report is now marked as fixed."))
    else:
        messages.success(request, gettext("Thank you. Your update is on the report."))
    return back_to(report, "timeline")


@report_action(
    permissions.may_support, _("Only someone other than the reporter can support a public report.")
)
def support(request: HttpRequest, report: Report, viewer: Viewer, user: User) -> HttpResponse:
    if not within_limit(request, user, "support", SUPPORTS_PER_HOUR):
        return too_many(request, report, viewer)
    act(actions.add_support, report=report, user=user)
    messages.success(request, gettext("Thank you. You are counted as having this problem too."))
    return back_to(report, "support")


@report_action(
    permissions.may_reopen,
    _("Only the reporter can reopen it. A public report can be reopened when fixed or closed."),
)
def reopen(request: HttpRequest, report: Report, viewer: Viewer, user: User) -> HttpResponse:
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return page(request, report, viewer, status=400, reopen_form=form)
    act(actions.reopen_report, report=report, by=user, reason=form.cleaned_data["reason"])
    messages.success(request, gettext("The report is open again."))
    return back_to(report, "timeline")


@report_action(permissions.may_answer, ONLY_STAFF)
def answer(request: HttpRequest, report: Report, viewer: Viewer, user: User) -> HttpResponse:
    form = AnswerForm(request.POST, report=report, bodies=viewer.bodies)
    if not form.is_valid():
        return page(request, report, viewer, status=400, answer_form=form)
    body = form.answering_body()
    act(
        actions.answer_as_body,
        report=report,
        staff=user,
        body=body,
        text=form.cleaned_data["text"],
        new_state=form.cleaned_data["new_state"],
        duplicate_of=form.cleaned_data["original"],
    )
    messages.success(
        request, gettext("Your answer for %(body)s is on the report.") % {"body": body}
    )
    return back_to(report, "timeline")


@report_action(
    permissions.may_change_category,
    _("Only staff of a body responsible for this report can change it, while it is public."),
)
def change_category(
    request: HttpRequest, report: Report, viewer: Viewer, user: User
) -> HttpResponse:
    form = CategoryForm(request.POST, report=report)
    if not form.is_valid():
        return page(request, report, viewer, status=400, category_form=form)
    category = Category.objects.get(pk=form.cleaned_data["category"])
    try:
        # The action decides whether it is a move, with the report locked (someone may have
        # moved it there a moment ago).
        actions.change_category(report=report, category=category, by=user, body=viewer.bodies[0])
    except actions.Unchanged:
        messages.info(request, gettext("The category is unchanged."))
        return back_to(report, "category")
    report.refresh_from_db(fields=["category"])
    messages.success(
        request,
        gettext("The report is now in the category %(category)s.")
        % {"category": report.category.name},
    )
    return back_to(report, "category")


@report_action(permissions.may_hide_name, ONLY_REPORTER)
def hide_name(request: HttpRequest, report: Report, viewer: Viewer, user: User) -> HttpResponse:
    act(actions.hide_reporter_name, report=report, by=user)
    messages.success(request, gettext("Your name is now hidden on this report and your updates."))
    return back_to(report, "your-report")


@report_action(permissions.may_request_takedown, ONLY_REPORTER)
def takedown(request: HttpRequest, report: Report, viewer: Viewer, user: User) -> HttpResponse:
    form = TakedownForm(request.POST)
    if not form.is_valid():
        return page(request, report, viewer, status=400, takedown_form=form)
    act(actions.request_takedown, report=report, by=user, reason=form.cleaned_data["reason"])
    messages.success(request, gettext("Thank you. A moderator will look at your request."))
    return back_to(report, "your-report")


def report_for(request: HttpRequest, pk: int) -> tuple[Report, Viewer]:
    """The report and who is looking; 404 when this person may not see it."""
    report = get_object_or_404(
        Report.objects.select_related("category__body", "reporter", "duplicate_of"), pk=pk
    )
    user = request.user if isinstance(request.user, User) else None
    viewer = Viewer(
        user=user,
        is_reporter=user is not None and user.pk == report.reporter_id,
        bodies=actions.bodies_answering(user, report) if user is not None else [],
    )
    if not permissions.may_see(report, viewer):
        raise Http404
    return report, viewer


def page(
    request: HttpRequest,
    report: Report,
    viewer: Viewer,
    *,
    status: int = 200,
    **sent_back: forms.Form,
) -> HttpResponse:
    """The report page; `sent_back` forms replace the blank ones, to show the errors in what
    the visitor sent."""
    offered = offers(report, viewer)
    context: dict[str, Any] = {
        "report": report,
        "viewer": viewer,
        "bodies": list(report.bodies.all()),
        # Pending photos show as a placeholder; failed ones not at all.
        "photos": list(report.photos.not_failed().filter(update=None)),
        "answers": report.answered_questions(),
        "duplicates": list(report.duplicates.public().order_by("created", "id")),
        "edited": report.moderations.filter(kind=ModerationKind.EDITED).last(),
        "timeline": timeline(request, report),
        "support_count": report.supports.count(),
        "supported": viewer.user is not None
        and Support.objects.filter(report=report, user=viewer.user).exists(),
        "map_tiles": settings.MAP_TILES,
        "update_form": UpdateForm(may_mark=permissions.may_mark_fixed(report, viewer)),
        "reopen_form": ReopenForm(),
        "takedown_form": TakedownForm(),
        "answer_form": AnswerForm(report=report, bodies=viewer.bodies)
        if offered["may_answer"]
        else None,
        "category_form": CategoryForm(report=report) if offered["may_change_category"] else None,
        **offered,
        **sent_back,
    }
    return render(request, "reports/detail.html", context, status=status)


def offers(report: Report, viewer: Viewer) -> dict[str, bool]:
    """Which of the page's forms this viewer gets: the permissions the POST views check."""
    return {
        "may_update": permissions.may_update(report, viewer),
        "may_support": permissions.may_support(report, viewer),
        "may_follow": permissions.may_follow(report, viewer),
        "may_reopen": permissions.may_reopen(report, viewer),
        "may_answer": permissions.may_answer(report, viewer),
        "may_change_category": permissions.may_change_category(report, viewer),
        "may_hide_name": permissions.may_hide_name(report, viewer),
        "may_request_takedown": permissions.may_request_takedown(report, viewer),
    }


def timeline(request: HttpRequest, report: Report) -> Page:
    """The report's visible updates, oldest first, a page at a time; ?page=last is the
    newest page."""
    updates = (
        Update.objects.filter(report=report, hidden=False)
        .select_related("author", "body", "new_category", "duplicate")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.not_failed()))
        .order_by("created", "id")
    )
    paginator = Paginator(updates, TIMELINE_PAGE_SIZE)
    number = request.GET.get("page")
    return paginator.get_page(paginator.num_pages if number == "last" else number)


def within_limit(request: HttpRequest, user: User, action: str, per_hour: int) -> bool:
    """Counted per client address and per account, so neither a script on one machine nor
    one account spread over many can flood a report."""
    keys = (
        f"report-{action}:ip:{ratelimit.client_address(request)}",
        f"report-{action}:{user.pk}",
    )
    return all(counters.hit(key, per_hour, RATE_WINDOW_SECONDS) for key in keys)


def too_many(
    request: HttpRequest, report: Report, viewer: Viewer, **sent_back: forms.Form
) -> HttpResponse:
    messages.error(
        request,
        gettext(
            "You have done this many times in the past hour. Please wait a while and try again."
        ),
    )
    response = page(request, report, viewer, status=429, **sent_back)
    response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


def forbidden(request: HttpRequest, report: Report, viewer: Viewer, message: str) -> HttpResponse:
    messages.error(request, message)
    return page(request, report, viewer, status=403)


def act(action: Callable[..., object], **kwargs: Any) -> None:
    """Run the action; a rule it enforces itself (a report changed by someone else a moment
    ago, say) means 403, as if the form had not been offered."""
    try:
        action(**kwargs)
    except actions.NotAllowed as error:
        raise PermissionDenied(str(error)) from error


def back_to(report: Report, anchor: str) -> HttpResponse:
    # The timeline's newest page, where the entry just added is.
    query = "?page=last" if anchor == "timeline" else ""
    return redirect(f"{report.get_absolute_url()}{query}#{anchor}")
