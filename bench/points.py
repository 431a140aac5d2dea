"""Point to area: `area_index().area_ids_at(lat, lon)` over Norway's 357 municipalities.

The municipalities are imported into a throwaway SQLite database through the same actions as
`torget import-areas`, so the index is built exactly as a web process builds it. Random points
cover Norway's bounding box, sea and Sweden included, and are looked up one at a time in a
Python loop, as requests do. The baseline tests every prepared polygon in turn.

    python -m bench.points [--json-out FILE]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.environment import setup_django
from bench.stats import median, ratio

SEED = 20240101
POINTS = 100_000
ROUNDS = 5
BASELINE_POINTS = 2_000
NORWAY_LON = (4.0, 31.5)
NORWAY_LAT = (57.9, 71.2)
TARGET_US = 50.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.points", description=__doc__)
    parser.add_argument("--json-out", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="torget-bench-points-") as tmp:
        setup_django(f"sqlite:///{tmp}/bench.sqlite3")
        result = run()
    print_result(result)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


def run() -> dict[str, Any]:
    from torget.places.lookup import area_index

    import_municipalities()
    index = area_index()
    rng = np.random.default_rng(SEED)
    lats = rng.uniform(*NORWAY_LAT, POINTS).tolist()
    lons = rng.uniform(*NORWAY_LON, POINTS).tolist()

    index_us = [
        time_lookups(index.area_ids_at, lats, lons, label=f"index round {n}")
        for n in range(1, ROUNDS + 1)
    ]
    found = [index.area_ids_at(lat, lon) for lat, lon in zip(lats, lons, strict=True)]

    brute_force = BruteForce(index.ids.tolist(), list(index.tree.geometries))
    subset_lats, subset_lons = lats[:BASELINE_POINTS], lons[:BASELINE_POINTS]
    baseline_us = [
        time_lookups(
            brute_force.area_ids_at, subset_lats, subset_lons, label=f"brute force round {n}"
        )
        for n in range(1, ROUNDS + 1)
    ]
    for i in range(BASELINE_POINTS):
        assert sorted(found[i]) == brute_force.area_ids_at(lats[i], lons[i]), (lats[i], lons[i])

    return {
        "areas": len(index),
        "points": POINTS,
        "rounds": ROUNDS,
        "baseline_points": BASELINE_POINTS,
        "index_us": median(index_us),
        "index_rounds_us": index_us,
        "baseline_us": median(baseline_us),
        "ratio": ratio(median(baseline_us), median(index_us)),
        "share_in_municipality": sum(1 for ids in found if ids) / POINTS,
        "target_us": TARGET_US,
    }


def import_municipalities() -> None:
    from bench.data import municipality_features
    from torget.places.actions import apply_area_import, plan_area_import

    started = time.perf_counter()
    print("points: importing 357 municipalities …", flush=True)
    apply_area_import(plan_area_import(municipality_features(), kind="kommune"), create_bodies=True)
    print(f"points: imported in {time.perf_counter() - started:.1f} s", flush=True)


class BruteForce:
    """What a lookup costs without a spatial index: every polygon asked in turn."""

    def __init__(self, ids: list[int], geometries: list[Any]) -> None:
        self.pairs = list(zip(ids, geometries, strict=True))

    def area_ids_at(self, lat: float, lon: float) -> list[int]:
        import shapely

        return sorted(
            id_ for id_, geometry in self.pairs if shapely.contains_xy(geometry, lon, lat)
        )


def time_lookups(lookup: Any, lats: list[float], lons: list[float], *, label: str) -> float:
    """Microseconds per lookup, averaged over one pass through the points."""
    started = time.perf_counter()
    for lat, lon in zip(lats, lons, strict=True):
        lookup(lat, lon)
    per_lookup = (time.perf_counter() - started) / len(lats) * 1e6
    print(f"points: {label}: {len(lats):,} lookups, {per_lookup:.2f} µs each", flush=True)
    return per_lookup


def print_result(result: dict[str, Any]) -> None:
    print(
        f"points: index {result['index_us']:.2f} µs per lookup (median of {result['rounds']} "
        f"rounds of {result['points']:,}); brute force {result['baseline_us']:.1f} µs; "
        f"{result['ratio']:.0f}x faster; {result['share_in_municipality']:.1%} of points "
        f"in a municipality",
        flush=True,
    )


if __name__ == "__main__":
    main()
