"""The shared Norwegian data the benchmarks read, and points sampled from it."""

import json
from functools import cache

import numpy as np
import shapely

from bench.environment import SHARED_DATA_DIR
from torget.places.geojson import AreaFeature, load_source, parse_features, read_area_features

MUNICIPALITIES_FILE = SHARED_DATA_DIR / "kommuner-2024.geojson"
FACTS_FILE = SHARED_DATA_DIR / "kommuner-2025-facts.json"


@cache
def municipality_features() -> list[AreaFeature]:
    """The 357 municipalities, read by the same code as `torget import-areas`."""
    path = str(MUNICIPALITIES_FILE)
    return list(
        read_area_features(
            parse_features(load_source(path), path),
            code_field="kommunenummer",
            name_field="kommunenavn",
        )
    )


def populations() -> dict[str, int]:
    """Population per kommunenummer."""
    facts = json.loads(FACTS_FILE.read_text(encoding="utf-8"))
    return {str(fact["id"]): int(fact["population"]) for fact in facts}


def points_where_people_live(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(lats, lons): municipalities drawn in proportion to population, then a point drawn
    uniformly inside the chosen municipality's polygon."""
    features = municipality_features()
    people = populations()
    weights = np.array([people[feature.code] for feature in features], dtype=np.float64)
    chosen = rng.choice(len(features), size=count, p=weights / weights.sum())
    lats = np.empty(count)
    lons = np.empty(count)
    for index in np.unique(chosen):
        slots = np.flatnonzero(chosen == index)
        lons[slots], lats[slots] = points_inside(rng, features[index].geometry, len(slots))
    return lats, lons


def points_inside(
    rng: np.random.Generator, geometry: shapely.Geometry, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """(lons, lats) of `count` points uniform inside `geometry`, by rejection from its box."""
    west, south, east, north = geometry.bounds
    fill = max(geometry.area / ((east - west) * (north - south)), 0.01)
    shapely.prepare(geometry)
    found_lons: list[np.ndarray] = []
    found_lats: list[np.ndarray] = []
    missing = count
    while missing > 0:
        batch = int(missing / fill * 1.2) + 16
        lons = rng.uniform(west, east, batch)
        lats = rng.uniform(south, north, batch)
        inside = shapely.contains_xy(geometry, lons, lats)
        found_lons.append(lons[inside][:missing])
        found_lats.append(lats[inside][:missing])
        missing -= len(found_lons[-1])
    return np.concatenate(found_lons), np.concatenate(found_lats)
