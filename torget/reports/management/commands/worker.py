from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the background worker: it takes tasks queued through Django's tasks API (such as "
        "sending a report to its body) from the database and runs them, until stopped with "
        "Ctrl+C or SIGTERM, which lets the current task finish. Periodic jobs (retrying failed "
        "deliveries, sending alert digests) will be added here. This wraps django-tasks-db's "
        "db_worker; see `torget db_worker --help` for its other options."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="*",
            help="queues to work on, separated by commas (default: all of them, '*')",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait before looking again when no task is queued (default: 1)",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="run the tasks queued now, then exit (for cron, or a test)",
        )
        parser.add_argument(
            "--max-tasks", type=int, help="exit after running this many tasks (default: no limit)"
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="restart when the code changes (for development)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "db_worker",
            queue_name=options["queue_name"],
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            # db_worker reloads by default when DEBUG is on; under `torget serve` a reloader
            # would be one more process between the supervisor and the worker.
            reload=options["reload"],
            verbosity=options["verbosity"],
        )
