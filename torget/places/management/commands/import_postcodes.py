import json
import re
from argparse import ArgumentParser
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from torget.lib.progress import progress
from torget.places.geojson import AreaFileError, load_source
from torget.places.models import Postcode

# ASCII digits only: \d would also accept Arabic-Indic and other Unicode digits.
FOUR_DIGITS = re.compile(r"[0-9]{4}")
FIELDS = ("code", "place", "id")
PLACE_MAX_LENGTH = Postcode._meta.get_field("place").max_length or 100
BATCH_SIZE = 500


@dataclass
class PostcodePlan:
    new: list[Postcode] = field(default_factory=list)
    changed: list[Postcode] = field(default_factory=list)
    unchanged: int = 0
    not_in_file: int = 0


class Command(BaseCommand):
    help = (
        "Import Norwegian postcodes from a JSON file or URL: a list of objects with code "
        '(the postcode, "0150"), place (the poststed) and id (the kommunenummer). '
        "Without --commit it only reports what it would change. Running it twice changes "
        "nothing the second time; postcodes missing from the file are left as they are."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("source", metavar="PATH_OR_URL", help="JSON file or http(s) URL")
        parser.add_argument("--commit", action="store_true", help="write the changes")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["source"]
        try:
            raw = load_source(source)
        except AreaFileError as error:
            raise CommandError(str(error)) from error
        entries = read_entries(raw, source)
        self.verbosity = options["verbosity"]
        bar = progress(entries, self, desc="Reading postcodes", unit="postcodes")
        postcodes = [postcode_from(index, entry) for index, entry in enumerate(bar, start=1)]
        plan = plan_postcode_import(postcodes)
        if options["commit"]:
            apply_postcode_import(plan)
        self.report(plan, committed=options["commit"])

    def report(self, plan: PostcodePlan, *, committed: bool) -> None:
        counts = f"{len(plan.new)} new, {len(plan.changed)} changed, {plan.unchanged} unchanged"
        self.stdout.write(f"{counts}: imported." if committed else f"{counts}.")
        if plan.not_in_file:
            self.stdout.write(f"{plan.not_in_file} in the database but not in the file, kept.")
        if not committed:
            self.stdout.write(
                self.style.NOTICE("Dry run: nothing written. Add --commit to import.")
            )


def read_entries(raw: bytes, source: str) -> list[Any]:
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CommandError(f"{source} is not valid JSON ({error}).") from None
    if not isinstance(document, list):
        raise CommandError(
            f"{source} should hold a JSON list of postcodes, found {type(document).__name__}."
        )
    return document


def postcode_from(index: int, entry: Any) -> Postcode:
    """A Postcode from entry number `index` (counting from 1), or a CommandError naming it."""
    if not isinstance(entry, dict):
        raise CommandError(f"Entry {index} is not an object: {entry!r}.")
    for name in FIELDS:
        if name not in entry:
            raise CommandError(f"Entry {index} has no {name!r} field: {entry!r}.")
    code, place, municipality = entry["code"], entry["place"], entry["id"]
    # Codes must arrive as strings: as JSON numbers, 0150 would already have become 150.
    if not isinstance(code, str) or not FOUR_DIGITS.fullmatch(code):
        raise CommandError(f"Entry {index}: code {code!r} is not a postcode of 4 digits.")
    if not isinstance(municipality, str) or not FOUR_DIGITS.fullmatch(municipality):
        raise CommandError(
            f"Entry {index}: id {municipality!r} is not a kommunenummer of 4 digits."
        )
    if not isinstance(place, str) or not place.strip() or len(place) > PLACE_MAX_LENGTH:
        raise CommandError(f"Entry {index}: place {place!r} is not a place name.")
    return Postcode(code=code, place=place.strip(), municipality_code=municipality)


def plan_postcode_import(postcodes: list[Postcode]) -> PostcodePlan:
    existing = {postcode.code: postcode for postcode in Postcode.objects.all()}
    plan = PostcodePlan(not_in_file=len(existing.keys() - {p.code for p in postcodes}))
    seen: set[str] = set()
    for postcode in postcodes:
        if postcode.code in seen:
            raise CommandError(f"Postcode {postcode.code} appears more than once in the file.")
        seen.add(postcode.code)
        old = existing.get(postcode.code)
        if old is None:
            plan.new.append(postcode)
        elif (old.place, old.municipality_code) != (postcode.place, postcode.municipality_code):
            plan.changed.append(postcode)
        else:
            plan.unchanged += 1
    return plan


@transaction.atomic
def apply_postcode_import(plan: PostcodePlan) -> None:
    Postcode.objects.bulk_create(plan.new, batch_size=BATCH_SIZE)
    Postcode.objects.bulk_update(
        plan.changed, ["place", "municipality_code"], batch_size=BATCH_SIZE
    )
