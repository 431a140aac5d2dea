"""Figures for the front page and the all-reports pages, cached so those pages cost the same
few queries whatever the number of reports.

Every figure lives in Django's cache for a few minutes. The counts and medians scan many rows,
so a visitor should not wait for them; a figure a few minutes old is still true enough. The
recent-photos list is kept for a shorter time, because it shows reports themselves.
"""

import datetime
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from torget.places.models import Area, Body
from torget.reports.handlers import handlers
from torget.reports.models import Photo, Report, ReportQuerySet, State, Update, state_group

FIGURES_SECONDS = 300
RECENT_SECONDS = 60
RECENT_WITH_PHOTOS = 6
# Medians are taken over the newest answered (or fixed) reports: recent enough to describe how
# a body works today, and bounded so the figure costs the same at any size.
MEDIAN_SAMPLE = 1000
GROUPS = ("open", "fixed", "closed")


@dataclass(frozen=True)
class FrontFigures:
    reports_past_week: int
    fixed_past_month: int
    updates_past_week: int


@dataclass(frozen=True)
class BodyCounts:
    body_id: int
    name: str
    slug: str
    open: int
    fixed: int
    closed: int

    @property
    def total(self) -> int:
        return self.open + self.fixed + self.closed


@dataclass(frozen=True)
class QuestionnaireAnswers:
    """What reporters answered when asked "has it been fixed?": alerts asks them
    (alerts/questionnaire.py) and counts the answers for these figures."""

    fixed: int = 0
    not_fixed: int = 0
    dont_know: int = 0

    def __add__(self, other: "QuestionnaireAnswers") -> "QuestionnaireAnswers":
        return QuestionnaireAnswers(
            fixed=self.fixed + other.fixed,
            not_fixed=self.not_fixed + other.not_fixed,
            dont_know=self.dont_know + other.dont_know,
        )

    @property
    def answered(self) -> int:
        return self.fixed + self.not_fixed + self.dont_know

    @property
    def fixed_percent(self) -> int | None:
        return round(100 * self.fixed / self.answered) if self.answered else None


@dataclass(frozen=True)
class BodyFigures:
    by_state: dict[str, int]
    by_group: dict[str, int]
    median_to_answer: datetime.timedelta | None
    median_to_fixed: datetime.timedelta | None
    answered_sample: int
    fixed_sample: int
    # (south, west, north, east) of the body's current areas, for its map.
    bounds: tuple[float, float, float, float] | None
    questionnaires: QuestionnaireAnswers = QuestionnaireAnswers()


def cached[T](key: str, compute: Callable[[], T], seconds: int) -> T:
    return cast(T, cache.get_or_set(key, compute, seconds))


def front_figures() -> FrontFigures:
    return cached("stats:front", count_front_figures, FIGURES_SECONDS)


def count_front_figures() -> FrontFigures:
    now = timezone.now()
    week_ago = now - datetime.timedelta(days=7)
    return FrontFigures(
        reports_past_week=Report.objects.public().filter(confirmed__gte=week_ago).count(),
        fixed_past_month=Report.objects.public()
        .filter(fixed__gte=now - datetime.timedelta(days=30))
        .count(),
        updates_past_week=Update.objects.public().filter(created__gte=week_ago).count(),
    )


def public_total() -> int:
    return cached("stats:total", Report.objects.public().count, FIGURES_SECONDS)


def recent_reports_with_photos() -> list[Report]:
    return cached("stats:recent-photos", find_recent_reports_with_photos, RECENT_SECONDS)


def find_recent_reports_with_photos() -> list[Report]:
    """The newest public reports with a ready photo of their own (not one added by an update).

    Ordered by id rather than `created`: the primary key is already an index in that order,
    so the database walks back from the newest row and stops after a handful.
    """
    own_photos = Photo.objects.ready().filter(update__isnull=True)
    reports = (
        Report.objects.public()
        .filter(Exists(own_photos.filter(report=OuterRef("pk"))))
        .select_related("category")
        .prefetch_related("bodies", Prefetch("photos", queryset=own_photos))
        .order_by("-id")
    )
    return list(reports[:RECENT_WITH_PHOTOS])


def body_counts() -> list[BodyCounts]:
    """Every active body with its public reports counted by state group, in two queries."""
    return cached("stats:bodies", count_by_body, FIGURES_SECONDS)


def count_by_body() -> list[BodyCounts]:
    links = Report.bodies.through.objects.filter(report__hidden=False).exclude(
        report__state=State.UNCONFIRMED
    )
    counts: dict[int, dict[str, int]] = {}
    for body_id, state, n in links.values_list("body_id", "report__state").annotate(n=Count("id")):
        groups = counts.setdefault(body_id, dict.fromkeys(GROUPS, 0))
        groups[state_group(state)] += n
    bodies = Body.objects.filter(active=True).values_list("pk", "name", "slug")
    return [
        BodyCounts(pk, name, slug, **counts.get(pk, dict.fromkeys(GROUPS, 0)))
        for pk, name, slug in bodies
    ]


def body_figures(body: Body) -> BodyFigures:
    return cached(f"stats:body:{body.pk}", lambda: compute_body_figures(body), FIGURES_SECONDS)


def compute_body_figures(body: Body) -> BodyFigures:
    reports = Report.objects.public().filter(bodies=body)
    by_state = dict(
        reports.order_by().values("state").annotate(n=Count("id")).values_list("state", "n")
    )
    by_group = dict.fromkeys(GROUPS, 0)
    for state, n in by_state.items():
        by_group[state_group(state)] += n
    to_answer = durations(reports, "answered")
    to_fixed = durations(reports, "fixed")
    return BodyFigures(
        by_state=by_state,
        by_group=by_group,
        median_to_answer=median(to_answer),
        median_to_fixed=median(to_fixed),
        answered_sample=len(to_answer),
        fixed_sample=len(to_fixed),
        bounds=area_bounds(body),
        questionnaires=questionnaire_answers(reports),
    )


def questionnaire_answers(reports: ReportQuerySet) -> QuestionnaireAnswers:
    """The answers given about these reports, as the feature that keeps them counts them
    (alerts registers its count in reports/handlers.py); none when no feature does."""
    total = QuestionnaireAnswers()
    for count in handlers.questionnaire_answers:
        total += count(reports)
    return total


def durations(reports: ReportQuerySet, field: str) -> list[datetime.timedelta]:
    """Time from confirmation to `field` for the newest MEDIAN_SAMPLE reports that have it."""
    rows = (
        reports.filter(confirmed__isnull=False, **{f"{field}__isnull": False})
        .order_by(f"-{field}")
        .values_list("confirmed", field)[:MEDIAN_SAMPLE]
    )
    # A clock set wrong somewhere must not make a body look faster than instant.
    return [max(end - start, datetime.timedelta(0)) for start, end in rows]


def median(values: list[datetime.timedelta]) -> datetime.timedelta | None:
    if not values:
        return None
    seconds = statistics.median(value.total_seconds() for value in values)
    return datetime.timedelta(seconds=round(seconds))


def area_bounds(body: Body) -> tuple[float, float, float, float] | None:
    return bounds_of(Area.objects.current().filter(bodies=body))


def bounds_of(areas: "QuerySet[Area]") -> tuple[float, float, float, float] | None:
    box = areas.aggregate(
        south=Min("min_lat"), west=Min("min_lon"), north=Max("max_lat"), east=Max("max_lon")
    )
    if box["south"] is None:
        return None
    return box["south"], box["west"], box["north"], box["east"]


def coverage_bounds() -> tuple[float, float, float, float] | None:
    """(south, west, north, east) around every current area: where the front-page map opens."""
    return cached("stats:coverage", find_coverage_bounds, FIGURES_SECONDS)


def find_coverage_bounds() -> tuple[float, float, float, float] | None:
    return bounds_of(Area.objects.current())


def forget() -> None:
    """Drop the cached lists, e.g. after a moderator hides a report that one of them shows."""
    cache.delete_many(
        ["stats:front", "stats:total", "stats:recent-photos", "stats:bodies", "stats:coverage"]
    )
