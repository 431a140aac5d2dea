"""Feeds: the server's time per RSS request, with 100k reports (20k with --quick).

The site is bench/pages.py's: Norway's municipalities and bodies, reports spread by population
over two years, with updates. Each feed is asked through Django's test Client, as the pages are,
and compared with the same minimal view, measured in the same run. Feeds are not cached, so
every request does all its work; each lists ITEMS_PER_FEED items.

    python -m bench.feeds --database-url URL [--json-out FILE] [--quick]
"""

import argparse
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from bench.environment import is_postgres_url, recreate_postgres_database, setup_django
from bench.near import analyze, database_version
from bench.pages import (
    MINIMAL,
    QUICK_REPORTS,
    REPORTS,
    SEED,
    TOWN_CODE,
    TOWN_LAT,
    TOWN_LON,
    Page,
    build_site,
    count_queries,
)
from bench.stats import median, p95, ratio, times

ROUNDS = 30
# The smallest municipality by population, Utsira: a body with a handful of reports, the case
# where walking all reports newest first to find its own would be slowest.
SMALL_CODE = "1151"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__)
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
    analyze()
    warnings.filterwarnings("ignore", message="No directory at")
    with override_settings(
        ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    ):
        client = Client(headers={"accept-language": "nb"})
        feeds = feeds_of(site.detail_id)
        queries = {page.name: count_queries(client, page.url)[0] for page in feeds}
        pages = [MINIMAL, *feeds]
        samples: dict[str, list[float]] = {page.name: [] for page in pages}
        for _ in range(ROUNDS):
            for page in pages:
                samples[page.name].append(timed_get(client, page.url))
    baseline = median(samples[MINIMAL.name])
    return {
        "database": connection.vendor,
        "database_version": database_version(),
        "reports": site.reports,
        "updates": site.updates,
        "rounds": ROUNDS,
        "load_before": round(load, 2),
        "feeds": [
            {
                "name": page.name,
                "url": page.url,
                "median_ms": round(median(samples[page.name]), 2),
                "p95_ms": round(p95(samples[page.name]), 2),
                "vs_minimal": round(ratio(median(samples[page.name]), baseline), 3),
                "queries": queries[page.name]["queries"]["cold"],
                "slowest_sql_ms": round(queries[page.name]["slowest_sql_ms"], 2),
            }
            for page in feeds
        ],
        "minimal_median_ms": round(baseline, 2),
    }


def feeds_of(report_id: int) -> list[Page]:
    from torget.places.models import Area, Body

    town_area = Area.objects.filter(kind="kommune", code=TOWN_CODE).first()
    town_body = Body.objects.filter(areas=town_area).first()
    small_body = Body.objects.filter(areas__kind="kommune", areas__code=SMALL_CODE).first()
    assert town_area and town_body and small_body
    near = f"lat={TOWN_LAT}&lon={TOWN_LON}"
    return [
        Page("All new reports", "/feeds/reports.rss"),
        Page("All fixed reports", "/feeds/fixed.rss"),
        Page("Within 2 km of the town centre", f"/feeds/near.rss?{near}"),
        Page("Within 20 km of the town centre", f"/feeds/near.rss?{near}&radius=20000"),
        Page("In the town's area", f"/feeds/area/{town_area.pk}.rss"),
        Page("Sent to the town's body", f"/feeds/body/{town_body.slug}.rss"),
        Page("Sent to the smallest body", f"/feeds/body/{small_body.slug}.rss"),
        Page(
            "Sent to the town's body, one category",
            f"/feeds/body/{town_body.slug}.rss?category=lys",
        ),
        Page("One report's updates", f"/feeds/report/{report_id}.rss"),
    ]


def timed_get(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def section(results: list[dict[str, Any]]) -> str:
    """The markdown section for docs/performance.md: one table per database."""
    parts = [
        "## Feeds (`bench/feeds.py`)",
        "",
        "Time for one RSS request through Django's test Client (full middleware, view, queries "
        "and feed writer, no network), each feed listing its newest 50 items, against a view "
        "that returns “ok” through the same stack. `python -m bench.feeds`.",
    ]
    for result in results:
        parts += [
            "",
            f"**{result['database']} {result['database_version']}**, "
            f"{result['reports']:,} reports, {result['updates']:,} updates, "
            f"median of {result['rounds']} requests each; the minimal view takes "
            f"{result['minimal_median_ms']:.2f} ms:",
            "",
            "| Feed | Median ms | p95 ms | × minimal view | Queries | Slowest query ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for feed in result["feeds"]:
            slower = times(feed["vs_minimal"]) if feed["vs_minimal"] >= 1 else "1.0x"
            parts.append(
                f"| {feed['name']} | {feed['median_ms']:.1f} | {feed['p95_ms']:.1f} | "
                f"{slower} | {feed['queries']} | {feed['slowest_sql_ms']:.1f} |"
            )
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    main()
