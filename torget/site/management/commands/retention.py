"""`torget retention`: remove the personal data whose time is up, as the worker does daily."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from torget.lib.progress import progress
from torget.site import retention


class Command(BaseCommand):
    help = (
        "Remove the personal data whose retention period has passed (the periods are "
        "settings; see docs/deploy.md and docs/privacy.md), rule by rule, and print how many rows "
        "each rule removed or emptied. `torget worker` does this every day from 02:00. With "
        "--dry-run nothing changes: the run is rolled back and the counts are what a real "
        "run would act on."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what would be removed, and change nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        commit = not options["dry_run"]
        self.verbosity = options["verbosity"]
        outcomes = retention.run(
            commit=commit,
            each=lambda rules: progress(list(rules), self, desc="Retention", unit="rules"),
        )
        would = "" if commit else "would be "
        for outcome in outcomes:
            rule = outcome.rule
            self.stdout.write(f"{rule.name} ({rule.period()}): {outcome.count} {would}{rule.verb}")
        if not commit:
            self.stdout.write("Dry run: nothing was changed.")
