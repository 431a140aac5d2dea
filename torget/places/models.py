"""Areas (polygons with a kind, an official code and a period of validity) and the public
bodies responsible for them.

Generations: a boundary change does not rewrite an area. The old row gets a `valid_to` and a
new row with the same kind and code starts the next day, so a report filed in 2023 still points
at the boundary that was in force when it was filed. "Current" means valid today.
"""

import datetime
from typing import TYPE_CHECKING

import shapely
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from torget.places import lookup

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


class AreaKind(models.TextChoices):
    KOMMUNE = "kommune", _("Municipality")
    FYLKE = "fylke", _("County")
    BYDEL = "bydel", _("City district")
    OTHER = "other", _("Other area")


class AreaQuerySet(models.QuerySet["Area"]):
    def current(self, on: datetime.date | None = None) -> "AreaQuerySet":
        day = on or timezone.localdate()
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )

    def covering(self, lat: float, lon: float) -> "AreaQuerySet":
        """Current areas containing the point, found by the in-memory index (no SQL scan)."""
        return self.filter(pk__in=lookup.area_index().area_ids_at(lat, lon))


class Area(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=AreaKind.choices)
    code = models.CharField(
        _("official code"), max_length=20, help_text=_("For example the kommunenummer, 3401.")
    )
    # Well-known binary, WGS84 lon/lat. Read through `geometry`.
    geometry_wkb = models.BinaryField(editable=False)
    min_lon = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lon = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    valid_from = models.DateField(_("valid from"), default=datetime.date(1900, 1, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["kind", "code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code", "valid_from"], name="area_one_generation_per_day"
            ),
        ]
        indexes = [
            # Serves import-areas and locate: "the generation of kind K, code C in force".
            models.Index(fields=["kind", "code", "valid_to"], name="area_kind_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()} {self.code})"

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        lookup.forget_area_index()

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)  # type: ignore[arg-type]
        lookup.forget_area_index()
        return result

    @property
    def geometry(self) -> "BaseGeometry":
        return shapely.from_wkb(bytes(self.geometry_wkb))

    def set_geometry(self, geometry: "BaseGeometry") -> None:
        self.geometry_wkb = shapely.to_wkb(geometry)
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = geometry.bounds


class BodyKind(models.TextChoices):
    KOMMUNE = "kommune", _("Municipality")
    FYLKESKOMMUNE = "fylkeskommune", _("County authority")
    STATE = "state", _("State agency")
    ROAD_AUTHORITY = "road", _("Road authority")
    OTHER = "other", _("Other body")


class Language(models.TextChoices):
    BOKMAL = "nb", "Norsk bokmål"
    NYNORSK = "nn", "Norsk nynorsk"


class BodyQuerySet(models.QuerySet["Body"]):
    def covering(self, lat: float, lon: float) -> "BodyQuerySet":
        return self.filter(
            areas__in=lookup.area_index().area_ids_at(lat, lon), active=True
        ).distinct()


class Body(models.Model):
    """A public authority that receives reports: a kommune, a fylkeskommune, a road authority."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=BodyKind.choices)
    areas = models.ManyToManyField(Area, related_name="bodies", blank=True, verbose_name=_("areas"))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.BOKMAL
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Retention (reports/retention.py): a body may keep its reporters' details for less time
    # than the installation does, never for more.
    keep_contact_years = models.PositiveSmallIntegerField(
        _("years to keep reporters' contact details"),
        null=True,
        blank=True,
        help_text=_(
            "After a report is closed or fixed. Empty: the installation's period. Only a "
            "shorter period than the installation's has an effect."
        ),
    )
    # The body's managers set it in the staff workspace; delivery/inbound.py reads it.
    review_email_replies = models.BooleanField(
        _("e-mailed replies wait for review"),
        default=False,
        help_text=_("Replies by e-mail are public only once a moderator has approved them."),
    )

    objects = BodyQuerySet.as_manager()

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Postcode(models.Model):
    """A Norwegian postcode and the municipality it belongs to (for the offline geocoder)."""

    code = models.CharField(_("postcode"), max_length=4, primary_key=True)
    place = models.CharField(_("place"), max_length=100)
    municipality_code = models.CharField(_("municipality number"), max_length=4, db_index=True)

    class Meta:
        verbose_name = _("postcode")
        verbose_name_plural = _("postcodes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.place}"
