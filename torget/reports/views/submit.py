"""A new report, step by step, and the confirmation link that makes it public.

Without JavaScript the steps are pages: find the place (search), then "is it one of these?"
together with the category choice, then the form with the category's urgent notice on top.
The duplicate question shares a page with the categories so that a person who has a new
problem answers it by simply choosing a category: one tap fewer on a phone.
"""

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from torget.accounts import actions as account_actions
from torget.lib import ratelimit
from torget.lib.signing import BadToken, ExpiredToken
from torget.limits import counters
from torget.places.geocoders import GeocoderUnavailable, get_geocoder
from torget.places.views import parse_geocode_query, parse_position
from torget.reports import actions, limits
from torget.reports.forms import ReportForm, categories_at, category_offered
from torget.reports.models import OPEN_STATES, Category, InvalidTransition, Report, State

NEARBY_METRES = 250
NEARBY_SHOWN = 5
# Every POST counts against the client's address, valid or not, so a script cannot make the
# server decode photos without end; a person correcting mistakes stays well below it.
POSTS_PER_IP = 30
RATE_WINDOW_SECONDS = 3600
ADDRESS_MAX_LENGTH = 300


@never_cache
@require_http_methods(["GET", "POST"])
def new_report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return submit(request)
    if "lat" not in request.GET and "lon" not in request.GET:
        return place_search(request)
    try:
        lat, lon = parse_position(request.GET.get("lat", ""), request.GET.get("lon", ""))
    except ValueError as error:
        return render(request, "reports/new_bad_position.html", {"error": error}, status=400)
    categories = categories_at(lat, lon)
    if not categories:
        return render(request, "reports/new_not_covered.html", {"lat": lat, "lon": lon})
    if "category" not in request.GET:
        return choose_category(request, lat, lon, categories)
    category = category_offered(categories, request.GET["category"])
    if category is None:
        return choose_category(request, lat, lon, categories, status=400)
    initial = {"lat": lat, "lon": lon, "category": category.pk}
    form = ReportForm(initial=initial, signed_in=request.user.is_authenticated)
    return render_form(request, form, category)


def place_search(request: HttpRequest) -> HttpResponse:
    """Finding the place by name: the way in without a map, or without JavaScript."""
    context: dict[str, object] = {"q": request.GET.get("q", "")}
    if "q" not in request.GET:
        return render(request, "reports/new_search.html", context)
    try:
        query = parse_geocode_query(request.GET)
    except ValueError as error:
        context["error"] = error
        return render(request, "reports/new_search.html", context, status=400)
    context["candidates"], context["notice"] = get_geocoder().search_with_notice(str(query))
    return render(request, "reports/new_search.html", context)


def choose_category(
    request: HttpRequest, lat: float, lon: float, categories: list[Category], status: int = 200
) -> HttpResponse:
    nearby = (
        Report.objects.public()
        .near(lat, lon, NEARBY_METRES)
        .filter(state__in=OPEN_STATES)
        .select_related("category")
        .order_by(F("distance"))[:NEARBY_SHOWN]
    )
    context = {
        "lat": lat,
        "lon": lon,
        "categories": categories,
        "several_bodies": len({c.body_id for c in categories}) > 1,
        "nearby": nearby,
        "category_error": status == 400,
    }
    return render(request, "reports/new_start.html", context, status=status)


def render_form(
    request: HttpRequest, form: ReportForm, category: Category | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "category": category}
    return render(request, "reports/new_form.html", context, status=status)


def submit(request: HttpRequest) -> HttpResponse:
    client = ratelimit.client_address(request)
    if not counters.hit("report-post:ip:" + client, POSTS_PER_IP, RATE_WINDOW_SECONDS):
        return too_many_reports(request)
    user = request.user if request.user.is_authenticated else None
    form = ReportForm(request.POST, request.FILES, signed_in=user is not None)
    if not form.is_valid():
        return render_form(request, form, chosen_category(form), status=400)
    reporter = actions.Reporter(
        user=user,
        email=user.email if user else form.cleaned_data["email"],
        name=form.cleaned_data.get("name", ""),
        phone=form.cleaned_data.get("phone", ""),
    )
    if not limits.count_report_from(reporter.email):
        return too_many_reports(request)
    report = actions.submit_report(
        reporter=reporter,
        category=form.cleaned_data["category"],
        lat=form.cleaned_data["lat"],
        lon=form.cleaned_data["lon"],
        title=form.cleaned_data["title"],
        detail=form.cleaned_data["detail"],
        show_name=form.cleaned_data["show_name"],
        photos=form.cleaned_data["photos"],
        address=address_at(form.cleaned_data["lat"], form.cleaned_data["lon"]),
        language=get_language(),
        answers=form.answers(),
    )
    if user is not None:
        return redirect(report)
    context = {"report": report, "email": reporter.email, "days": settings.REPORT_CONFIRMATION_DAYS}
    return render(request, "reports/new_sent.html", context)


def chosen_category(form: ReportForm) -> Category | None:
    """The category the form was for, for its urgent notice; None if it was not valid."""
    category = form.cleaned_data.get("category")
    return category if isinstance(category, Category) else None


def address_at(lat: float, lon: float) -> str:
    """The address nearest the point, or "" if none is known: a report does not need one."""
    try:
        address, _ = get_geocoder().reverse_with_notice(lat, lon)
    except GeocoderUnavailable:
        return ""
    return address.label[:ADDRESS_MAX_LENGTH] if address else ""


def too_many_reports(request: HttpRequest) -> HttpResponse:
    return ratelimit.refused(request, "reports/new_rate_limited.html", RATE_WINDOW_SECONDS)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Mail scanners open links to check them, so opening the link only shows a button; the
    button's POST is what confirms."""
    try:
        report = actions.report_for_confirmation(token)
    except ExpiredToken:
        return confirm_failed(request, "expired")
    except (BadToken, Report.DoesNotExist):
        return confirm_failed(request, "bad")
    if report.state != State.UNCONFIRMED:
        return confirm_failed(request, "used", report)
    if request.method == "GET":
        return render(request, "reports/confirm_ask.html", {"report": report})
    try:
        actions.confirm_report(report=report)
    except InvalidTransition:
        # Confirmed by another request between the check above and the row lock.
        return confirm_failed(request, "used", report)
    if report.reporter is not None:
        # News of the report (alerts, the questionnaire) comes in the language confirmed in.
        account_actions.remember_language(report.reporter, get_language())
    return redirect(report)


def confirm_failed(request: HttpRequest, reason: str, report: Report | None = None) -> HttpResponse:
    context = {"reason": reason, "report": report}
    return render(request, "reports/confirm_invalid.html", context, status=400)
