"""Reports near a point: `Report.objects.near(lat, lon, 500)`, first page of 20.

The same reports table grows 10k → 100k → 1M (10k → 100k with --quick) and is measured after
each step. Reports fall where people live (see bench/data.py) and were created over the last
two years. They are inserted in bulk on a raw cursor (executemany on SQLite, COPY on
PostgreSQL).

The baseline is the same exact-distance circle query without the lat/lon range filter, so no
index can narrow it: a full table scan that works out the distance of every report. It is slow
at 1M reports, so it runs on the first BASELINE_POINTS query points only, once each after a
warm-up, and must return the same first page as near() there.

    python -m bench.near --database-url URL [--json-out FILE] [--quick]
"""

import argparse
import datetime
import gc
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.data import points_where_people_live
from bench.environment import is_postgres_url, recreate_postgres_database, setup_django
from bench.stats import median, p95, ratio, times

SEED = 20250101
SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
QUERY_POINTS = 300
PASSES = 5
BASELINE_POINTS = 15
RADIUS_M = 500
PAGE = 20
TWO_YEARS = datetime.timedelta(days=730)
CHUNK = 50_000
TARGET_MS = 10.0
TARGET_GROWTH = 2.0

TITLES = (
    "Hull i veien",
    "Gatelyset virker ikke",
    "Søppel ved bussholdeplassen",
    "Tett sluk",
    "Grafitti på muren",
    "Skilt har falt ned",
    "Glatt fortau",
    "Ødelagt benk i parken",
)
# A plausible mix after two years of use: most reports answered, some still open.
STATE_SHARES = {
    "unconfirmed": 0.04,
    "open": 0.16,
    "acknowledged": 0.05,
    "investigating": 0.03,
    "planned": 0.03,
    "in_progress": 0.04,
    "fixed": 0.45,
    "not_responsible": 0.05,
    "duplicate": 0.04,
    "no_further_action": 0.03,
    "closed": 0.08,
}
COLUMNS = (
    "lat", "lon", "address", "title", "detail", "show_name", "state", "hidden",
    "created", "confirmed", "acknowledged", "fixed", "closed", "answered", "updated",
    "takedown_requested", "takedown_reason", "category_id", "reporter_id", "duplicate_of_id",
    "reporter_name", "reporter_phone", "supporters", "answers",
)  # fmt: skip
DATETIME_COLUMNS = (
    "created", "confirmed", "acknowledged", "fixed", "closed", "answered", "updated",
    "takedown_requested",
)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.near", description=__doc__)
    parser.add_argument(
        "--database-url",
        required=True,
        help="sqlite:////abs/path or postgres://…/name_with_bench (recreated)",
    )
    parser.add_argument("--json-out", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--quick", action="store_true", help="stop at 100k reports")
    args = parser.parse_args(argv)
    if is_postgres_url(args.database_url):
        recreate_postgres_database(args.database_url)
    setup_django(args.database_url)
    result = run(QUICK_SIZES if args.quick else SIZES)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


def run(sizes: tuple[int, ...]) -> dict[str, Any]:
    from django.db import connection

    vendor = connection.vendor
    rng = np.random.default_rng(SEED)
    generator = ReportGenerator(rng, now=datetime.datetime.now(datetime.UTC))
    steps = []
    query_points: list[tuple[float, float]] = []
    inserted = 0
    for size in sizes:
        insert_seconds = generator.insert(size - inserted)
        inserted = size
        analyze()
        if not query_points:
            # Drawn from the first reports, so every step asks about the same places.
            query_points = generator.sample_locations(QUERY_POINTS)
        step = measure(query_points, size)
        step["insert_s"] = insert_seconds
        steps.append(step)
        print_step(vendor, step)
    result: dict[str, Any] = {
        "vendor": vendor,
        "database_version": database_version(),
        "radius_m": RADIUS_M,
        "page": PAGE,
        "query_points": QUERY_POINTS,
        "passes": PASSES,
        "baseline_points": BASELINE_POINTS,
        "steps": steps,
        "growth": steps[-1]["near"]["median_ms"] / steps[0]["near"]["median_ms"],
        "target_ms": TARGET_MS,
        "target_growth": TARGET_GROWTH,
        "plan": query_plan(near_queryset(*query_points[0])),
        "baseline_plan": query_plan(full_scan(*query_points[0], RADIUS_M)),
    }
    print(
        f"near[{vendor}]: growth {steps[0]['reports']:,} → {steps[-1]['reports']:,}: "
        f"{result['growth']:.2f}x",
        flush=True,
    )
    return result


class ReportGenerator:
    """Reports by one citizen in one category, inserted straight into the table."""

    def __init__(self, rng: np.random.Generator, now: datetime.datetime) -> None:
        from torget.accounts.models import User
        from torget.places.models import Body, BodyKind
        from torget.reports.models import Category

        self.rng = rng
        self.now = now
        body = Body.objects.create(
            name="Benchmark kommune", slug="benchmark", kind=BodyKind.KOMMUNE
        )
        self.category_id = Category.objects.create(
            body=body, slug="veg", name_nb="Veg", name_nn="Veg", name_en="Roads"
        ).pk
        self.reporter_id = User.objects.create_user("citizen@bench.example").pk
        self.first_lats = np.empty(0)
        self.first_lons = np.empty(0)

    def insert(self, count: int) -> float:
        from django.db import connection

        print(f"near[{connection.vendor}]: placing {count:,} reports …", flush=True)
        lats, lons = points_where_people_live(self.rng, count)
        if not len(self.first_lats):
            self.first_lats, self.first_lons = lats, lons
        rows = self.rows(lats, lons)
        started = time.perf_counter()
        with tqdm(total=count, desc=f"near[{connection.vendor}]: inserting", unit=" rows") as bar:
            if connection.vendor == "postgresql":
                copy_rows(rows, bar.update)
            else:
                executemany_rows(rows, bar.update)
        return time.perf_counter() - started

    def sample_locations(self, count: int) -> list[tuple[float, float]]:
        picks = self.rng.choice(len(self.first_lats), size=count, replace=False)
        return [(float(self.first_lats[i]), float(self.first_lons[i])) for i in picks]

    def rows(self, lats: np.ndarray, lons: np.ndarray) -> Iterator[tuple[Any, ...]]:
        count = len(lats)
        ages = self.rng.uniform(0, TWO_YEARS.total_seconds(), count).tolist()
        states = self.rng.choice(
            list(STATE_SHARES), size=count, p=list(STATE_SHARES.values())
        ).tolist()
        titles = self.rng.choice(TITLES, size=count).tolist()
        for lat, lon, age, state, title in zip(
            lats.tolist(), lons.tolist(), ages, states, titles, strict=True
        ):
            created = self.now - datetime.timedelta(seconds=age)
            confirmed, acknowledged, fixed, closed = lifecycle(state, created, self.now)
            updated = max(t for t in (created, confirmed, acknowledged, fixed, closed) if t)
            # The body's first answer is the move that acknowledged the report.
            answered = acknowledged
            yield (
                lat, lon, "", title, "", False, state, False,
                created, confirmed, acknowledged, fixed, closed, answered, updated,
                None, "", self.category_id, self.reporter_id, None, "", "", 0, "{}",
            )  # fmt: skip


def lifecycle(
    state: str, created: datetime.datetime, now: datetime.datetime
) -> tuple[datetime.datetime | None, ...]:
    """(confirmed, acknowledged, fixed, closed) for a report that reached `state`."""
    if state == "unconfirmed":
        return None, None, None, None
    confirmed = min(created + datetime.timedelta(minutes=10), now)
    answered = min(created + datetime.timedelta(days=3), now)
    done = min(created + datetime.timedelta(days=14), now)
    acknowledged = answered if state != "open" else None
    fixed = done if state == "fixed" else None
    closed = (
        done if state in ("not_responsible", "duplicate", "no_further_action", "closed") else None
    )
    return confirmed, acknowledged, fixed, closed


def table_and_columns() -> tuple[str, str]:
    from django.db import connection

    from torget.reports.models import Report

    # Fails loudly when the model gains or loses a column, instead of inserting wrong rows.
    model_columns = {f.column for f in Report._meta.concrete_fields if not f.primary_key}
    assert model_columns == set(COLUMNS), model_columns ^ set(COLUMNS)
    quote = connection.ops.quote_name
    return quote(Report._meta.db_table), ", ".join(quote(c) for c in COLUMNS)


def executemany_rows(rows: Iterator[tuple[Any, ...]], progress: Callable[[int], object]) -> None:
    """SQLite: one transaction, executemany on the raw sqlite3 cursor in chunks."""
    from django.db import connection, transaction

    table, columns = table_and_columns()
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(COLUMNS))})"
    adapt = connection.ops.adapt_datetimefield_value
    datetime_slots = [COLUMNS.index(c) for c in DATETIME_COLUMNS]

    def adapted(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for slot in datetime_slots:
            values[slot] = adapt(values[slot])
        return tuple(values)

    with transaction.atomic():
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        for chunk in chunked(map(adapted, rows), CHUNK):
            cursor.executemany(sql, chunk)
            progress(len(chunk))
        cursor.close()


def copy_rows(rows: Iterator[tuple[Any, ...]], progress: Callable[[int], object]) -> None:
    """PostgreSQL: COPY … FROM STDIN through psycopg."""
    from django.db import connection, transaction

    table, columns = table_and_columns()
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for chunk in chunked(rows, CHUNK):
            for row in chunk:
                copy.write_row(row)
            progress(len(chunk))


def chunked(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def near_queryset(lat: float, lon: float) -> Any:
    from torget.reports.models import Report

    return Report.objects.near(lat, lon, RADIUS_M)


def near_page(lat: float, lon: float) -> list[Any]:
    return list(near_queryset(lat, lon)[:PAGE])


def near_sql(lat: float, lon: float) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters of near()'s first page: what Django builds before the database
    is asked anything."""
    sql, params = near_queryset(lat, lon)[:PAGE].query.sql_with_params()
    return sql, tuple(params)


def run_sql(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The database alone: already-built SQL on a cursor, rows fetched as plain tuples."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def full_scan(lat: float, lon: float, metres: float) -> Any:
    """near() without the lat/lon range filter: the exact distance of every report.

    No index can serve a filter on the computed distance, so the database reads the whole
    table: what near() would cost without the (lat, lon) index. Written out by hand to mirror
    ReportQuerySet.near(); measure() checks that both return the same page, so a change to
    near() that this copy misses shows up as a failure.
    """
    from django.db.models import ExpressionWrapper, F, FloatField
    from django.db.models.functions import Sqrt

    from torget.lib import geo
    from torget.reports.models import Report

    ky, kx = geo.metres_per_degree(lat)
    north_m = (F("lat") - lat) * ky
    east_m = (F("lon") - lon) * kx
    distance_sq = ExpressionWrapper(north_m * north_m + east_m * east_m, output_field=FloatField())
    return (
        Report.objects.alias(distance_sq=distance_sq)
        .filter(distance_sq__lte=float(metres) ** 2)
        .annotate(distance=Sqrt(distance_sq))
        .order_by("-created", "-id")
    )


def baseline_page(lat: float, lon: float) -> list[Any]:
    return list(full_scan(lat, lon, RADIUS_M)[:PAGE])


def timed(
    query: Callable[[float, float], list[Any]], lat: float, lon: float
) -> tuple[float, list[int]]:
    started = time.perf_counter()
    page = query(lat, lon)
    return (time.perf_counter() - started) * 1000, [report.pk for report in page]


def stopwatch(work: Callable[..., object], *args: Any) -> float:
    started = time.perf_counter()
    work(*args)
    return (time.perf_counter() - started) * 1000


def measure(points: list[tuple[float, float]], size: int) -> dict[str, Any]:
    """near() for every point PASSES times, then the full-scan baseline for the first few.

    Each point keeps its best near() time over the passes, and the median and p95 are taken
    over the points. A hiccup elsewhere on the machine then does not count, while the spread
    between quiet villages and busy city centres, which is what p95 should show, does.
    The same passes time the two halves of near(): Django building the SQL, and the database
    running that SQL with the rows fetched as plain tuples.

    The baseline reads the whole table on every query, so it runs on the first
    BASELINE_POINTS points only: one untimed pass, then one timed pass. Its speed-up is
    taken against near()'s median over those same points.
    """
    from django.db import connection

    # One untimed pass warms the caches and the connection.
    for lat, lon in points:
        near_page(lat, lon)
    compiled = [near_sql(lat, lon) for lat, lon in points]
    # The insert leaves garbage behind; collecting it now keeps it out of the timings.
    gc.collect()
    near_ms = [float("inf")] * len(points)
    build_ms = [float("inf")] * len(points)
    sql_ms = [float("inf")] * len(points)
    pages: list[list[int]] = []
    label = f"near[{connection.vendor}] {size:,}: querying"
    with tqdm(total=PASSES * len(points), desc=label, unit=" points", leave=False) as bar:
        for n in range(PASSES):
            for i, (lat, lon) in enumerate(points):
                near_time, near_ids = timed(near_page, lat, lon)
                build_time = stopwatch(near_sql, lat, lon)
                sql_time = stopwatch(run_sql, *compiled[i])
                near_ms[i] = min(near_ms[i], near_time)
                build_ms[i] = min(build_ms[i], build_time)
                sql_ms[i] = min(sql_ms[i], sql_time)
                if n == 0:
                    pages.append(near_ids)
                else:
                    assert near_ids == pages[i], f"near() changed its answer at {lat}, {lon}"
                bar.update()

    subset = points[:BASELINE_POINTS]
    gc.collect()
    for lat, lon in tqdm(subset, desc=f"{label} baseline (warm-up)", leave=False):
        baseline_page(lat, lon)
    base_ms = []
    for i, (lat, lon) in enumerate(tqdm(subset, desc=f"{label} baseline", leave=False)):
        base_time, base_ids = timed(baseline_page, lat, lon)
        assert base_ids == pages[i], f"near() and the baseline differ at {lat}, {lon}"
        base_ms.append(base_time)
    near_subset_median = median(near_ms[: len(subset)])

    matches = [near_queryset(lat, lon).count() for lat, lon in points]
    return {
        "reports": size,
        "near": {"median_ms": median(near_ms), "p95_ms": p95(near_ms)},
        "build_median_ms": median(build_ms),
        "sql_median_ms": median(sql_ms),
        "baseline": {
            "points": len(subset),
            "median_ms": median(base_ms),
            "near_median_ms": near_subset_median,
        },
        "ratio": ratio(median(base_ms), near_subset_median),
        "rows_avg": sum(len(page) for page in pages) / len(pages),
        "matches_avg": sum(matches) / len(matches),
    }


def query_plan(queryset: Any) -> str:
    """The plan for the first page of `queryset`; on PostgreSQL with actual times."""
    from django.db import connection

    page = queryset[:PAGE]
    if connection.vendor == "postgresql":
        return page.explain(analyze=True, buffers=True)
    return page.explain()


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0])


def print_step(vendor: str, step: dict[str, Any]) -> None:
    near, base = step["near"], step["baseline"]
    print(
        f"near[{vendor}] {step['reports']:>9,} reports: near() median {near['median_ms']:.2f} ms "
        f"p95 {near['p95_ms']:.2f} ms (building the SQL {step['build_median_ms']:.2f} ms, "
        f"running it {step['sql_median_ms']:.2f} ms) | full scan median {base['median_ms']:.2f} "
        f"ms over {base['points']} points, near() {base['near_median_ms']:.2f} ms there: "
        f"{times(step['ratio'])} | {step['rows_avg']:.1f} rows per page, "
        f"{step['matches_avg']:.0f} in the circle | inserted in {step['insert_s']:.1f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
