"""Writes to the geography: importing area generations and the bodies that serve them."""

import datetime
from dataclasses import dataclass, field

import shapely
from django.db import transaction
from django.utils import timezone

from torget.lib.names import norwegian_slug
from torget.places.geojson import AreaFeature
from torget.places.lookup import forget_area_index
from torget.places.models import Area, AreaKind, Body, BodyKind

# How far two vertices may be apart and still count as "the same boundary" (about 1 mm).
SAME_GEOMETRY_TOLERANCE = 1e-8

BODY_KIND_FOR_AREA = {AreaKind.KOMMUNE: BodyKind.KOMMUNE, AreaKind.FYLKE: BodyKind.FYLKESKOMMUNE}
BODY_NAME_FOR_AREA = {AreaKind.KOMMUNE: "{} kommune", AreaKind.FYLKE: "{} fylkeskommune"}


@dataclass
class AreaImportPlan:
    """What an import would change, computed without writing anything."""

    kind: str
    created: list[AreaFeature] = field(default_factory=list)
    renamed: list[tuple[Area, AreaFeature]] = field(default_factory=list)
    reshaped: list[tuple[Area, AreaFeature]] = field(default_factory=list)
    unchanged: list[Area] = field(default_factory=list)
    not_in_file: list[Area] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.renamed) + len(self.reshaped)


def same_geometry(area: Area, feature: AreaFeature) -> bool:
    old = shapely.normalize(area.geometry)
    new = shapely.normalize(feature.geometry)
    return bool(old.equals_exact(new, tolerance=SAME_GEOMETRY_TOLERANCE))


def plan_area_import(features: list[AreaFeature], *, kind: str) -> AreaImportPlan:
    plan = AreaImportPlan(kind=kind)
    current = {area.code: area for area in Area.objects.current().filter(kind=kind)}
    seen: set[str] = set()
    for feature in features:
        if feature.code in seen:
            raise ValueError(f"{feature.label}: code {feature.code} appears twice in the file.")
        seen.add(feature.code)
        area = current.get(feature.code)
        if area is None:
            plan.created.append(feature)
        elif not same_geometry(area, feature):
            plan.reshaped.append((area, feature))
        elif area.name != feature.name:
            plan.renamed.append((area, feature))
        else:
            plan.unchanged.append(area)
    plan.not_in_file = [area for code, area in sorted(current.items()) if code not in seen]
    return plan


@transaction.atomic
def apply_area_import(
    plan: AreaImportPlan, *, valid_from: datetime.date | None = None, create_bodies: bool = False
) -> None:
    """Write the plan. A changed boundary closes the old generation the day before
    `valid_from` (default today) and opens a new one that keeps the old one's bodies."""
    start = valid_from or timezone.localdate()
    for feature in plan.created:
        area = new_area(
            feature, plan.kind, valid_from or Area._meta.get_field("valid_from").default
        )
        if create_bodies:
            ensure_body_for(area)
    for area, feature in plan.renamed:
        area.name = feature.name
        area.save(update_fields=["name", "updated_at"])
    for area, feature in plan.reshaped:
        start_new_generation(area, feature, start)
    forget_area_index()


def new_area(feature: AreaFeature, kind: str, valid_from: datetime.date) -> Area:
    area = Area(name=feature.name, kind=kind, code=feature.code, valid_from=valid_from)
    area.set_geometry(feature.geometry)
    area.save()
    return area


def start_new_generation(old: Area, feature: AreaFeature, start: datetime.date) -> Area:
    if old.valid_from >= start:
        # Corrected twice on the same day: there is no earlier day to close the old one on.
        old.name = feature.name
        old.set_geometry(feature.geometry)
        old.save()
        return old
    old.valid_to = start - datetime.timedelta(days=1)
    old.save(update_fields=["valid_to", "updated_at"])
    area = new_area(feature, old.kind, start)
    for body in old.bodies.all():
        body.areas.add(area)
    return area


def ensure_body_for(area: Area) -> Body | None:
    """A body for a kommune or fylke that has none yet, named the Norwegian way."""
    if area.kind not in BODY_KIND_FOR_AREA or area.bodies.exists():
        return None
    name = BODY_NAME_FOR_AREA[AreaKind(area.kind)].format(area.name)
    slug = norwegian_slug(area.name)
    if Body.objects.filter(slug=slug).exists():
        # Two Herøys and two Vålers: the second one is told apart by its code.
        slug = f"{slug}-{area.code}"
    body = Body.objects.create(name=name, slug=slug, kind=BODY_KIND_FOR_AREA[AreaKind(area.kind)])
    body.areas.add(area)
    return body


@transaction.atomic
def set_reply_review(*, body: Body, on: bool) -> None:
    """Whether the body's replies by e-mail wait for a moderator before they are public."""
    body.review_email_replies = on
    body.save(update_fields=["review_email_replies"])
