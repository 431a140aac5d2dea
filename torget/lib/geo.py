"""Small geodesy helpers for WGS84 lat/lon.

Distances use the local tangent plane at the query point, scaled by the WGS84 radii of
curvature there. Within a few kilometres this differs from the true ellipsoidal distance by
well under a centimetre, and it is plain arithmetic, so both SQLite and PostgreSQL can evaluate
it in an index-assisted WHERE clause without math extensions.
"""

import math

WGS84_A = 6_378_137.0
WGS84_E2 = 6.694_379_990_14e-3

# Grid cells used to find nearby reports by an indexed integer column. 0.01° of latitude is
# about 1.1 km, and 0.02° of longitude is about 1.1 km at 60°N, so a 500 m circle touches at
# most four cells in southern Norway.
CELL_LAT_DEGREES = 0.01
CELL_LON_DEGREES = 0.02
CELL_LON_COUNT = 100_000  # more than 360 / CELL_LON_DEGREES, so keys never collide


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of latitude, metres per degree of longitude) at `lat`."""
    phi = math.radians(lat)
    w = math.sqrt(1 - WGS84_E2 * math.sin(phi) ** 2)
    meridional = WGS84_A * (1 - WGS84_E2) / w**3
    prime_vertical = WGS84_A / w
    return math.radians(1) * meridional, math.radians(1) * prime_vertical * math.cos(phi)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres, accurate for the short distances Torget compares (< 10 km)."""
    ky, kx = metres_per_degree((lat1 + lat2) / 2)
    return math.hypot((lat2 - lat1) * ky, (lon2 - lon1) * kx)


def cell_row(lat: float) -> int:
    return math.floor(lat / CELL_LAT_DEGREES)


def cell_col(lon: float) -> int:
    return math.floor((lon + 180.0) / CELL_LON_DEGREES)


def cell_key(lat: float, lon: float) -> int:
    return cell_row(lat) * CELL_LON_COUNT + cell_col(lon)


def bounding_box(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) of the square around the circle."""
    ky, kx = metres_per_degree(lat)
    dlat, dlon = metres / ky, metres / kx
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


def cells_in_box(south: float, west: float, north: float, east: float) -> list[int]:
    rows = range(cell_row(south), cell_row(north) + 1)
    cols = range(cell_col(west), cell_col(east) + 1)
    return [row * CELL_LON_COUNT + col for row in rows for col in cols]


def is_valid_position(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and math.isfinite(lat + lon)
