"""Small geodesy helpers for WGS84 lat/lon.

Distances use the local tangent plane at the query point, scaled by the WGS84 radii of
curvature there. Within a few kilometres this differs from the true ellipsoidal distance by
well under a centimetre, and it is plain arithmetic, so both SQLite and PostgreSQL can evaluate
it in an index-assisted WHERE clause without math extensions.
"""

import math

WGS84_A = 6_378_137.0
WGS84_E2 = 6.694_379_990_14e-3


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


def bounding_box(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) of the square around the circle."""
    ky, kx = metres_per_degree(lat)
    dlat, dlon = metres / ky, metres / kx
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


def is_valid_position(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and math.isfinite(lat + lon)
