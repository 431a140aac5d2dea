from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from torget.places.models import Area, Body, Postcode


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    list_display = ["name", "kind", "code", "valid_from", "valid_to"]
    list_filter = ["kind", "valid_to"]
    search_fields = ["name", "code"]
    readonly_fields = ["bounds", "vertex_count", "updated_at"]
    fields = [
        "name",
        "kind",
        "code",
        "valid_from",
        "valid_to",
        "bounds",
        "vertex_count",
        "updated_at",
    ]

    @admin.display(description=_("bounds (W, S, E, N)"))
    def bounds(self, area: Area) -> str:
        return f"{area.min_lon:.4f}, {area.min_lat:.4f}, {area.max_lon:.4f}, {area.max_lat:.4f}"

    @admin.display(description=_("vertices"))
    def vertex_count(self, area: Area) -> int:
        import shapely

        return int(shapely.get_num_coordinates(area.geometry))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Boundaries arrive through `torget import-areas`, which validates them.
        return False


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin[Body]):
    list_display = ["name", "slug", "kind", "language", "email", "active"]
    list_filter = ["kind", "language", "active"]
    search_fields = ["name", "slug", "email"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["areas"]


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin[Postcode]):
    list_display = ["code", "place", "municipality_code"]
    search_fields = ["code", "place"]
