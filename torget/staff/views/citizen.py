"""Staff at the service desk or on the phone file a report for a citizen: find the place,
then the body's category, the citizen's words and their name and contact. The report goes
through reports.actions.submit_report like any other (delivered, followed, answered); it says
publicly that the body filed it for a citizen, and never shows the citizen's name or contact.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from torget.lib.text import OneLineField
from torget.places.geocoders import get_geocoder
from torget.places.views import parse_geocode_query, parse_position
from torget.reports import actions as report_actions
from torget.reports.forms import validate_phone
from torget.reports.models import Category
from torget.staff import permissions
from torget.staff.access import StaffRequest, member_for_body, staff_only
from torget.staff.forms import StaffForm, long_text
from torget.staff.permissions import Member


class CitizenReportForm(StaffForm):
    prefix = "citizen"
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180)
    address = OneLineField(label=_("Address (optional)"), required=False, max_length=300)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    title = OneLineField(label=_("Title"), max_length=200)
    detail = long_text(_("Details"))
    name = OneLineField(label=_("The citizen's name"), max_length=200)
    email = forms.EmailField(
        label=_("The citizen's e-mail address (optional)"),
        required=False,
        max_length=254,
        help_text=_("The citizen is told of the report and of the answers by e-mail."),
    )
    phone = forms.CharField(
        label=_("The citizen's phone number (optional)"),
        required=False,
        max_length=40,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel"}),
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {c.pk: c for c in categories}
        self.set_choices("category", [(c.pk, c.name) for c in categories])

    def chosen(self) -> Category:
        return self.categories[self.cleaned_data["category"]]


def member_of(request: StaffRequest, slug: str) -> Member:
    member = member_for_body(request, slug)
    if not permissions.may_file_for_citizen(member):
        raise PermissionDenied(gettext("Your role does not allow this."))
    return member


def categories_at(member: Member, lat: float, lon: float) -> list[Category]:
    return list(Category.objects.offered_at(lat, lon).filter(body=member.body).order_by("name_nb"))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def file_for_citizen(request: StaffRequest, slug: str) -> HttpResponse:
    member = member_of(request, slug)
    context: dict[str, Any] = {"member": member, "q": request.GET.get("q", "")}
    source = request.POST if request.method == "POST" else request.GET
    lat_text = source.get("citizen-lat") or source.get("lat", "")
    lon_text = source.get("citizen-lon") or source.get("lon", "")
    if not lat_text and not lon_text:
        return place_step(request, context)
    try:
        lat, lon = parse_position(lat_text, lon_text)
    except ValueError as error:
        context["error"] = error
        return render(request, "staff/citizen_place.html", context, status=400)
    categories = categories_at(member, lat, lon)
    if not categories:
        context["error"] = gettext("The place is outside the area of %(body)s.") % {
            "body": member.body.name
        }
        return render(request, "staff/citizen_place.html", context, status=400)
    if request.method != "POST":
        initial = {"lat": lat, "lon": lon, "address": request.GET.get("address", "")}
        form = CitizenReportForm(initial=initial, categories=categories)
        return render(request, "staff/citizen_form.html", {**context, "form": form})
    return submit(request, member, CitizenReportForm(request.POST, categories=categories))


def place_step(request: StaffRequest, context: dict[str, Any]) -> HttpResponse:
    if "q" not in request.GET:
        return render(request, "staff/citizen_place.html", context)
    try:
        query = parse_geocode_query(request.GET)
    except ValueError as error:
        context["error"] = error
        return render(request, "staff/citizen_place.html", context, status=400)
    context["candidates"], context["notice"] = get_geocoder().search_with_notice(str(query))
    return render(request, "staff/citizen_place.html", context)


def submit(request: StaffRequest, member: Member, form: CitizenReportForm) -> HttpResponse:
    context = {"member": member, "form": form}
    if not form.is_valid():
        return render(request, "staff/citizen_form.html", context, status=400)
    data = form.cleaned_data
    try:
        report = report_actions.submit_report(
            reporter=report_actions.Reporter(
                user=None, email=data["email"], name=data["name"], phone=data["phone"]
            ),
            category=form.chosen(),
            lat=data["lat"],
            lon=data["lon"],
            title=data["title"],
            detail=data["detail"],
            show_name=False,
            photos=[],
            address=data["address"],
            language=member.body.language,
            filed_for=report_actions.FiledFor(body=member.body, staff=member.user),
        )
    except report_actions.NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    if data["email"]:
        text = gettext("Report %(number)s is filed. The citizen is told by e-mail.")
    else:
        text = gettext("Report %(number)s is filed. Give the citizen its number.")
    messages.success(request, text % {"number": report.pk})
    url = reverse("staff:report", args=[report.pk])
    return redirect(f"{url}?body={member.body.slug}")
