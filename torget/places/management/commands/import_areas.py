import datetime
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from torget.lib.progress import progress
from torget.places.actions import AreaImportPlan, apply_area_import, plan_area_import
from torget.places.geojson import AreaFileError, load_source, parse_features, read_area_features
from torget.places.models import AreaKind


class Command(BaseCommand):
    help = (
        "Import area boundaries (kommuner, fylker, bydeler) from a GeoJSON file or URL. "
        "Without --commit it only reports what it would change. Running it twice changes "
        "nothing the second time; a changed boundary starts a new generation of the area."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("source", metavar="PATH_OR_URL", help="GeoJSON file or http(s) URL")
        parser.add_argument("--kind", required=True, choices=AreaKind.values)
        parser.add_argument("--code-field", required=True, help="property with the official code")
        parser.add_argument("--name-field", required=True, help="property with the name")
        parser.add_argument("--commit", action="store_true", help="write the changes")
        parser.add_argument(
            "--valid-from",
            type=datetime.date.fromisoformat,
            help="date a changed boundary takes effect (YYYY-MM-DD; default today)",
        )
        parser.add_argument(
            "--reject-invalid",
            action="store_true",
            help="refuse invalid geometries instead of repairing them with a warning",
        )
        parser.add_argument(
            "--create-bodies",
            action="store_true",
            help="create a body (kommune or fylkeskommune) for each new area that has none",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["source"]
        try:
            raw_features = parse_features(load_source(source), source)
            self.verbosity = options["verbosity"]
            reading = read_area_features(
                raw_features,
                code_field=options["code_field"],
                name_field=options["name_field"],
                reject_invalid=options["reject_invalid"],
            )
            bar = progress(
                reading, self, desc="Reading areas", unit="areas", total=len(raw_features)
            )
            features = list(bar)
            plan = plan_area_import(features, kind=options["kind"])
        except (AreaFileError, ValueError) as error:
            raise CommandError(str(error)) from error
        for feature in features:
            for warning in feature.warnings:
                self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        self.report(plan, committed=options["commit"])
        if options["commit"]:
            apply_area_import(
                plan, valid_from=options["valid_from"], create_bodies=options["create_bodies"]
            )

    def report(self, plan: AreaImportPlan, *, committed: bool) -> None:
        verb = "" if committed else "would be "
        self.stdout.write(f"{len(plan.created)} {verb}created")
        self.stdout.write(f"{len(plan.reshaped)} {verb}given a new boundary (new generation)")
        self.stdout.write(f"{len(plan.renamed)} {verb}renamed")
        self.stdout.write(f"{len(plan.unchanged)} unchanged")
        if plan.not_in_file:
            codes = ", ".join(area.code for area in plan.not_in_file[:10])
            more = " …" if len(plan.not_in_file) > 10 else ""
            self.stdout.write(
                f"{len(plan.not_in_file)} current {plan.kind} areas are not in the file and "
                f"are left as they are: {codes}{more}"
            )
        if not committed:
            self.stdout.write(
                self.style.NOTICE("Dry run: nothing written. Add --commit to import.")
            )
