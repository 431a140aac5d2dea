"""Pages of the staff view of a report that change the report itself through
reports.moderation: mark it a duplicate of a nearby report chosen from a list, move its pin,
and (moderators) edit its words or hide it, each with a reason.

Each page shows its form on GET and acts on POST; `report_tool` does what every one of them
does first (staff_only, the report as this member may handle it or 404, the permission that
also decides whether the report page links here, or 403). Bad input shows the page again
with status 400 and what was typed.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from torget.lib.text import OneLineField, refuse_control_characters_multiline
from torget.reports import actions as report_actions
from torget.reports import moderation
from torget.reports.models import OPEN_STATES, Report
from torget.staff import permissions
from torget.staff.access import StaffRequest, report_for, staff_only
from torget.staff.forms import TEXT_MAX_LENGTH, StaffForm, long_text
from torget.staff.permissions import Member

type ToolView = Callable[[StaffRequest, Report, Member], HttpResponse]

RADII = [100, 250, 500, 1000, 2000]
DEFAULT_RADIUS = 500
# A picker, not a search: more candidates than this means the radius is too wide.
MOST_CANDIDATES = 50


def report_tool(
    permission: Callable[[Member, Report], bool],
) -> Callable[[ToolView], Callable[..., HttpResponse]]:
    def decorate(view: ToolView) -> Callable[..., HttpResponse]:
        @require_http_methods(["GET", "HEAD", "POST"])
        @staff_only
        @wraps(view)
        def checked(request: StaffRequest, pk: int) -> HttpResponse:
            slug = request.POST.get("body") or request.GET.get("body", "")
            report, member = report_for(request, pk, slug)
            if not permission(member, report):
                raise PermissionDenied(gettext("Your role does not allow this."))
            return view(request, report, member)

        return checked

    return decorate


def act(action: Callable[..., object], **kwargs: Any) -> Any:
    """A rule the action enforces itself (a report hidden a moment ago) is a 403."""
    try:
        return action(**kwargs)
    except report_actions.NotAllowed as error:
        raise PermissionDenied(str(error)) from error


def back_to(report: Report, member: Member, anchor: str = "") -> HttpResponse:
    url = reverse("staff:report", args=[report.pk])
    return redirect(f"{url}?body={member.body.slug}" + (f"#{anchor}" if anchor else ""))


def show(
    request: StaffRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("map_tiles", settings.MAP_TILES)
    return render(request, f"staff/{template}.html", context, status=status)


# Duplicates.


def candidates(report: Report, member: Member, radius: int) -> list[Report]:
    """Open public reports of the member's body near the report, nearest first, each with
    its `distance` in metres."""
    found = (
        Report.objects.public()
        .filter(state__in=OPEN_STATES, bodies=member.body)
        .exclude(pk=report.pk)
        .near(report.lat, report.lon, radius)
        .select_related("category")
        .order_by(F("distance"), "-created", "-id")
    )
    return list(found[:MOST_CANDIDATES])


class DuplicateForm(StaffForm):
    prefix = "duplicate"
    original = forms.TypedChoiceField(
        label=_("The original report"), coerce=int, widget=forms.RadioSelect
    )
    text = long_text(_("Public answer (optional)"), required=False)

    def __init__(self, *args: Any, choices: list[Report], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reports = {found.pk: found for found in choices}
        self.set_choices("original", [(found.pk, found.title) for found in choices])

    def chosen(self) -> Report:
        return self.reports[self.cleaned_data["original"]]


def radius_of(request: StaffRequest) -> int:
    given = request.POST.get("radius") or request.GET.get("radius", "")
    return int(given) if given in {str(r) for r in RADII} else DEFAULT_RADIUS


@report_tool(permissions.may_mark_duplicate)
def duplicate(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    radius = radius_of(request)
    found = candidates(report, member, radius)
    form = DuplicateForm(request.POST if request.method == "POST" else None, choices=found)
    context = {"report": report, "member": member, "form": form, "radius": radius}
    context.update({"radii": RADII, "candidates": found})
    if request.method != "POST":
        return show(request, "duplicate", context)
    if not form.is_valid():
        return show(request, "duplicate", context, status=400)
    original = form.chosen()
    act(
        moderation.mark_duplicate,
        report=report,
        original=original,
        body=member.body,
        staff=member.user,
        text=form.cleaned_data["text"],
    )
    messages.success(
        request,
        gettext("The report is marked as a duplicate of report %(number)s.")
        % {"number": original.pk},
    )
    return back_to(report, member)


# The pin.


class MoveForm(StaffForm):
    prefix = "move"
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    address = OneLineField(label=_("Address (optional)"), required=False, max_length=300)
    reason = OneLineField(label=_("Reason (optional)"), required=False, max_length=300)


@report_tool(permissions.may_move_pin)
def move(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    initial = {"lat": round(report.lat, 6), "lon": round(report.lon, 6), "address": ""}
    form = MoveForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"report": report, "member": member, "form": form}
    if request.method != "POST":
        return show(request, "move", context)
    if not form.is_valid():
        return show(request, "move", context, status=400)
    data = form.cleaned_data
    try:
        moderation.move_report(report=report, body=member.body, staff=member.user, **data)
    except report_actions.NotAllowed:
        form.add_error(
            None,
            gettext(
                "The new place is outside the area of %(body)s. If another body is "
                "responsible there, change the category instead."
            )
            % {"body": report.category.body.name},
        )
        return show(request, "move", context, status=400)
    messages.success(request, gettext("The pin is moved."))
    return back_to(report, member)


# Moderation.


class EditForm(StaffForm):
    prefix = "edit"
    title = OneLineField(label=_("Title"), max_length=200)
    detail = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        validators=[refuse_control_characters_multiline],
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    reason = OneLineField(label=_("Reason for the edit"), max_length=300)


@report_tool(permissions.may_edit)
def edit(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    initial = {"title": report.title, "detail": report.detail}
    form = EditForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"report": report, "member": member, "form": form}
    if request.method != "POST":
        return show(request, "edit_report", context)
    if not form.is_valid():
        return show(request, "edit_report", context, status=400)
    act(
        moderation.edit_report,
        report=report,
        body=member.body,
        staff=member.user,
        **form.cleaned_data,
    )
    messages.success(request, gettext("The report is edited; the original is kept for moderators."))
    return back_to(report, member)


class HideForm(StaffForm):
    prefix = "hide"
    reason = OneLineField(label=_("Reason"), max_length=300)


@report_tool(permissions.may_hide)
def hide(request: StaffRequest, report: Report, member: Member) -> HttpResponse:
    form = HideForm(request.POST if request.method == "POST" else None)
    context = {"report": report, "member": member, "form": form}
    if request.method != "POST":
        return show(request, "hide", context)
    if not form.is_valid():
        return show(request, "hide", context, status=400)
    hidden = not report.hidden
    act(
        moderation.set_hidden,
        report=report,
        body=member.body,
        staff=member.user,
        hidden=hidden,
        reason=form.cleaned_data["reason"],
    )
    if hidden:
        messages.success(request, gettext("The report is hidden from the public."))
    else:
        messages.success(request, gettext("The report is public again."))
    return back_to(report, member)
