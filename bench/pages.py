"""Pages: the server's time per request for the public pages, with 100k reports (20k with
--quick).

The site holds Norway's 357 municipalities, each with its kommune body and a few categories,
and reports spread by population as in bench/near.py, in the states a site has after two years
of use. Each report has its area and body links, half as many updates as reports, and a share of
the reports have a photo or supports. Everything is inserted in bulk on a raw cursor
(executemany on SQLite, COPY on PostgreSQL).

Requests go through Django's test Client in this process: the full middleware stack, URL
routing, view, queries and template, but no network and no WSGI server. The baseline is a view
that returns "ok" through the same stack (bench/urls.py). Every page is asked twice per round:
right after cache.clear(), the worst case for the pages whose figures are cached ("cold"), and
again at once, as most visitors find it ("warm").

    python -m bench.pages --database-url URL [--json-out FILE] [--quick]
"""

import argparse
import datetime
import gc
import json
import os
import re
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.data import municipality_features, points_where_people_live
from bench.environment import is_postgres_url, recreate_postgres_database, setup_django
from bench.near import COLUMNS, STATE_SHARES, TITLES, analyze, database_version, lifecycle
from bench.stats import median, p95

SEED = 20250301
REPORTS = 100_000
QUICK_REPORTS = 20_000
CITIZENS = 2_000
UPDATES_PER_REPORT = 0.5
PHOTO_SHARE = 0.1
SUPPORTS_PER_REPORT = 0.2
SHOW_NAME_SHARE = 0.15
STAFF_ANSWER_SHARE = 1 / 3
TWO_YEARS = datetime.timedelta(days=730)
ROUNDS = 50
ROUNDS_BEFORE_ANALYZE = 20
TARGET_MS = 30.0
LANGUAGE = "nb"

# Oslo, Stortorvet: the town centre with the most reports, as Oslo has 13% of the people.
TOWN_NAME = "Oslo"
TOWN_CODE = "0301"
TOWN_LAT = 59.9127
TOWN_LON = 10.7461
# A town-sized map view, about 5.6 km each way here.
BBOX_HALF_LAT = 0.025
BBOX_HALF_LON = 0.05
CATEGORIES = (
    ("veg", "Veg og fortau", "Veg og fortau", "Roads and pavements"),
    ("lys", "Gatelys", "Gatelys", "Street lights"),
    ("avfall", "Avfall og forsøpling", "Avfall og forsøpling", "Rubbish"),
    ("vann", "Vann og avløp", "Vatn og avløp", "Water and sewage"),
)
COMMENTS = ("Jeg har også sett dette.", "Fortsatt ikke fikset.", "Det er blitt verre nå.")
ANSWERS = ("Takk, vi ser på saken.", "Saken er sendt videre til driftsavdelingen.")


@dataclass(frozen=True)
class Page:
    name: str
    url: str


@dataclass
class Site:
    """What the generator made, as far as the measurements need to know it."""

    reports: int = 0
    updates: int = 0
    photos: int = 0
    supports: int = 0
    detail_id: int = 0
    detail_updates: int = 0
    town_slug: str = ""
    insert_s: float = 0.0
    facts: dict[str, int] = field(default_factory=dict)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument(
        "--database-url",
        required=True,
        help="sqlite:////abs/path or postgres://…/name_with_bench (recreated)",
    )
    parser.add_argument("--json-out", type=Path, help="write the figures to this JSON file")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_REPORTS:,} reports instead of {REPORTS:,}"
    )
    args = parser.parse_args(argv)
    if is_postgres_url(args.database_url):
        recreate_postgres_database(args.database_url)
    setup_django(args.database_url)
    result = run(QUICK_REPORTS if args.quick else REPORTS)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


def run(count: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from torget.reports.views.browse import GEOJSON_LIMIT

    load = os.getloadavg()[0]
    site = build_site(np.random.default_rng(SEED), count)
    # The test Client calls itself "testserver"; bench/urls.py adds the baseline view.
    # WhiteNoise warns that collectstatic has not run: no page here asks for a static file.
    warnings.filterwarnings("ignore", message="No directory at")
    with override_settings(
        ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    ):
        client = Client()
        around = [page for page in pages_of(site) if page.url.startswith("/around")]
        before = before_and_after_analyze(client, around)
        figures = measure_pages(client, pages_of(site))
    result = {
        "vendor": connection.vendor,
        "database_version": database_version(),
        "reports": site.reports,
        "categories_per_body": len(CATEGORIES),
        "updates": site.updates,
        "photos": site.photos,
        "supports": site.supports,
        "detail_updates": site.detail_updates,
        "insert_s": site.insert_s,
        "facts": site.facts,
        "town": TOWN_NAME,
        "geojson_limit": GEOJSON_LIMIT,
        # Other work on the machine shows in the p95s; this says how much there was.
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "rounds": ROUNDS,
        "rounds_before_analyze": ROUNDS_BEFORE_ANALYZE,
        "target_ms": TARGET_MS,
        **figures,
        **before,
    }
    print_result(result)
    return result


def before_and_after_analyze(client: Any, around: list[Page]) -> dict[str, Any]:
    """The around pages on a database without statistics, then ANALYZE; and the plans of the
    "open only" page's list query and of its slowest query, before and after."""
    from django.db import connection

    print(f"pages[{connection.vendor}]: /around before ANALYZE …", flush=True)
    times = measure(client, [*around, MINIMAL], ROUNDS_BEFORE_ANALYZE)
    queries = {page.url: count_queries(client, page.url) for page in around}
    log = queries[around[-1].url][1]
    slowest = max(log.queries, key=lambda query: query.ms)
    watched = {"list query": report_list_query(log)}
    if slowest not in watched.values():
        watched[f"slowest query (on {table_of(slowest)})"] = slowest
    plans_before = {name: explain(query) for name, query in watched.items()}
    autoanalyzed = was_autoanalyzed()
    analyze()
    return {
        "before_analyze": [
            {"name": page.name, "url": page.url, **summarise(times[page.url])}
            | queries[page.url][0]
            for page in around
        ],
        "minimal_before_analyze": summarise(times[MINIMAL.url]),
        "autoanalyzed_before": autoanalyzed,
        "around_plans": [
            {"query": name, "before": plans_before[name], "after": explain(query)}
            for name, query in watched.items()
        ],
    }


def measure_pages(client: Any, pages: list[Page]) -> dict[str, Any]:
    times = measure(client, [*pages, MINIMAL], ROUNDS)
    queries = {page.url: count_queries(client, page.url)[0] for page in pages}
    return {
        "minimal": summarise(times[MINIMAL.url]),
        "pages": [page_result(page, times, queries) for page in pages],
    }


MINIMAL = Page("Minimal view (baseline)", "/bench/minimal")


def pages_of(site: Site) -> list[Page]:
    town = f"lat={TOWN_LAT}&lon={TOWN_LON}"
    bbox = ",".join(
        f"{value:.4f}"
        for value in (
            TOWN_LON - BBOX_HALF_LON,
            TOWN_LAT - BBOX_HALF_LAT,
            TOWN_LON + BBOX_HALF_LON,
            TOWN_LAT + BBOX_HALF_LAT,
        )
    )
    return [
        Page("Front page", "/"),
        Page("Around the town centre", f"/around?{town}"),
        Page("Around the town centre, open only", f"/around?{town}&state_group=open"),
        Page("Map GeoJSON, town-sized box", f"/reports.geojson?bbox={bbox}"),
        Page("One report", f"/report/{site.detail_id}"),
        Page("A body's reports", f"/reports/{site.town_slug}"),
    ]


# The site


def build_site(rng: np.random.Generator, count: int) -> Site:
    from django.db import connection
    from django.utils import timezone

    from torget.places.actions import apply_area_import, plan_area_import

    vendor = connection.vendor
    started = time.perf_counter()
    print(f"pages[{vendor}]: importing 357 municipalities with their bodies …", flush=True)
    apply_area_import(plan_area_import(municipality_features(), kind="kommune"), create_bodies=True)
    print(f"pages[{vendor}]: placing {count:,} reports …", flush=True)
    generator = Generator(rng, timezone.now())
    site = generator.insert(count)
    site.insert_s = time.perf_counter() - started
    site.facts = facts(site)
    print(
        f"pages[{vendor}]: {site.reports:,} reports, {site.updates:,} updates, "
        f"{site.photos:,} photos, {site.supports:,} supports in {site.insert_s:.1f} s",
        flush=True,
    )
    return site


class Generator:
    """Citizens, categories and reports with their links, updates, photos and supports."""

    def __init__(self, rng: np.random.Generator, now: datetime.datetime) -> None:
        from torget.places.models import Body

        self.rng = rng
        self.now = now
        self.body_of_area = dict(Body.areas.through.objects.values_list("area_id", "body_id"))
        self.categories = create_categories()
        self.citizens, self.staff = create_people()

    def insert(self, count: int) -> Site:
        from torget.places.models import Body
        from torget.reports.models import Photo, Report, Support, Update

        town = Body.objects.get(areas__code=TOWN_CODE)
        reports = self.reports(count)
        public = np.flatnonzero(reports.states != "unconfirmed")
        detail = int(np.flatnonzero((reports.bodies == town.pk) & (reports.states == "fixed"))[0])
        updates = self.updates(reports, public, detail, town.pk)
        photos = self.photos(reports, public, detail, updates)
        supports = self.supports(public, detail)
        insert_rows(Report, ("id", *COLUMNS), reports.rows(self.rng))
        insert_rows(Report.areas.through, ("report_id", "area_id"), reports.area_links())
        insert_rows(Report.bodies.through, ("report_id", "body_id"), reports.body_links())
        insert_rows(Update, UPDATE_COLUMNS, updates)
        insert_rows(Photo, PHOTO_COLUMNS, photos)
        insert_rows(Support, ("report_id", "user_id", "created"), supports)
        reset_sequences([Report, Update])
        return Site(
            reports=count,
            updates=len(updates),
            photos=len(photos),
            supports=len(supports),
            detail_id=detail + 1,
            detail_updates=sum(1 for row in updates if row[1] == detail + 1),
            town_slug=town.slug,
        )

    def reports(self, count: int) -> "Reports":
        from torget.places.lookup import area_index

        lats, lons = points_where_people_live(self.rng, count)
        areas = area_index().area_ids_at_many(lats, lons)
        # Every point was drawn inside a municipality, but simplified borders can overlap.
        bodies = np.array([self.body_of_area[ids[0]] for ids in areas])
        # Oldest first, so that ids follow the order reports were made, as on a real site.
        ages = np.sort(self.rng.uniform(0, TWO_YEARS.total_seconds(), count))[::-1]
        states = self.rng.choice(list(STATE_SHARES), size=count, p=list(STATE_SHARES.values()))
        categories = [self.rng.choice(self.categories[body]) for body in bodies.tolist()]
        return Reports(
            now=self.now,
            lats=lats,
            lons=lons,
            areas=areas,
            bodies=bodies,
            created=[self.now - datetime.timedelta(seconds=age) for age in ages.tolist()],
            states=states,
            categories=[int(c) for c in categories],
            reporters=self.rng.choice(self.citizens, size=count).tolist(),
        )

    def updates(
        self, reports: "Reports", public: np.ndarray, detail: int, town_body: int
    ) -> list[tuple[Any, ...]]:
        """Comments by citizens and answers by staff on public reports, plus the detail
        report's own history, numbered in the order they were written."""
        picks = self.rng.choice(public, size=int(len(reports.states) * UPDATES_PER_REPORT))
        rows = [self.update(reports, int(index)) for index in picks.tolist()]
        _, acknowledged, fixed, _ = lifecycle("fixed", reports.created[detail], self.now)
        assert acknowledged is not None and fixed is not None
        commented = acknowledged + (fixed - acknowledged) / 2
        rows += [
            (detail + 1, self.staff, town_body, ANSWERS[0], "acknowledged", False, False,
             acknowledged),
            (detail + 1, self.citizens[0], None, COMMENTS[1], "", True, False, commented),
            (detail + 1, self.staff, town_body, ANSWERS[1], "fixed", False, False, fixed),
        ]  # fmt: skip
        rows.sort(key=lambda row: row[-1])
        return [(n, *row) for n, row in enumerate(rows, start=1)]

    def update(self, reports: "Reports", index: int) -> tuple[Any, ...]:
        start = lifecycle("open", reports.created[index], self.now)[0]
        assert start is not None
        written = start + (self.now - start) * float(self.rng.uniform())
        if self.rng.uniform() < STAFF_ANSWER_SHARE:
            body = int(reports.bodies[index])
            return (index + 1, self.staff, body, ANSWERS[0], "", False, False, written)
        citizen = int(self.rng.choice(self.citizens))
        show_name = bool(self.rng.uniform() < SHOW_NAME_SHARE)
        text = str(self.rng.choice(COMMENTS))
        return (index + 1, citizen, None, text, "", show_name, False, written)

    def photos(
        self,
        reports: "Reports",
        public: np.ndarray,
        detail: int,
        updates: list[tuple[Any, ...]],
    ) -> list[tuple[Any, ...]]:
        """One photo of its own for a share of public reports; the detail report has one, and
        a citizen's comment on it has another."""
        chosen = set(self.rng.choice(public, size=int(len(public) * PHOTO_SHARE)).tolist())
        chosen.add(detail)
        rows = [photo_row(index + 1, None, reports.created[index]) for index in sorted(chosen)]
        comment = next(row for row in updates if row[1] == detail + 1 and row[3] is None)
        rows.append(photo_row(detail + 1, comment[0], comment[-1]))
        return rows

    def supports(self, public: np.ndarray, detail: int) -> list[tuple[Any, ...]]:
        size = int(len(public) * SUPPORTS_PER_REPORT)
        pairs = set(
            zip(
                (self.rng.choice(public, size=size) + 1).tolist(),
                self.rng.choice(self.citizens, size=size).tolist(),
                strict=True,
            )
        )
        pairs |= {(detail + 1, citizen) for citizen in self.citizens[1:4]}
        return [(report, user, self.now) for report, user in sorted(pairs)]


@dataclass
class Reports:
    """Generated reports, numbered from 1 in the order of the lists."""

    now: datetime.datetime
    lats: np.ndarray
    lons: np.ndarray
    areas: list[list[int]]
    bodies: np.ndarray
    created: list[datetime.datetime]
    states: np.ndarray
    categories: list[int]
    reporters: list[int]

    def rows(self, rng: np.random.Generator) -> Iterator[tuple[Any, ...]]:
        titles = rng.choice(TITLES, size=len(self.created)).tolist()
        show_names = (rng.uniform(size=len(self.created)) < SHOW_NAME_SHARE).tolist()
        for n, (lat, lon, created, state, category, reporter, title, show_name) in enumerate(
            zip(
                self.lats.tolist(), self.lons.tolist(), self.created, self.states.tolist(),
                self.categories, self.reporters, titles, show_names, strict=True,
            ),
            start=1,
        ):  # fmt: skip
            confirmed, acknowledged, fixed, closed = lifecycle(state, created, self.now)
            updated = max(t for t in (created, confirmed, acknowledged, fixed, closed) if t)
            yield (
                n, lat, lon, "", title, "", show_name, state, False,
                created, confirmed, acknowledged, fixed, closed, acknowledged, updated,
                None, "", category, reporter, None, "", "", 0, "{}",
            )  # fmt: skip

    def area_links(self) -> Iterator[tuple[int, int]]:
        for n, ids in enumerate(self.areas, start=1):
            for area_id in ids:
                yield n, area_id

    def body_links(self) -> Iterator[tuple[int, int]]:
        return enumerate(self.bodies.tolist(), start=1)


UPDATE_COLUMNS = (
    "id", "report_id", "author_id", "body_id", "text", "new_state", "show_name", "hidden",
    "created",
)  # fmt: skip
PHOTO_COLUMNS = (
    "report_id", "update_id", "image", "medium", "thumbnail", "position", "created",
)  # fmt: skip


def photo_row(report_id: int, update_id: int | None, created: datetime.datetime) -> tuple[Any, ...]:
    # Only the names: no page reads the files.
    name = f"photos/{created:%Y/%m}/{report_id}-{update_id or 0}"
    return (
        report_id, update_id, f"{name}.jpg", f"{name}-medium.jpg", f"{name}-thumb.jpg", 0, created,
    )  # fmt: skip


def create_categories() -> dict[int, list[int]]:
    """A few categories for every body: body id -> category ids."""
    from torget.places.models import Body
    from torget.reports.models import Category

    categories = Category.objects.bulk_create(
        Category(body_id=body, slug=slug, name_nb=nb, name_nn=nn, name_en=en)
        for body in Body.objects.values_list("pk", flat=True)
        for slug, nb, nn, en in CATEGORIES
    )
    by_body: dict[int, list[int]] = {}
    for category in categories:
        by_body.setdefault(category.body_id, []).append(category.pk)
    return by_body


def create_people() -> tuple[list[int], int]:
    """(the citizens' ids, a staff member's id)."""
    from django.contrib.auth.hashers import make_password

    from torget.accounts.models import User

    unusable = make_password(None)
    people = User.objects.bulk_create(
        User(email=f"citizen{n}@bench.example", name=f"Innbygger {n}", password=unusable)
        for n in range(CITIZENS + 1)
    )
    return [user.pk for user in people[1:]], people[0].pk


def insert_rows(model: Any, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows straight into the model's table: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection, transaction

    fields = {f.column: f for f in model._meta.concrete_fields}
    assert set(columns) <= set(fields), set(columns) - set(fields)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        slots = [
            i
            for i, column in enumerate(columns)
            if fields[column].get_internal_type() == "DateTimeField"
        ]
        adapt = connection.ops.adapt_datetimefield_value

        def adapted(row: tuple[Any, ...]) -> tuple[Any, ...]:
            values = list(row)
            for slot in slots:
                values[slot] = adapt(values[slot])
            return tuple(values)

        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders})", [adapted(r) for r in rows]
        )


def reset_sequences(models: list[Any]) -> None:
    """After rows were inserted with their ids, the next id must come after them."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def facts(site: Site) -> dict[str, int]:
    """What the measured pages show, so their times can be read against their size."""
    from torget.reports.models import OPEN_STATES, Report
    from torget.reports.views.browse import AROUND_METRES

    public = Report.objects.public()
    around = public.near(TOWN_LAT, TOWN_LON, AROUND_METRES)
    in_box = public.filter(
        lat__range=(TOWN_LAT - BBOX_HALF_LAT, TOWN_LAT + BBOX_HALF_LAT),
        lon__range=(TOWN_LON - BBOX_HALF_LON, TOWN_LON + BBOX_HALF_LON),
    )
    return {
        "public": public.count(),
        "around": around.count(),
        "around_open": around.filter(state__in=OPEN_STATES).count(),
        "in_box": in_box.count(),
        "body": public.filter(bodies__slug=site.town_slug).count(),
    }


# Measuring


CASES = ("cold", "warm")
Times = dict[str, dict[str, list[float]]]


def measure(client: Any, pages: list[Page], rounds: int) -> Times:
    """{url: {"cold": [ms, …], "warm": [ms, …]}} over `rounds` rounds.

    A round asks every page in turn, twice: right after cache.clear() (cold) and again at
    once (warm). Interleaving the pages and the two cases spreads any slow moment of the
    machine over all of them. One untimed round first fills the connection, the templates,
    the translations and the area index.
    """
    from django.core.cache import cache
    from django.db import connection

    for page in pages:
        cache.clear()
        timed_get(client, page.url)
        timed_get(client, page.url)
    gc.collect()
    times: Times = {page.url: {case: [] for case in CASES} for page in pages}
    label = f"pages[{connection.vendor}]: requesting"
    with tqdm(total=rounds * len(pages), desc=label, unit=" pages", leave=False) as bar:
        for _ in range(rounds):
            for page in pages:
                cache.clear()
                times[page.url]["cold"].append(timed_get(client, page.url))
                times[page.url]["warm"].append(timed_get(client, page.url))
                bar.update()
    return times


def timed_get(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=LANGUAGE)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return elapsed


def summarise(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        case: {"median_ms": median(values), "p95_ms": p95(values)} for case, values in times.items()
    }


def page_result(page: Page, times: Times, queries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    figures = summarise(times[page.url])
    minimal = summarise(times[MINIMAL.url])
    return {
        "name": page.name,
        "url": page.url,
        **figures,
        # How many minimal views one page costs.
        "ratio": {
            case: figures[case]["median_ms"] / minimal[case]["median_ms"] for case in figures
        },
        **queries[page.url],
    }


@dataclass(frozen=True)
class Query:
    ms: float
    sql: str
    params: Any


class QueryLog:
    """Every query run inside `connection.execute_wrapper(log)`, timed to the microsecond
    (CaptureQueriesContext rounds to whole milliseconds)."""

    def __init__(self) -> None:
        self.queries: list[Query] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(Query((time.perf_counter() - started) * 1000, sql, params))

    @property
    def ms(self) -> float:
        return sum(query.ms for query in self.queries)


def count_queries(client: Any, url: str) -> tuple[dict[str, Any], QueryLog]:
    """How many queries the page runs cold and warm and how long they take; and the cold
    request's queries."""
    from django.core.cache import cache
    from django.db import connection

    cache.clear()
    logs = {case: QueryLog() for case in CASES}
    for case in CASES:
        with connection.execute_wrapper(logs[case]):
            timed_get(client, url)
    figures = {
        "queries": {case: len(log.queries) for case, log in logs.items()},
        "sql_ms": {case: log.ms for case, log in logs.items()},
        "slowest_sql_ms": max(query.ms for query in logs["cold"].queries),
    }
    return figures, logs["cold"]


def report_list_query(log: QueryLog) -> Query:
    """The query that fetches a page of reports: the one that reads the reports in order."""
    return next(
        query
        for query in log.queries
        if table_of(query) == "reports_report" and "ORDER BY" in query.sql
    )


def table_of(query: Query) -> str:
    match = re.search(r'\bFROM "(\w+)"', query.sql)
    return match.group(1) if match else "?"


def explain(query: Query) -> str:
    """The database's plan for `query`; on PostgreSQL with actual times."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query.sql}", query.params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {query.sql}", query.params)
        return "\n".join(" ".join(str(value) for value in row) for row in cursor.fetchall())


def was_autoanalyzed() -> bool | None:
    """Whether PostgreSQL's autovacuum analysed the reports by itself before the explicit
    ANALYZE; None on SQLite, which never does."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_autoanalyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname = 'reports_report'"
        )
        return bool(cursor.fetchone()[0])


def print_result(result: dict[str, Any]) -> None:
    vendor = result["vendor"]
    minimal = result["minimal"]
    print(
        f"pages[{vendor}] {result['reports']:,} reports, load average {result['load_before']:.1f}"
        f" → {result['load_after']:.1f}: minimal view median {minimal['cold']['median_ms']:.2f}"
        f" ms cold, {minimal['warm']['median_ms']:.2f} ms warm",
        flush=True,
    )
    for page in result["pages"]:
        print(f"pages[{vendor}]   {page['name']:<34}", end="")
        for case in CASES:
            figures = page[case]
            print(
                f" | {case} median {figures['median_ms']:6.2f} ms p95 {figures['p95_ms']:6.2f} ms"
                f" ({page['ratio'][case]:3.0f}x; {page['queries'][case]} queries,"
                f" {page['sql_ms'][case]:5.1f} ms SQL)",
                end="",
            )
        print(flush=True)
    for page in result["before_analyze"]:
        print(
            f"pages[{vendor}]   before ANALYZE: {page['name']:<34} warm median "
            f"{page['warm']['median_ms']:6.2f} ms p95 {page['warm']['p95_ms']:6.2f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
