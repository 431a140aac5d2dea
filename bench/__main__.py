"""Run every benchmark, print a summary and write docs/performance.md.

    python -m bench [--quick] [--only NAME,NAME]

--only runs the named benchmarks and replaces just their sections of docs/performance.md.

Each benchmark runs in its own subprocess, because Django's settings (and so the database) are
fixed once per process.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import bench.alerts
import bench.feeds
import bench.inbox
import bench.open311
import bench.photos
from bench.document import (
    DOCUMENT,
    deliveries_section,
    machine_section,
    near_section,
    pages_section,
    points_section,
    replace_intro,
    replace_section,
    write_document,
)
from bench.environment import REPO_DIR, database_name, postgres_server_version, with_database
from bench.machine import describe_machine
from bench.stats import times

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/torget_bench"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="near() at 10k and 100k reports only, pages at 20k; docs are not written",
    )
    parser.add_argument(
        "--only",
        type=names_of,
        help=f"run these, comma-separated, and replace their sections: {', '.join(ALL)}",
    )
    args = parser.parse_args(argv)
    postgres_url = os.environ.get("TORGET_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    postgres_version = postgres_server_version(postgres_url)
    if postgres_version is None:
        if os.environ.get("CI") == "true":
            sys.exit(f"PostgreSQL at {postgres_url} cannot be reached; in CI that is a failure.")
        print(f"== PostgreSQL at {postgres_url} not reachable: skipped. ==", flush=True)
    machine = describe_machine(postgres_version)
    print_machine(machine)

    quick = ["--quick"] if args.quick else []
    if args.only:
        run_only(args.only, machine, postgres_url, postgres_version, quick)
        return
    with tempfile.TemporaryDirectory(prefix="torget-bench-") as tmp:
        scratch = Path(tmp)
        points = run_benchmark("bench.points", scratch / "points.json", [])
        near = run_on_databases("bench.near", scratch, postgres_url, postgres_version, quick)
        # Its own database, so that near()'s million reports are not in the pages' way.
        pages_url = with_database(postgres_url, f"{database_name(postgres_url)}_pages")
        pages = run_on_databases("bench.pages", scratch, pages_url, postgres_version, quick)
        # Deliveries: `torget worker` processes sending e-mail, in a database of their own.
        deliveries_url = with_database(postgres_url, f"{database_name(postgres_url)}_deliveries")
        deliveries = run_on_databases(
            "bench.deliveries", scratch, deliveries_url, postgres_version, quick
        )
        later = {
            name: run_on_databases(
                f"bench.{name}", scratch, own_database(postgres_url, name), postgres_version, quick
            )
            for name in SECTION_MODULES
        }
    skipped = [] if postgres_version is not None else ["PostgreSQL"]
    print_summary(points, near, pages, skipped)
    print_deliveries(deliveries)
    for name, results in later.items():
        print("\n" + SECTION_MODULES[name].section(results))
    if args.quick:
        print("\n--quick: docs/performance.md left as it was; a full run writes it.")
    else:
        path = write_document(machine, points, near, pages, skipped, deliveries=deliveries)
        for name, results in later.items():
            replace_section(name, SECTION_MODULES[name].section(results))
        print(f"\nWrote {path.relative_to(REPO_DIR)}.")


# Benchmarks whose module writes its own section of docs/performance.md.
SECTION_MODULES: dict[str, ModuleType] = {
    "open311": bench.open311,
    "feeds": bench.feeds,
    "alerts": bench.alerts,
    "photos": bench.photos,
    "inbox": bench.inbox,
}
ALL = ("points", "near", "pages", "deliveries", *SECTION_MODULES)


def names_of(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ALL]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown benchmark {', '.join(unknown) or '(none)'}; choose from {', '.join(ALL)}"
        )
    return names


def own_database(postgres_url: str, name: str) -> str:
    """Each benchmark's PostgreSQL database, so that one's data is not in another's way."""
    return with_database(postgres_url, f"{database_name(postgres_url)}_{name}")


def run_only(
    names: list[str],
    machine: dict[str, str],
    postgres_url: str,
    postgres_version: str | None,
    quick: list[str],
) -> None:
    skipped = [] if postgres_version is not None else ["PostgreSQL"]
    sections: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="torget-bench-") as tmp:
        scratch = Path(tmp)
        for name in names:
            if name == "points":
                points = run_benchmark("bench.points", scratch / "points.json", [])
                sections[name] = points_section(points)
                continue
            url = postgres_url if name == "near" else own_database(postgres_url, name)
            results = run_on_databases(f"bench.{name}", scratch, url, postgres_version, quick)
            if name == "near":
                sections[name] = near_section(results, skipped)
            elif name == "pages":
                sections[name] = pages_section(results, skipped)
            elif name == "deliveries":
                sections[name] = deliveries_section(results, skipped)
            else:
                sections[name] = SECTION_MODULES[name].section(results)
    for text in sections.values():
        print("\n" + text)
    if quick:
        print("\n--quick: docs/performance.md left as it was.")
        return
    replace_intro()
    replace_section("machine", machine_section(machine))
    for name, text in sections.items():
        replace_section(name, text)
    print(f"\nReplaced {', '.join(sections)} in {DOCUMENT.relative_to(REPO_DIR)}.")


def run_on_databases(
    module: str,
    scratch: Path,
    postgres_url: str,
    postgres_version: str | None,
    options: list[str],
) -> list[dict[str, Any]]:
    """The benchmark on a fresh SQLite file, then on PostgreSQL when it can be reached."""
    name = module.rpartition(".")[2]
    sqlite_url = f"sqlite:///{scratch}/{name}.sqlite3"
    results = [
        run_benchmark(
            module, scratch / f"{name}-sqlite.json", ["--database-url", sqlite_url, *options]
        )
    ]
    if postgres_version is not None:
        results.append(
            run_benchmark(
                module,
                scratch / f"{name}-postgresql.json",
                ["--database-url", postgres_url, *options],
            )
        )
    return results


def run_benchmark(module: str, json_out: Path, options: list[str]) -> dict[str, Any]:
    command = [sys.executable, "-m", module, "--json-out", str(json_out), *options]
    print(f"\n== {' '.join([module, *options])} ==", flush=True)
    completed = subprocess.run(command, cwd=REPO_DIR, check=False)
    if completed.returncode != 0:
        sys.exit(f"{module} failed with exit code {completed.returncode}.")
    result: dict[str, Any] = json.loads(json_out.read_text(encoding="utf-8"))
    return result


def print_machine(machine: dict[str, str]) -> None:
    print("== Machine ==")
    for key, value in machine.items():
        print(f"  {key}: {value}")


def print_summary(
    points: dict[str, Any],
    near: list[dict[str, Any]],
    pages: list[dict[str, Any]],
    skipped: list[str],
) -> None:
    verdict = "met" if points["index_us"] <= points["target_us"] else "NOT MET"
    print("\n== Summary ==")
    print(
        f"Point to area: {points['index_us']:.1f} µs per lookup (median), brute force "
        f"{points['baseline_us']:.0f} µs, {points['ratio']:.0f}x faster; "
        f"{points['share_in_municipality']:.1%} of points in a municipality; "
        f"target ≤ {points['target_us']:.0f} µs {verdict}."
    )
    for result in near:
        print(f"near() on {result['vendor']} {result['database_version']}:")
        for step in result["steps"]:
            n, b = step["near"], step["baseline"]
            print(
                f"  {step['reports']:>9,} reports: median {n['median_ms']:.2f} ms, "
                f"p95 {n['p95_ms']:.2f} ms (SQL alone {step['sql_median_ms']:.2f} ms); "
                f"full scan {b['median_ms']:.2f} ms over {b['points']} points, index "
                f"speed-up {times(step['ratio'])}; {step['rows_avg']:.1f} rows per page, "
                f"{step['matches_avg']:.0f} in the circle"
            )
        last = result["steps"][-1]
        median_verdict = "met" if last["near"]["median_ms"] <= result["target_ms"] else "NOT MET"
        growth_verdict = "met" if result["growth"] < result["target_growth"] else "NOT MET"
        print(
            f"  target median ≤ {result['target_ms']:.0f} ms at {last['reports']:,}: "
            f"{median_verdict}; growth {result['growth']:.2f}x "
            f"(target < {result['target_growth']:.0f}x): {growth_verdict}"
        )
    for name in skipped:
        print(f"near() on {name}: skipped, not reachable.")
    for result in pages:
        print_pages(result)
    for name in skipped:
        print(f"Pages on {name}: skipped, not reachable.")


def print_pages(result: dict[str, Any]) -> None:
    minimal, target = result["minimal"], result["target_ms"]
    print(
        f"Pages on {result['vendor']} {result['database_version']}, {result['reports']:,} "
        f"reports, server time in-process (test Client), median / p95 in ms; "
        f"cold = cache cleared before the request, warm = cache as left by the request before:"
    )
    print(f"  {'':<36} {'cold':>15} {'warm':>15}  × minimal (cold / warm)")
    for page in [*result["pages"], {"name": "Minimal view (baseline)", **minimal}]:
        cold, warm = page["cold"], page["warm"]
        ratios = page.get("ratio")
        missed = [case for case in ("cold", "warm") if page[case]["median_ms"] > target]
        print(
            f"  {page['name']:<36} {cold['median_ms']:6.1f} / {cold['p95_ms']:6.1f} "
            f"{warm['median_ms']:6.1f} / {warm['p95_ms']:6.1f}  "
            + (f"{ratios['cold']:5.0f} / {ratios['warm']:5.0f}" if ratios else "")
            + (f"  median > {target:.0f} ms {' and '.join(missed)}" if missed else "")
        )
    for page in result["before_analyze"]:
        after = next(p for p in result["pages"] if p["url"] == page["url"])
        print(
            f"  before ANALYZE: {page['name']:<36} warm median {page['warm']['median_ms']:.1f} "
            f"ms (after: {after['warm']['median_ms']:.1f} ms)"
        )


def print_deliveries(results: list[dict[str, Any]]) -> None:
    for result in results:
        print(f"Deliveries on {result['vendor']} {result['database_version']}:")
        print(f"  bare smtplib loop: {result['baseline_per_s']:.0f} messages/s (median)")
        for run in result["workers"]:
            print(
                f"  {run['workers']} worker(s): {run['per_s']:.1f} deliveries/s (median), "
                f"{run['share_of_baseline']:.1%} of bare smtplib"
            )
        window = result["window"]
        print(
            f"  'sent twice' window over {window['sends']} sends: median "
            f"{window['median_ms']:.2f} ms, p99 {window['p99_ms']:.2f} ms"
        )


if __name__ == "__main__":
    main()
