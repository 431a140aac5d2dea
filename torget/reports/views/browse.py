"""The public ways into the reports: the front page, the reports around a place, all reports by
body, and the GeoJSON behind every map (also published as open data)."""

import datetime
from collections.abc import Callable
from email.utils import parseaddr
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from torget.lib import geo
from torget.places.geocoders import get_geocoder
from torget.places.models import Body
from torget.places.views import MAX_QUERY_LENGTH, parse_position
from torget.reports import stats
from torget.reports.models import (
    STATE_GROUPS,
    Category,
    Photo,
    Report,
    ReportQuerySet,
    State,
    state_group,
)

PER_PAGE = 20
AROUND_METRES = 2000
GEOJSON_LIMIT = 1000
# A box this size is a county at most; anything larger would ask for half the country's pins.
MAX_BBOX_DEGREES = 2.0
# A body with more than 1/BIG_SHARE of all reports is listed by walking them (reports_of).
BIG_SHARE = 20


class BadRequest(Exception):
    """A parameter the page cannot use; the message tells the user what to give instead."""


# Filters


class CategoryField(forms.ModelChoiceField[Category]):
    show_body = False

    def label_from_instance(self, obj: Category) -> str:
        return str(obj) if self.show_body else obj.name


class ReportFilter(forms.Form):
    """The filters every list and map of reports shares, read from the query string."""

    state_group = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("all", _("All states")),
            ("open", _("Open")),
            ("fixed", _("Fixed")),
            ("closed", _("Closed")),
        ],
    )
    category = CategoryField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All categories"),
    )
    days = forms.TypedChoiceField(
        label=_("Reported"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("At any time")),
            ("7", _("In the past week")),
            ("30", _("In the past 30 days")),
            ("365", _("In the past year")),
        ],
    )

    def __init__(
        self,
        data: Any,
        *,
        categories: QuerySet[Category],
        with_days: bool = True,
        show_body: bool = False,
    ) -> None:
        super().__init__(data)
        field = self.fields["category"]
        assert isinstance(field, CategoryField)
        field.queryset = by_name(categories)
        field.show_body = show_body
        if not with_days:
            del self.fields["days"]

    def apply(self, reports: ReportQuerySet) -> ReportQuerySet:
        data = self.cleaned_data
        reports = reports.in_group(data["state_group"])
        if data["category"]:
            reports = reports.filter(category=data["category"])
        if data.get("days"):
            reports = reports.filter(created__gte=timezone.now() - datetime.timedelta(data["days"]))
        return reports

    def known_count(self, by_group: dict[str, int]) -> int | None:
        """The length of the filtered list, if the cached counts by state group tell it."""
        if self.cleaned_data["category"] or self.cleaned_data.get("days"):
            return None
        group = self.cleaned_data["state_group"]
        return by_group[group] if group in STATE_GROUPS else sum(by_group.values())

    def params(self) -> dict[str, str]:
        """The chosen filters, for the map's GeoJSON address."""
        values = {
            "state_group": self.cleaned_data["state_group"],
            "category": self.cleaned_data["category"].pk if self.cleaned_data["category"] else "",
            "days": self.cleaned_data.get("days") or "",
        }
        return {name: str(value) for name, value in values.items() if value}

    def check(self) -> None:
        if not self.is_valid():
            raise BadRequest(error_text(self))


class MapFilter(ReportFilter):
    body = forms.ModelChoiceField(queryset=Body.objects.all(), to_field_name="slug", required=False)

    def apply(self, reports: ReportQuerySet) -> ReportQuerySet:
        reports = super().apply(reports)
        if self.cleaned_data["body"]:
            reports = reports.filter(bodies=self.cleaned_data["body"])
        return reports


def by_name(categories: QuerySet[Category]) -> QuerySet[Category]:
    language = (get_language() or "nb")[:2]
    column = f"name_{language}" if language in ("nb", "nn", "en") else "name_nb"
    return categories.select_related("body").order_by(column, "pk")


def error_text(form: forms.Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(str(error) for error in errors)
        parts.append(f"{form.fields[name].label}: {text}" if name in form.fields else text)
    return " ".join(parts)


def answers_bad_requests(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Turn BadRequest into a 400 page that says what was wrong."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as error:
            context = {"message": str(error), "back": request.path}
            return render(request, "reports/browse_error.html", context, status=400)

    return wrapper


def page_of(request: HttpRequest, reports: ReportQuerySet, count: int | None = None) -> Page:
    """The requested page, with each report's category, bodies and own photos fetched along.
    `count`, when the caller already knows it, spares the database a COUNT over the list."""
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1:
        raise BadRequest(gettext("page must be a whole number, 1 or more."))
    own_photos = Photo.objects.ready().filter(update__isnull=True)
    reports = reports.select_related("category").prefetch_related(
        "bodies", Prefetch("photos", queryset=own_photos)
    )
    paginator = Paginator(reports, PER_PAGE)
    if count is not None:
        paginator.count = count
    try:
        return paginator.page(number)
    except EmptyPage:
        raise Http404(gettext("There is no page %(number)d.") % {"number": number}) from None


def map_context(**data: object) -> dict[str, object]:
    return {"tiles": settings.MAP_TILES, "geojson_url": reverse("reports:geojson"), **data}


def geojson_url(params: dict[str, str]) -> str:
    url = reverse("reports:geojson")
    return f"{url}?{urlencode(params)}" if params else url


# Pages


@require_safe
def front(request: HttpRequest) -> HttpResponse:
    bounds = stats.coverage_bounds()
    return render(
        request,
        "reports/front.html",
        {
            "figures": stats.front_figures(),
            "recent": stats.recent_reports_with_photos(),
            "map": map_context(bounds=bounds, clip=True, around_url=reverse("reports:around"))
            if bounds
            else None,
        },
    )


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    contact = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return render(request, "reports/about.html", {"contact": contact})


@require_safe
@answers_bad_requests
def around(request: HttpRequest) -> HttpResponse:
    """?lat=&lon= lists the reports around a point; ?q= finds the point first."""
    if "lat" in request.GET or "lon" in request.GET:
        try:
            lat, lon = parse_position(request.GET.get("lat", ""), request.GET.get("lon", ""))
        except ValueError as error:
            raise BadRequest(str(error)) from None
        return around_point(request, lat, lon)
    if "q" in request.GET:
        return around_search(request, request.GET["q"].strip())
    return render(request, "reports/around.html", {"searching": True})


def around_search(request: HttpRequest, text: str) -> HttpResponse:
    if not text:
        raise BadRequest(gettext("Type an address, a place name or a postcode to search for."))
    if len(text) > MAX_QUERY_LENGTH:
        raise BadRequest(
            gettext("The search text is too long: at most %(max)d characters.")
            % {"max": MAX_QUERY_LENGTH}
        )
    candidates, notice = get_geocoder().search_with_notice(text)
    if len(candidates) == 1:
        place = candidates[0]
        return around_point(request, place.lat, place.lon, label=place.label, notice=notice)
    context = {"searching": True, "q": text, "candidates": candidates, "notice": notice}
    return render(request, "reports/around.html", context)


def around_point(
    request: HttpRequest, lat: float, lon: float, *, label: str = "", notice: str = ""
) -> HttpResponse:
    bodies = list(Body.objects.covering(lat, lon))
    categories = Category.objects.filter(body__in=bodies, active=True)
    form = ReportFilter(
        request.GET, categories=categories, with_days=False, show_body=len(bodies) > 1
    )
    form.check()
    reports = form.apply(Report.objects.public().near(lat, lon, AROUND_METRES)).annotate(
        distance_km=F("distance") / 1000
    )
    new_url = reverse("reports:new") + "?" + urlencode({"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
    context = {
        "label": label,
        "q": request.GET.get("q", "").strip(),
        "notice": notice,
        "bodies": bodies,
        "form": form,
        "page_obj": page_of(request, reports),
        "new_url": new_url,
        "radius_km": AROUND_METRES / 1000,
        "hidden": [("lat", f"{lat:.6f}"), ("lon", f"{lon:.6f}")],
        "map": map_context(
            lat=lat,
            lon=lon,
            bounds=geo.bounding_box(lat, lon, AROUND_METRES / 2),
            geojson_url=geojson_url(form.params()),
            new_url=reverse("reports:new"),
        ),
    }
    return render(request, "reports/around.html", context)


@require_safe
def all_reports(request: HttpRequest) -> HttpResponse:
    counts = stats.body_counts()
    context = {
        "with_reports": [c for c in counts if c.total],
        "without_reports": [c for c in counts if not c.total],
    }
    return render(request, "reports/all_reports.html", context)


@require_safe
@answers_bad_requests
def body_reports(request: HttpRequest, slug: str) -> HttpResponse:
    body = get_object_or_404(Body, slug=slug)
    form = ReportFilter(request.GET, categories=body.categories.all())
    form.check()
    figures = stats.body_figures(body)
    reports = form.apply(reports_of(body, sum(figures.by_group.values()), stats.public_total()))
    context = {
        "body": body,
        "figures": figures,
        "state_counts": [
            (label, figures.by_state.get(value, 0))
            for value, label in State.choices
            if value != State.UNCONFIRMED
        ],
        "to_answer": human_duration(figures.median_to_answer),
        "to_fixed": human_duration(figures.median_to_fixed),
        "form": form,
        "page_obj": page_of(request, reports, form.known_count(figures.by_group)),
        "map": map_context(
            bounds=figures.bounds,
            clip=True,
            geojson_url=geojson_url({"body": body.slug, **form.params()}),
            new_url=reverse("reports:new"),
        )
        if figures.bounds
        else None,
    }
    return render(request, "reports/body_reports.html", context)


def reports_of(body: Body, size: int, total: int) -> ReportQuerySet:
    """A body's public reports, newest first.

    Ordered by id, which follows the order reports were made, because the primary key is an
    index in that order. When the body has a good share of all reports, walking all reports
    newest first and keeping its own finds a page after a few rows; for a smaller share,
    fetching the body's report ids first is cheaper than walking past everyone else's.
    """
    links = Report.bodies.through.objects.filter(body=body)
    if size * BIG_SHARE > total:
        reports = Report.objects.filter(Exists(links.filter(report=OuterRef("pk"))))
    else:
        reports = Report.objects.filter(pk__in=links.values("report_id"))
    return reports.public().order_by("-id")


def human_duration(duration: datetime.timedelta | None) -> str:
    """'2 days, 3 hours' in the active language; '' when there is nothing to measure."""
    if duration is None:
        return ""
    if duration < datetime.timedelta(minutes=1):
        return ngettext("%(n)d second", "%(n)d seconds", duration.seconds) % {"n": duration.seconds}
    start = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    return timesince(start, now=start + duration, depth=2)


# Open data


@require_safe
def reports_geojson(request: HttpRequest) -> JsonResponse:
    """Public reports in ?bbox=west,south,east,north as a GeoJSON FeatureCollection, newest
    first, at most GEOJSON_LIMIT of them. Never carries anything about the reporter."""
    try:
        west, south, east, north = parse_bbox(request.GET.get("bbox", ""))
        form = MapFilter(request.GET, categories=Category.objects.all())
        form.check()
    except BadRequest as error:
        return open_data(JsonResponse({"error": str(error)}, status=400))
    reports = form.apply(
        Report.objects.public().filter(lat__range=(south, north), lon__range=(west, east))
    )
    rows = list(
        reports.order_by("-created", "-id").values_list(
            "pk", "lat", "lon", "title", "state", "created", "category_id"
        )[: GEOJSON_LIMIT + 1]
    )
    collection = {
        "type": "FeatureCollection",
        "truncated": len(rows) > GEOJSON_LIMIT,
        "features": features(request, rows[:GEOJSON_LIMIT]),
    }
    return open_data(JsonResponse(collection, content_type="application/geo+json"))


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise BadRequest(
            gettext("Give bbox=west,south,east,north: four numbers in decimal degrees.")
        ) from None
    if not (geo.is_valid_position(south, west) and geo.is_valid_position(north, east)):
        raise BadRequest(
            gettext("bbox must lie within longitude -180 to 180 and latitude -90 to 90.")
        )
    if west > east or south > north:
        raise BadRequest(gettext("bbox must go from west to east and from south to north."))
    if east - west > MAX_BBOX_DEGREES or north - south > MAX_BBOX_DEGREES:
        raise BadRequest(
            gettext("bbox may span at most %(max)s degrees each way.") % {"max": MAX_BBOX_DEGREES}
        )
    return west, south, east, north


def features(request: HttpRequest, rows: list[tuple[Any, ...]]) -> list[dict[str, object]]:
    names = {c.pk: c.name for c in Category.objects.filter(pk__in={row[6] for row in rows})}
    labels = {value: str(label) for value, label in State.choices}
    site = request.build_absolute_uri("/").rstrip("/")
    detail = reverse("reports:detail", args=[0]).removesuffix("0")
    return [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {
                "id": pk,
                "title": title,
                "category": names.get(category_id, ""),
                "state": state,
                "state_label": labels.get(state, state),
                "state_group": state_group(state),
                "created": created.isoformat(),
                "url": f"{site}{detail}{pk}",
            },
        }
        for pk, lat, lon, title, state, created, category_id in rows
    ]


def open_data(response: JsonResponse) -> JsonResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response
