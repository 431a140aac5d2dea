"""Open311: the server's time for GET requests.json (1000 records), requests/{id}.json and
services.json, with 1M reports (100k with --quick).

The site is bench/pages.py's: Norway's 357 municipalities with their bodies and four
categories each, reports spread by population over two years with their area and body links,
updates (a third of them bodies' answers) and photos. Generating a million reports takes
minutes, so the data is made once per database and reused when the database already holds
that many reports: a PostgreSQL database is created if missing and never dropped (pass
--fresh to start again); a SQLite file is kept where --database-url says.

Requests go through Django's test Client: middleware, routing, the view, its queries and the
rendering, but no network. Each is compared with its bare database query, run as already-built
SQL on a cursor with the rows fetched as tuples: what the view could not do faster without
skipping the work of turning rows into records.

    python -m bench.open311 --database-url URL [--json-out FILE] [--quick] [--fresh]
"""

import argparse
import datetime
import functools
import gc
import json
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.environment import (
    database_name,
    is_postgres_url,
    maintenance_url,
    recreate_postgres_database,
    setup_django,
)
from bench.stats import median, p95, ratio, times

SEED = 20251128
REPORTS = 1_000_000
QUICK_REPORTS = 100_000
ROUNDS = 30
SINGLE_IDS = 200
TARGETS_MS = {"requests": 150.0, "request": 10.0, "services": 5.0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.open311", description=__doc__)
    parser.add_argument(
        "--database-url",
        required=True,
        help="sqlite:////abs/path (kept) or postgres://…/name_with_bench (created if missing)",
    )
    parser.add_argument("--json-out", "--json", type=Path, help="write the figures here")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_REPORTS:,} reports")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the data")
    args = parser.parse_args(argv)
    if is_postgres_url(args.database_url):
        if args.fresh:
            recreate_postgres_database(args.database_url)
        else:
            ensure_postgres_database(args.database_url)
    elif args.fresh:
        path = Path(args.database_url.removeprefix("sqlite:").lstrip("/"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"/{path}{suffix}").unlink(missing_ok=True)
    setup_django(args.database_url)
    result = run(QUICK_REPORTS if args.quick else REPORTS)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


def ensure_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = database_name(url)
    if "bench" not in name:
        raise SystemExit(f"Refusing to use {name!r}: a benchmark database's name has 'bench'.")
    with psycopg.connect(maintenance_url(url), autocommit=True, connect_timeout=5) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def run(count: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from bench.near import analyze, database_version

    built_s = ensure_site(count)
    analyze()
    warnings.filterwarnings("ignore", message="No directory at")
    load = os.getloadavg()[0]
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], OPEN311_GETS_PER_MINUTE=0
    ):
        measured = measure_all(Client())
    result = {
        "vendor": connection.vendor,
        "database_version": database_version(),
        "reports": count,
        "built_s": built_s,
        "rounds": ROUNDS,
        "targets_ms": TARGETS_MS,
        # Other work on the machine shows in the times; this says how much there was.
        "load_before": load,
        "load_after": os.getloadavg()[0],
        **measured,
    }
    print_result(result)
    return result


def ensure_site(count: int) -> float | None:
    """Seconds spent building the site, or None when the database already held it."""
    from django.db import connection

    from bench.pages import build_site
    from torget.reports.models import Report

    existing = Report.objects.count()
    if existing >= count:
        print(f"open311[{connection.vendor}]: reusing {existing:,} reports", flush=True)
        return None
    if existing:
        raise SystemExit(
            f"The database holds {existing:,} reports, not {count:,}: pass --fresh to rebuild."
        )
    started = time.perf_counter()
    build_site(np.random.default_rng(SEED), count)
    return time.perf_counter() - started


# What is measured, and its bare query


def requests_url(fmt: str, extra: str = "") -> str:
    return f"/open311/v2/requests.{fmt}{extra}"


def list_sql() -> tuple[str, tuple[Any, ...]]:
    """The default list's rows: public reports of the last 90 days, newest 1000."""
    from django.utils import timezone

    from torget.reports.models import Report

    since = timezone.now() - datetime.timedelta(days=90)
    queryset = Report.objects.public().filter(created__gte=since).order_by("-created", "-id")
    sql, params = queryset[:1000].query.sql_with_params()
    return sql, tuple(params)


def one_sql(report_id: int) -> tuple[str, tuple[Any, ...]]:
    from torget.reports.models import Report

    sql, params = Report.objects.public().filter(pk=report_id).query.sql_with_params()
    return sql, tuple(params)


def services_sql() -> tuple[str, tuple[Any, ...]]:
    from torget.open311.records import categories_for

    sql, params = categories_for(None).query.sql_with_params()
    return sql, tuple(params)


def run_sql(sql: str, params: tuple[Any, ...]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def get(client: Any, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response


def measure_all(client: Any) -> dict[str, Any]:
    from django.core.cache import cache

    from torget.reports.models import Report

    rng = np.random.default_rng(SEED)
    public_ids = list(Report.objects.public().values_list("pk", flat=True)[:50_000])
    ids = [int(i) for i in rng.choice(public_ids, size=SINGLE_IDS, replace=False)]
    records = len(json.loads(get(client, requests_url("json")).content))
    services = len(json.loads(get(client, "/open311/v2/services.json").content))
    cases: list[dict[str, Any]] = []

    def case(
        name: str, key: str, view: Callable[[int], object], bare: Callable[[int], object], n: int
    ) -> None:
        for i in range(min(n, 3)):  # warm-up
            view(i)
            bare(i)
        gc.collect()
        # Side by side, taking turns at going first: whichever reads a row first pays for
        # bringing its page into memory.
        view_ms, bare_ms = [], []
        for i in range(n):
            pair = (functools.partial(view, i), functools.partial(bare, i))
            first, second = pair if i % 2 else pair[::-1]
            first_ms, second_ms = timed(first), timed(second)
            view_ms.append(first_ms if i % 2 else second_ms)
            bare_ms.append(second_ms if i % 2 else first_ms)
        entry = {
            "name": name,
            "key": key,
            "median_ms": median(view_ms),
            "p95_ms": p95(view_ms),
            "bare_median_ms": median(bare_ms),
            "ratio": median(view_ms) / median(bare_ms),
            "target_ms": TARGETS_MS.get(key),
        }
        cases.append(entry)
        print(
            f"  {name}: median {entry['median_ms']:.1f} ms, p95 {entry['p95_ms']:.1f} ms; "
            f"bare query {entry['bare_median_ms']:.2f} ms ({entry['ratio']:.1f}x)",
            flush=True,
        )

    listed = list_sql()
    case(
        "GET requests.json (1000 records)",
        "requests",
        lambda i: get(client, requests_url("json")),
        lambda i: run_sql(*listed),
        ROUNDS,
    )
    case(
        "GET requests.xml (1000 records)",
        "requests_xml",
        lambda i: get(client, requests_url("xml")),
        lambda i: run_sql(*listed),
        ROUNDS,
    )
    case(
        "GET requests.json?extensions=true (1000 records)",
        "requests_extensions",
        lambda i: get(client, requests_url("json", "?extensions=true")),
        lambda i: run_sql(*listed),
        ROUNDS,
    )
    singles = [one_sql(report_id) for report_id in ids]
    case(
        "GET requests/{id}.json",
        "request",
        lambda i: get(client, f"/open311/v2/requests/{ids[i]}.json"),
        lambda i: run_sql(*singles[i]),
        SINGLE_IDS,
    )
    listed_services = services_sql()
    case(
        "GET services.json (cached)",
        "services",
        lambda i: get(client, "/open311/v2/services.json"),
        lambda i: run_sql(*listed_services),
        ROUNDS * 5,
    )

    def cold_services(i: int) -> object:
        cache.clear()
        return get(client, "/open311/v2/services.json")

    case(
        "GET services.json (cache just cleared)",
        "services_cold",
        cold_services,
        lambda i: run_sql(*listed_services),
        ROUNDS,
    )
    return {"records": records, "services": services, "cases": cases}


def print_result(result: dict[str, Any]) -> None:
    print(
        f"open311[{result['vendor']}] {result['reports']:,} reports, "
        f"{result['records']} records per list, {result['services']} services:",
        flush=True,
    )
    for entry in result["cases"]:
        target = f" (target ≤ {entry['target_ms']:.0f} ms)" if entry["target_ms"] else ""
        print(
            f"  {entry['name']}: {entry['median_ms']:.1f} ms{target}, "
            f"{times(ratio(entry['median_ms'], entry['bare_median_ms']))} of the bare query's time",
            flush=True,
        )


DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def section(results: list[dict[str, Any]]) -> str:
    """The Open311 part of docs/performance.md, one column per database."""
    if not results:
        return "## Open311 (`bench/open311.py`)\n\nNot measured."
    header = "| Request | " + " | ".join(
        f"{DATABASE_NAMES.get(r['vendor'], r['vendor'])} median (bare query, ratio)"
        for r in results
    )
    lines = [header + " | Target |", "|---" * (len(results) + 2) + "|"]
    for n, entry in enumerate(results[0]["cases"]):
        cells = []
        for result in results:
            other = result["cases"][n]
            cells.append(
                f"{other['median_ms']:.1f} ms ({other['bare_median_ms']:.2f} ms, "
                f"{other['ratio']:.1f}x)"
            )
        target = f"≤ {entry['target_ms']:.0f} ms" if entry["target_ms"] else "—"
        lines.append(f"| {entry['name']} | " + " | ".join(cells) + f" | {target} |")
    first = results[0]
    sizes = ", ".join(
        f"{DATABASE_NAMES.get(r['vendor'], r['vendor'])} {r['database_version']}" for r in results
    )
    loads = ", ".join(
        f"{r.get('load_before', 0):.1f}–{r.get('load_after', 0):.1f}" for r in results
    )
    return f"""## Open311 (`bench/open311.py`)

`bench/open311.py` times the GeoReport v2 server through Django's test Client, on bench/pages.py's
site (357 municipalities with their bodies and categories) grown to this many reports:
{first["reports"]:,}. There are {first["services"]} services.

The list is the default `GET requests.json`: public reports of the last 90 days, newest first,
with their bodies, photos and the latest answer; records per page: {first["records"]}. Each
request is compared with its bare database query (built SQL on a cursor, rows as tuples); the
ratio says how many times the bare query's time the whole request takes. Medians over
{first["rounds"]} rounds, and over {SINGLE_IDS} different ids for one request.

Databases: {sizes}. Load average on the machine before and after measuring: {loads}.

{chr(10).join(lines)}"""


if __name__ == "__main__":
    main()
