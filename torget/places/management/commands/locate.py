from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from torget.lib.geo import is_valid_position
from torget.places.models import Area, Body


class Command(BaseCommand):
    help = (
        "Print the areas containing a point (kind, code, name) and the bodies responsible "
        "there. Exits with status 1 when the point is outside every area."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("lat", type=float, help="latitude, WGS84 (e.g. 60.1905)")
        parser.add_argument("lon", type=float, help="longitude, WGS84 (e.g. 11.9977)")

    def handle(self, *args: Any, **options: Any) -> None:
        lat, lon = options["lat"], options["lon"]
        if not is_valid_position(lat, lon):
            raise CommandError(
                f"{lat}, {lon} is not a position: latitude is -90..90, longitude -180..180."
            )
        areas = list(Area.objects.covering(lat, lon).order_by("kind", "code"))
        if not areas:
            raise CommandError(f"{lat}, {lon} is outside any area.")
        for area in areas:
            self.stdout.write(f"{area.kind}\t{area.code}\t{area.name}")
        for body in Body.objects.covering(lat, lon).order_by("name"):
            self.stdout.write(f"body\t{body.slug}\t{body.name}")
