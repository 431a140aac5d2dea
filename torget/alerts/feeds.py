"""RSS 2.0 and Atom feeds of public reports and updates, each item carrying a GeoRSS point.

Every kind of alert a person can subscribe to has a feed too, for people who read feeds rather
than e-mail: a report's updates, new reports near a point, in an area, or sent to a body, all
new reports and all fixed reports, each narrowed to categories with ?category= (an id or a
category's slug, repeatable). A feed lists the newest ITEMS_PER_FEED items, so each costs
the same few queries however many reports there are. Lists of reports are newest first by id,
which follows the order reports were made and walks the primary key's index.

Nothing about a reporter goes out but the name they chose to show: no e-mail, no phone.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape, linebreaks
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe

from torget.places.models import Area, Body
from torget.places.views import parse_position
from torget.reports.models import Category, Report, ReportQuerySet, State, Update

GEORSS_NAMESPACE = "http://www.georss.org/georss"
ITEMS_PER_FEED = 50
DEFAULT_RADIUS_METRES = 2000
# As for a subscription by e-mail (alerts/forms.py), so every subscription has its feed. Wider
# would ask for half a county's reports, which is what the area and body feeds are for.
MAX_RADIUS_METRES = 20_000
# More than a person picks by hand; a bound on the query's IN list.
MAX_CATEGORIES = 20


class BadFeedRequest(Exception):
    """A parameter the feed cannot use; the message says what to give instead."""


# Feed generators: the standard ones plus the georss namespace and one point per item.


class GeoRssFeed(Rss201rev2Feed):
    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:georss": GEORSS_NAMESPACE}

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        add_point(handler, item)


class GeoAtomFeed(Atom1Feed):
    def root_attributes(self) -> dict[str, str]:
        return {**super().root_attributes(), "xmlns:georss": GEORSS_NAMESPACE}

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        add_point(handler, item)


def add_point(handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
    # GeoRSS-Simple: "latitude longitude", WGS84, in that order (unlike GeoJSON).
    lat, lon = item["point"]
    handler.addQuickElement("georss:point", f"{lat:.6f} {lon:.6f}")


# What a feed is about, found from the request by get_object(). The Feed instance is shared by
# all requests, so everything that differs per request lives here.


@dataclass(frozen=True)
class Subject:
    title: str
    link: str
    description: str
    reports: ReportQuerySet | None = None
    report: Report | None = None
    categories: list[Category] = field(default_factory=list)


class ReportFeed(Feed):
    """The common part: items are reports (or, for one report's feed, its updates)."""

    # Atom wants an author for every entry; the feed's stands in for anonymous reporters.
    author_name = "Torget"

    def __init__(self, *, atom: bool = False) -> None:
        self.feed_type: type[SyndicationFeed] = GeoAtomFeed if atom else GeoRssFeed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except BadFeedRequest as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")

    def subject(self, request: HttpRequest, **kwargs: Any) -> Subject:
        raise NotImplementedError

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Subject:
        return self.subject(request, **kwargs)

    def title(self, obj: Subject) -> str:
        return obj.title

    def link(self, obj: Subject) -> str:
        return obj.link

    def description(self, obj: Subject) -> str:
        return obj.description

    def items(self, obj: Subject) -> list[Any]:
        assert obj.reports is not None
        reports = obj.reports
        if obj.categories:
            reports = reports.filter(category__in=obj.categories)
        return list(reports.select_related("category", "reporter")[:ITEMS_PER_FEED])

    def item_title(self, item: Report) -> str:
        # Plain text, escaped once by the XML writer. (Django's default escapes titles twice,
        # for old readers that took them as HTML; Atom says a title without a type is text,
        # and feedparser then shows a citizen's "&" as "&amp;".)
        return item.title

    def item_description(self, item: Report) -> str:
        # State(...).label, not get_state_display(): that hashes every choice's lazy label on
        # each call, which was a third of a feed's time.
        facts = [item.category.name, str(State(item.state).label)]
        if item.address:
            facts.append(item.address)
        return f"<p>{escape(' · '.join(facts))}</p>" + linebreaks(item.detail, autoescape=True)

    def item_link(self, item: Report) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Report) -> Any:
        return item.created

    def item_updateddate(self, item: Report) -> Any:
        return item.updated

    def item_author_name(self, item: Report) -> str | None:
        return item.public_name() or None

    def item_categories(self, item: Report) -> list[str]:
        return [item.category.name]

    def item_extra_kwargs(self, item: Report) -> dict[str, Any]:
        return {"point": (item.lat, item.lon)}


class NewReportsFeed(ReportFeed):
    def subject(self, request: HttpRequest, **kwargs: Any) -> Subject:
        return Subject(
            title=gettext("New reports on Torget"),
            link=reverse("reports:all"),
            description=gettext("The newest public reports of problems, everywhere."),
            reports=Report.objects.public().order_by("-id"),
            categories=categories_from(request),
        )


class FixedReportsFeed(ReportFeed):
    def subject(self, request: HttpRequest, **kwargs: Any) -> Subject:
        return Subject(
            title=gettext("Fixed reports on Torget"),
            link=reverse("reports:all"),
            description=gettext("Reports most recently marked as fixed, everywhere."),
            # `fixed` is set exactly while a report is in the fixed state (the lifecycle methods
            # keep it so), and filtering on it alone lets the database walk its index newest
            # first; a filter on the state as well made SQLite sort every fixed report.
            reports=Report.objects.public().filter(fixed__isnull=False).order_by("-fixed", "-id"),
            categories=categories_from(request),
        )

    def item_pubdate(self, item: Report) -> Any:
        return item.fixed or item.created


class NearFeed(ReportFeed):
    def subject(self, request: HttpRequest, **kwargs: Any) -> Subject:
        try:
            lat, lon = parse_position(request.GET.get("lat", ""), request.GET.get("lon", ""))
        except ValueError as error:
            raise BadFeedRequest(str(error)) from None
        radius = radius_from(request.GET.get("radius", ""))
        values = {"radius": f"{radius / 1000:g}", "lat": f"{lat:.5f}", "lon": f"{lon:.5f}"}
        return Subject(
            title=gettext("New reports within %(radius)s km of %(lat)s, %(lon)s") % values,
            link=reverse("reports:around")
            + "?"
            + urlencode({"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}),
            description=gettext("The newest public reports within %(radius)s km of the point.")
            % values,
            reports=Report.objects.public().near(lat, lon, radius),
            categories=categories_from(request),
        )


class AreaFeed(ReportFeed):
    def subject(self, request: HttpRequest, **kwargs: Any) -> Subject:
        area = get_object_or_404(Area, pk=kwargs["area_id"])
        return Subject(
            title=gettext("New reports in %(area)s") % {"area": area.name},
            # The reports around the middle of the area's bounds: the nearest page Torget has.
            link=reverse("reports:around") + "?" + urlencode(area_middle(area)),
            description=gettext("The newest public reports inside %(area)s, whoever got them.")
            % {"area": area.name},
            reports=linked_to(Report.areas.through.objects.filter(area=area)),
            categories=categories_from(request),
        )


def area_middle(area: Area) -> dict[str, str]:
    lat, lon = (area.min_lat + area.max_lat) / 2, (area.min_lon + area.max_lon) / 2
    return {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}


class BodyFeed(ReportFeed):
    def subject(self, request: HttpRequest, **kwargs: Any) -> Subject:
        body = get_object_or_404(Body, slug=kwargs["slug"])
        return Subject(
            title=gettext("New reports to %(body)s") % {"body": body.name},
            link=reverse("reports:body", args=[body.slug]),
            description=gettext("The newest public reports sent to %(body)s.")
            % {"body": body.name},
            reports=linked_to(Report.bodies.through.objects.filter(body=body)),
            # A slug names one category within a body, so here it is looked up among its own.
            categories=categories_from(request, within=body.categories.all()),
        )


class ReportUpdatesFeed(ReportFeed):
    """One report's public timeline, newest first; each entry is placed at the report."""

    def subject(self, request: HttpRequest, **kwargs: Any) -> Subject:
        report = get_object_or_404(Report.objects.public(), pk=kwargs["pk"])
        return Subject(
            title=gettext("Updates on %(title)s") % {"title": report.title},
            link=report.get_absolute_url(),
            description=gettext("The public updates on report %(id)s.") % {"id": report.pk},
            report=report,
        )

    def items(self, obj: Subject) -> list[Any]:
        updates = (
            Update.objects.public()
            .filter(report=obj.report)
            .select_related("report", "author", "body")
            .order_by("-created", "-id")
        )
        return list(updates[:ITEMS_PER_FEED])

    def item_title(self, item: Update) -> str:  # type: ignore[override]
        by = update_author(item) or gettext("A citizen")
        if item.new_state:
            values = {"by": by, "state": item.get_new_state_display()}
            return gettext("%(by)s: state changed to %(state)s") % values
        return gettext("%(by)s wrote an update") % {"by": by}

    def item_description(self, item: Update) -> str:  # type: ignore[override]
        return linebreaks(item.text, autoescape=True)

    def item_link(self, item: Update) -> str:  # type: ignore[override]
        return f"{item.report.get_absolute_url()}?page=last#update-{item.pk}"

    def item_guid(self, item: Update) -> str:
        # Absolute, as Atom's <id> must be, and free of the page number the link carries.
        return f"{settings.BASE_URL}{item.report.get_absolute_url()}#update-{item.pk}"

    def item_guid_is_permalink(self, item: Update) -> bool:
        return False

    def item_pubdate(self, item: Update) -> Any:  # type: ignore[override]
        return item.created

    def item_updateddate(self, item: Update) -> Any:  # type: ignore[override]
        return item.created

    def item_author_name(self, item: Update) -> str | None:  # type: ignore[override]
        return update_author(item) or None

    def item_categories(self, item: Update) -> list[str]:  # type: ignore[override]
        return [str(State(item.new_state).label)] if item.new_state else []

    def item_extra_kwargs(self, item: Update) -> dict[str, Any]:  # type: ignore[override]
        return {"point": (item.report.lat, item.report.lon)}


def linked_to(links: QuerySet[Any]) -> ReportQuerySet:
    """Public reports named by these area or body links, newest first.

    As a subquery rather than a join: SQLite then walks the reports newest first and stops at
    the 50th, where the join fetched every report of a big body and sorted them (134 ms
    against 15 ms for Oslo's 13,000 of 100,000 reports; PostgreSQL plans both alike).
    """
    return Report.objects.public().filter(pk__in=links.values("report_id")).order_by("-id")


def update_author(update: Update) -> str:
    """A body's name for its staff's answers; a citizen's name only if they chose to show it."""
    if update.body is not None:
        return update.body.name
    if update.author is not None and update.show_name:
        return update.author.name
    return ""


# Parameters


def categories_from(request: HttpRequest, within: Any = None) -> list[Category]:
    """The categories named by ?category= (ids or slugs); an unknown one is an error rather
    than silently ignored, so a mistyped feed address does not show everything."""
    wanted = [value.strip() for value in request.GET.getlist("category") if value.strip()]
    if not wanted:
        return []
    if len(wanted) > MAX_CATEGORIES:
        raise BadFeedRequest(gettext("Give at most %(max)d categories.") % {"max": MAX_CATEGORIES})
    # isascii(): "²" is a digit to str.isdigit() but not to int().
    numbers = {value for value in wanted if value.isascii() and value.isdigit()}
    ids = {int(value) for value in numbers if len(value) < 12}
    slugs = set(wanted) - numbers
    candidates = within if within is not None else Category.objects.all()
    found = list(candidates.filter(Q(pk__in=ids) | Q(slug__in=slugs)))
    known = {str(c.pk) for c in found} | {c.slug for c in found}
    unknown = [value for value in wanted if value not in known]
    if unknown:
        raise BadFeedRequest(
            gettext("There is no category %(category)s here.") % {"category": unknown[0]}
        )
    return found


def radius_from(raw: str) -> float:
    if not raw:
        return DEFAULT_RADIUS_METRES
    try:
        radius = float(raw)
    except ValueError:
        radius = math.nan
    # Written so that NaN fails too: every comparison with NaN is false.
    if not 0 < radius <= MAX_RADIUS_METRES:
        raise BadFeedRequest(
            gettext("radius must be a number of metres, more than 0 and at most %(max)d.")
            % {"max": MAX_RADIUS_METRES}
        )
    return radius


def rss_and_atom(feed: type[ReportFeed]) -> Callable[..., HttpResponse]:
    """One view for both formats of a feed, told apart by the address's ending."""
    by_format = {"rss": feed(), "atom": feed(atom=True)}

    @require_safe
    def view(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        return by_format[fmt](request, **kwargs)

    view.__name__ = view.__qualname__ = feed.__name__
    return view
