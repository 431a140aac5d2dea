from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from torget.places.geojson import AreaFileError
from torget.site.demo import (
    accounts_table,
    choose_geography,
    default_areas_path,
    default_postcodes_path,
    demo_is_loaded,
    install_demo,
)


class Command(BaseCommand):
    help = (
        "Load demo data: Kongsvinger kommune and its neighbours, Innlandet fylke, their bodies "
        "and categories, postcodes, demo accounts and about 300 reports in every state. "
        "Boundaries come from the official file when it is there, otherwise from a coarse "
        "geography drawn by hand; either way it runs offline. When the demo is already loaded "
        "it only prints the accounts; --reset deletes the demo data and loads it again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--areas",
            type=Path,
            help="GeoJSON of the kommuner (kommunenummer, kommunenavn); default "
            "../shared/data/kommuner-2024.geojson beside the checkout",
        )
        parser.add_argument(
            "--postcodes",
            type=Path,
            help="postcode JSON for import-postcodes; default ../shared/data/postnummer-2026.json",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo's reports, categories, bodies, areas, postcodes and accounts, "
            "then load it again",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_is_loaded() and not options["reset"]:
            self.stdout.write("Demo data already loaded (add --reset to load it again).")
        else:
            try:
                geography = choose_geography(options["areas"] or default_areas_path())
            except AreaFileError as error:
                raise CommandError(str(error)) from error
            install_demo(
                geography,
                reset=options["reset"],
                postcodes_path=options["postcodes"] or default_postcodes_path(),
                say=self.stdout.write,
                # Unwrapped: OutputWrapper would end each of tqdm's redraws with a newline.
                progress=cast(TextIO, self.stderr._out),
            )
            # Fresh statistics, so the query planner picks the right indexes from the start
            # (SQLite has none until ANALYZE runs, and then misjudges the state filters).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(accounts_table())
