from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from torget.lib.geo import is_valid_position
from torget.places.geocoders import get_geocoder


class Command(BaseCommand):
    help = (
        "Find places by text and print one per line as 'lat lon label', or with "
        "--reverse LAT LON print the address at a point. Uses the geocoder chosen by "
        "TORGET_GEOCODER; when it falls back to the offline geocoder the reason is printed on "
        "stderr. Exits with status 1 when nothing is found."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("text", nargs="*", help="address, place name or postcode")
        parser.add_argument(
            "--reverse",
            nargs=2,
            type=float,
            metavar=("LAT", "LON"),
            help="print the address at this point (WGS84) instead of searching",
        )
        parser.add_argument("--limit", type=int, default=10, help="most places to print")

    def handle(self, *args: Any, **options: Any) -> None:
        text = " ".join(options["text"]).strip()
        if options["reverse"] and text:
            raise CommandError("Give either TEXT or --reverse LAT LON, not both.")
        if options["reverse"]:
            self.reverse(*options["reverse"])
        elif text:
            self.search(text, options["limit"])
        else:
            raise CommandError("Give the TEXT to search for, or --reverse LAT LON.")

    def search(self, text: str, limit: int) -> None:
        candidates, notice = get_geocoder().search_with_notice(text, limit)
        self.write_notice(notice)
        if not candidates:
            raise CommandError(f"Nothing found for {text!r}.")
        for candidate in candidates:
            self.stdout.write(f"{candidate.lat:.6f} {candidate.lon:.6f} {candidate.label}")

    def reverse(self, lat: float, lon: float) -> None:
        if not is_valid_position(lat, lon):
            raise CommandError(
                f"{lat}, {lon} is not a position: latitude is -90..90, longitude -180..180."
            )
        address, notice = get_geocoder().reverse_with_notice(lat, lon)
        self.write_notice(notice)
        if address is None:
            raise CommandError(f"No address or area found at {lat}, {lon}.")
        self.stdout.write(f"{address.lat:.6f} {address.lon:.6f} {address.label}")

    def write_notice(self, notice: str) -> None:
        if notice:
            self.stderr.write(self.style.WARNING(notice))
