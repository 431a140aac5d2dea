"""The staff inbox: the server's time for a body's first page and for a filtered page, with
1,000,000 reports (--reports to scale down, 20k with --quick).

The site is bench/pages.py's: Norway's municipalities and bodies, reports spread by
population over two years. The town's body (Oslo, about 13% of the people, so about 130,000
reports at a million) is the body measured; its staff member has a handling of every report
the body has, a fifth of them assigned to the staff member, and the open ones a target (some
past it). Handlings are written in bulk like the reports (COPY on PostgreSQL), past the
handlers, as staff.actions.open_missing_handlings() would make them.

Each page is asked through Django's test Client, logged in as the body's handler, and compared
with the minimal view (bench/urls.py) measured in the same run, interleaved.

    python -m bench.inbox --database-url URL [--json-out FILE] [--quick | --reports N]
"""

import argparse
import datetime
import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.environment import is_postgres_url, recreate_postgres_database, setup_django
from bench.near import analyze, database_version
from bench.pages import (
    MINIMAL,
    QUICK_REPORTS,
    SEED,
    TOWN_CODE,
    Page,
    build_site,
    count_queries,
    insert_rows,
)
from bench.stats import median, p95, ratio, times

REPORTS = 1_000_000
ROUNDS = 30
TARGET_MS = 50.0
ASSIGNED_SHARE = 0.2
# Targets in days after confirmation: open reports older than this are past their target.
TARGET_DAYS = 30
HANDLING_COLUMNS = ("report_id", "body_id", "assignee_id", "arrived", "answer_due", "due")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__)
    parser.add_argument(
        "--database-url",
        required=True,
        help="sqlite:////abs/path or postgres://…/name_with_bench (recreated)",
    )
    parser.add_argument("--json-out", type=Path, help="write the figures to this JSON file")
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_true", help=f"{QUICK_REPORTS:,} reports instead of {REPORTS:,}"
    )
    size.add_argument("--reports", type=int, help=f"this many reports instead of {REPORTS:,}")
    args = parser.parse_args(argv)
    if is_postgres_url(args.database_url):
        recreate_postgres_database(args.database_url)
    setup_django(args.database_url)
    result = run(args.reports or (QUICK_REPORTS if args.quick else REPORTS))
    print(section([result]))
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


def run(count: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    load = os.getloadavg()[0]
    site = build_site(np.random.default_rng(SEED), count)
    staff, body = make_staff()
    handlings = open_handlings(staff.pk)
    analyze()
    warnings.filterwarnings("ignore", message="No directory at")
    with override_settings(
        ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    ):
        client = Client(headers={"accept-language": "nb"})
        client.force_login(staff)
        pages = pages_of(body)
        queries = {page.name: count_queries(client, page.url)[0] for page in pages}
        samples: dict[str, list[float]] = {page.name: [] for page in [MINIMAL, *pages]}
        for _ in range(ROUNDS):
            for page in [MINIMAL, *pages]:
                samples[page.name].append(timed_get(client, page.url))
    baseline = median(samples[MINIMAL.name])
    return {
        "database": connection.vendor,
        "database_version": database_version(),
        "reports": site.reports,
        "body_reports": handlings["body"],
        "body_overdue": handlings["overdue"],
        "handlings": handlings["all"],
        "rounds": ROUNDS,
        "target_ms": TARGET_MS,
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "pages": [
            {
                "name": page.name,
                "url": page.url,
                "median_ms": round(median(samples[page.name]), 2),
                "p95_ms": round(p95(samples[page.name]), 2),
                "vs_minimal": round(ratio(median(samples[page.name]), baseline), 3),
                "queries": queries[page.name]["queries"]["cold"],
                "sql_ms": round(queries[page.name]["sql_ms"]["cold"], 2),
                "slowest_sql_ms": round(queries[page.name]["slowest_sql_ms"], 2),
            }
            for page in pages
        ],
        "minimal_median_ms": round(baseline, 2),
    }


def make_staff() -> tuple[Any, Any]:
    """The town body's handler: bench/pages.py's staff member, given a membership."""
    from torget.accounts.models import Membership, Role, User
    from torget.places.models import Body

    body = Body.objects.get(areas__kind="kommune", areas__code=TOWN_CODE)
    staff = User.objects.get(email="citizen0@bench.example")  # pages.create_people's staff
    Membership.objects.create(user=staff, body=body, role=Role.HANDLER)
    return staff, body


def open_handlings(staff_id: int) -> dict[str, int]:
    """A handling for every public report at each of its bodies; at the town's body a share
    assigned to its handler. Open reports get a target TARGET_DAYS after confirmation."""
    from django.utils import timezone

    from torget.places.models import Body
    from torget.reports.models import OPEN_STATES, Report
    from torget.staff.models import Handling

    town = Body.objects.get(areas__kind="kommune", areas__code=TOWN_CODE).pk
    now = timezone.now()
    rng = np.random.default_rng(SEED + 1)
    links = (
        Report.bodies.through.objects.exclude(report__state="unconfirmed")
        .order_by("report_id")
        .values_list("report_id", "body_id", "report__state", "report__confirmed")
    )
    counted = {"all": 0, "body": 0, "overdue": 0}

    # Read in full first: COPY holds the connection, so a cursor cannot stream beside it.
    fetched = list(links)

    def rows() -> Iterator[tuple[Any, ...]]:
        for report_id, body_id, state, confirmed in fetched:
            assigned = body_id == town and rng.uniform() < ASSIGNED_SHARE
            due: datetime.datetime | None = None
            if state in OPEN_STATES and confirmed is not None:
                due = confirmed + datetime.timedelta(days=TARGET_DAYS)
            counted["all"] += 1
            if body_id == town:
                counted["body"] += 1
                counted["overdue"] += due is not None and due < now
            yield (report_id, body_id, staff_id if assigned else None, confirmed, due, due)

    insert_rows(Handling, HANDLING_COLUMNS, rows())
    return counted


def pages_of(body: Any) -> list[Page]:
    from torget.reports.models import Category

    roads = Category.objects.get(body=body, slug="veg").pk
    base = f"/staff/?body={body.slug}"
    return [
        Page("Inbox, first page", base),
        Page(
            "Inbox, overdue roads, nobody assigned",
            f"{base}&waiting=overdue&category={roads}&assigned=nobody",
        ),
        Page("Inbox, assigned to me, by target", f"{base}&assigned=me&sort=target"),
    ]


def timed_get(client: Any, url: str) -> float:
    import time

    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def section(results: list[dict[str, Any]]) -> str:
    """The markdown section for docs/performance.md: one table per database."""
    parts = [
        "## Staff inbox (`bench/inbox.py`)",
        "",
        "Time for one request of a body's staff inbox through Django's test Client (full "
        "middleware, login, view, queries and template, no network), logged in as the town "
        "body's handler, against a view that returns “ok” through the same stack, measured "
        "in the same run. `python -m bench.inbox --reports N`.",
    ]
    for result in results:
        parts += [
            "",
            f"**{result['database']} {result['database_version']}**, "
            f"{result['reports']:,} reports, {result['body_reports']:,} of them with the "
            f"measured body ({result['body_overdue']:,} past their target), "
            f"median of {result['rounds']} requests each, load average "
            f"{result['load_before']:.1f} → {result['load_after']:.1f}; the minimal view "
            f"takes {result['minimal_median_ms']:.2f} ms; target ≤ {result['target_ms']:.0f} ms:",
            "",
            "| Page | Median ms | p95 ms | × minimal view | Queries | SQL ms | Slowest query ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for page in result["pages"]:
            slower = times(page["vs_minimal"]) if page["vs_minimal"] >= 1 else "1.0x"
            parts.append(
                f"| {page['name']} | {page['median_ms']:.1f} | {page['p95_ms']:.1f} | "
                f"{slower} | {page['queries']} | {page['sql_ms']:.1f} | "
                f"{page['slowest_sql_ms']:.1f} |"
            )
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    main()
