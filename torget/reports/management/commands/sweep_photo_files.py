from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from torget.reports.orphan_files import sweep_orphan_files


class Command(BaseCommand):
    help = (
        "Find photo files that no photo row names and that are over an hour old, as a worker "
        "killed while making a photo's sizes leaves them, and with --commit remove them. Looks at "
        "this month's and last month's folders unless --all. Without --commit it only lists "
        "them. `torget worker` does this every hour."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--commit", action="store_true", help="remove the files")
        parser.add_argument(
            "--all", action="store_true", help="look in every month's folder, not the last two"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        orphans = sweep_orphan_files(commit=options["commit"], everything=options["all"])
        for name in orphans:
            self.stdout.write(name)
        verb = "Removed" if options["commit"] else "Would remove (dry run; --commit removes)"
        self.stdout.write(f"{verb} {len(orphans)} photo files without a row.")
