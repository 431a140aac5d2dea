"""Point to area, in memory.

Every new report, every map click and every `locate` asks "which areas contain this point?".
Asking the database would mean loading polygons per request; instead each process keeps an
STRtree over the current areas' polygons. The tree is built on first use and rebuilt when the
areas change: at once in the process that changed them (Area.save/delete call
`forget_area_index`), and within STALE_AFTER seconds in every other process, which compares a
cheap fingerprint of the table (row count and newest `updated_at`).
"""

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import Count, Max
from django.utils import timezone
from shapely import STRtree

# models calls into this module when areas change; neither uses the other's names until
# it is called, so the two may import each other.
from torget.places import models as place_models

STALE_AFTER = 2.0


@dataclass(frozen=True)
class Fingerprint:
    count: int
    newest: object
    # "Current" depends on the date as well as the rows: a generation can expire overnight.
    day: object


class AreaIndex:
    def __init__(self, ids: list[int], geometries: list[object], fingerprint: Fingerprint) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.tree = STRtree(geometries)
        self.fingerprint = fingerprint
        self.checked_at = time.monotonic()

    def __len__(self) -> int:
        return len(self.ids)

    def area_ids_at(self, lat: float, lon: float) -> list[int]:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return [int(i) for i in self.ids[hits]]

    def area_ids_at_many(self, lats: np.ndarray, lons: np.ndarray) -> list[list[int]]:
        """Vectorised lookup for imports and benchmarks: one list of area ids per point."""
        points = shapely.points(lons, lats)
        point_idx, tree_idx = self.tree.query(points, predicate="intersects")
        result: list[list[int]] = [[] for _ in range(len(points))]
        for p, t in zip(point_idx.tolist(), tree_idx.tolist(), strict=True):
            result[p].append(int(self.ids[t]))
        return result


_lock = threading.Lock()
_index: AreaIndex | None = None


def current_fingerprint() -> Fingerprint:
    stats = place_models.Area.objects.aggregate(count=Count("id"), newest=Max("updated_at"))
    return Fingerprint(count=stats["count"], newest=stats["newest"], day=timezone.localdate())


def build_area_index() -> AreaIndex:
    fingerprint = current_fingerprint()
    rows = place_models.Area.objects.current().values_list("id", "geometry_wkb")
    ids = [row[0] for row in rows]
    geometries = [shapely.from_wkb(bytes(row[1])) for row in rows]
    shapely.prepare(geometries)
    return AreaIndex(ids, geometries, fingerprint)


def area_index() -> AreaIndex:
    """The process's index, rebuilt if another process changed the areas."""
    global _index
    index = _index
    if index is not None and time.monotonic() - index.checked_at < STALE_AFTER:
        return index
    with _lock:
        if _index is not None and current_fingerprint() == _index.fingerprint:
            _index.checked_at = time.monotonic()
        else:
            _index = build_area_index()
        return _index


def forget_area_index() -> None:
    global _index
    with _lock:
        _index = None
