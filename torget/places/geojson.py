"""Reading area boundaries from GeoJSON, with errors that name the feature at fault."""

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

DOWNLOAD_TIMEOUT = 60.0


class AreaFileError(Exception):
    """The file cannot be imported as it is; the message says where and why."""


@dataclass
class AreaFeature:
    index: int
    code: str
    name: str
    geometry: BaseGeometry
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"feature {self.index} ({self.code} {self.name})"


def load_source(source: str) -> bytes:
    """The bytes of a local path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise AreaFileError(f"Could not download {source}: {error}") from error
        return response.content
    path = Path(source)
    if not path.is_file():
        raise AreaFileError(f"{source}: no such file.")
    return path.read_bytes()


def parse_features(raw: bytes, source: str) -> list[dict[str, object]]:
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AreaFileError(f"{source} is not GeoJSON: it is not valid JSON ({error}).") from None
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "FeatureCollection" and isinstance(document.get("features"), list):
        return list(document["features"])
    if kind == "Feature":
        return [document]
    raise AreaFileError(
        f"{source} is not GeoJSON: expected a FeatureCollection or a Feature, "
        f"found {kind or type(document).__name__!r}."
    )


def read_area_features(
    features: list[dict[str, object]],
    *,
    code_field: str,
    name_field: str,
    reject_invalid: bool = False,
) -> Iterator[AreaFeature]:
    for index, feature in enumerate(features, start=1):
        yield read_area_feature(
            index,
            feature,
            code_field=code_field,
            name_field=name_field,
            reject_invalid=reject_invalid,
        )


def read_area_feature(
    index: int,
    feature: dict[str, object],
    *,
    code_field: str,
    name_field: str,
    reject_invalid: bool,
) -> AreaFeature:
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise AreaFileError(f"feature {index}: has no properties.")
    for wanted in (code_field, name_field):
        if properties.get(wanted) in (None, ""):
            available = ", ".join(sorted(properties)) or "none"
            raise AreaFileError(
                f"feature {index}: property {wanted!r} is missing (it has: {available})."
            )
    area = AreaFeature(
        index=index,
        code=str(properties[code_field]).strip(),
        name=str(properties[name_field]).strip(),
        geometry=Polygon(),
    )
    area.geometry = checked_geometry(area, feature.get("geometry"), reject_invalid=reject_invalid)
    return area


def checked_geometry(area: AreaFeature, raw: object, *, reject_invalid: bool) -> BaseGeometry:
    try:
        geometry = shape(raw)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as error:
        raise AreaFileError(f"{area.label}: the geometry cannot be read ({error}).") from None
    if not isinstance(geometry, Polygon | MultiPolygon) or geometry.is_empty:
        raise AreaFileError(
            f"{area.label}: expected a Polygon or MultiPolygon, found {geometry.geom_type}."
        )
    check_wgs84(area, geometry)
    if geometry.is_valid:
        return geometry
    reason = shapely.is_valid_reason(geometry)
    if reject_invalid:
        raise AreaFileError(f"{area.label}: invalid geometry ({reason}).")
    repaired = polygonal_part(shapely.make_valid(geometry))
    if repaired.is_empty:
        raise AreaFileError(f"{area.label}: invalid geometry ({reason}) that cannot be repaired.")
    area.warnings.append(f"{area.label}: invalid geometry ({reason}); repaired.")
    return repaired


def check_wgs84(area: AreaFeature, geometry: BaseGeometry) -> None:
    """Projected coordinates (UTM 33, say: 270000, 6650000) are the usual mistake."""
    west, south, east, north = geometry.bounds
    if all(math.isfinite(v) for v in (west, south, east, north)) and (
        -180 <= west <= east <= 180 and -90 <= south <= north <= 90
    ):
        return
    raise AreaFileError(
        f"{area.label}: coordinates ({west:.0f}, {south:.0f}) are not WGS84 longitude/latitude; "
        "they look projected. Convert the file to EPSG:4326 first."
    )


def polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    """make_valid may return a collection with stray lines or points; keep the polygons."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    polygons = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(polygons) if polygons else Polygon()
