"""`torget worker`: the periodic jobs, and the tasks queued through Django's tasks API.

The periodic jobs are those the installed apps list in their `jobs.py` (JOBS); a new app
adds its jobs there, and this command needs no change.

Each cycle runs the periodic jobs that are due, then the queued tasks (at most TASKS_PER_CYCLE,
so a long queue cannot hold the jobs up), then sleeps for --interval if the queue was empty.

Each job runs once per period across all workers: a worker takes a period by adding a key to
Django's cache, and only the worker whose add() succeeded runs it. The default local-memory
cache is private to one process, so with more than one worker process (on one machine or
several), or a worker restarted during the day, the digest can go out twice unless
TORGET_CACHE_URL points at Redis. The other jobs are harmless to run twice.
"""

import datetime
import logging
import os
import signal
import socket
import time
from argparse import ArgumentParser
from importlib import import_module
from types import FrameType
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils import autoreload, timezone
from django.utils.module_loading import module_has_submodule
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from torget.delivery.jobs import FETCH_EVERY, FETCH_UPDATES
from torget.lib.jobs import Job

log = logging.getLogger(__name__)

TASKS_PER_CYCLE = 200
# A job that raised is tried again after this, not at once: its cause (a server that is
# down) rarely goes away within a second, and the log should not fill with the same error.
RETRY_FAILED_JOB = datetime.timedelta(minutes=5)


def installed_jobs() -> list[Job]:
    """The JOBS of every installed app that has a jobs.py, in INSTALLED_APPS order."""
    found: list[Job] = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "jobs"):
            found += import_module(f"{config.name}.jobs").JOBS
    return found


def jobs(fetch_every: datetime.timedelta) -> list[Job]:
    found = installed_jobs()
    return [job.every(fetch_every) if job.name == FETCH_UPDATES else job for job in found]


class Command(BaseCommand):
    help = (
        "Run the background worker until stopped with Ctrl+C or SIGTERM (the task or job under "
        "way finishes first; a second Ctrl+C stops at once). It runs the periodic jobs: every "
        "minute it queues the deliveries that are due (new, retries, and those whose worker "
        "died), sends the e-mails to people that are due (retries, and those whose task was "
        "lost), forgetting those done with more than TORGET_MAIL_KEEP_DAYS ago, and queues "
        "the photos still to be made whose task was lost or whose worker died; every "
        "--fetch-interval minutes it fetches status changes from bodies' Open311 "
        "servers, every 15 minutes it mails local alerts, every hour it asks reporters whether "
        "old reports are fixed and removes photo files that no row names (left by a worker "
        "killed while making a photo) once they are an hour old, and data exports "
        "downloaded or expired; once a day from 02:00 it removes personal data whose "
        "retention period has passed (`torget retention`), from 03:00 it refreshes SQLite's "
        "query statistics, and once a day from 07:00 it mails the digest of "
        "failed and stuck deliveries. In between it runs the tasks queued through Django's "
        "tasks API (such as making a citizen's photo, or sending a report to its body) with "
        "django-tasks-db. With another task backend (RQ, Celery) it runs the periodic jobs "
        "only. Several workers may run at once; share the cache (TORGET_CACHE_URL=redis://...) "
        "so each job runs once per period."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="*",
            help="task queues to work on, separated by commas (default: all of them, '*')",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait before looking again when no task is queued (default: 1)",
        )
        parser.add_argument(
            "--fetch-interval",
            type=float,
            default=FETCH_EVERY.total_seconds() / 60,
            help="minutes between fetches of status changes from bodies (default: 10)",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="run the jobs that are due and every task queued now, then exit (for tests)",
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="restart when the code changes (for development)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet_task_worker_logs(options["verbosity"])
        loop = Loop(
            command=self,
            jobs=jobs(datetime.timedelta(minutes=options["fetch_interval"])),
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            verbosity=options["verbosity"],
        )
        if options["once"]:
            loop.run_cycle(max_tasks=None)
        elif options["reload"]:
            autoreload.run_with_reloader(loop.run)
        else:
            loop.run()


def quiet_task_worker_logs(verbosity: int) -> None:
    """django-tasks-db logs each start and end of its worker, which here is every cycle;
    those lines show from -v 2. The per-task lines (logger django.tasks) follow -v as in
    `torget db_worker`."""
    logging.getLogger("django_tasks_db").setLevel(
        logging.DEBUG if verbosity > 1 else logging.WARNING
    )
    levels = {0: logging.CRITICAL, 1: logging.INFO}
    logging.getLogger("django.tasks").setLevel(levels.get(verbosity, logging.DEBUG))


class Loop:
    def __init__(
        self,
        *,
        command: BaseCommand,
        jobs: list[Job],
        queue_names: list[str],
        interval: float,
        verbosity: int,
    ) -> None:
        self.command = command
        self.verbosity = verbosity
        self.jobs = jobs
        self.queue_names = queue_names
        self.interval = interval
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}"[-64:]
        self.stopping = False
        self.task_worker: Worker | None = None
        self.last_period: dict[str, str] = {}
        self.retry_at: dict[str, datetime.datetime] = {}

    def run(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self.request_stop)
        self.say(f"worker {self.worker_id} started")
        while not self.stopping:
            ran = self.run_cycle(max_tasks=TASKS_PER_CYCLE)
            if ran < TASKS_PER_CYCLE and not self.stopping:
                time.sleep(self.interval)
        self.say(f"worker {self.worker_id} stopped")

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            # Asked twice: die now, as if killed. A delivery being sent is sent again once
            # its claim runs out.
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        self.stopping = True
        if self.task_worker is not None:
            self.task_worker.running = False

    def run_cycle(self, *, max_tasks: int | None) -> int:
        """The jobs that are due, then the queued tasks; returns how many tasks ran."""
        for job in self.jobs:
            if not self.stopping:
                self.run_if_due(job, timezone.now())
        return 0 if self.stopping else self.run_tasks(max_tasks)

    def run_if_due(self, job: Job, now: datetime.datetime) -> None:
        period = job.period_of(now)
        if period is None or self.last_period.get(job.name) == period:
            return
        if now < self.retry_at.get(job.name, now):
            return
        self.last_period[job.name] = period
        key = f"torget-worker:{job.name.replace(' ', '-')}:{period}"
        if not cache.add(key, self.worker_id, timeout=job.period_length.total_seconds()):
            return  # another worker has this period
        try:
            outcome = job.run()
        except Exception:
            log.exception("%s failed; trying again in %s", job.name, RETRY_FAILED_JOB)
            cache.delete(key)
            del self.last_period[job.name]
            self.retry_at[job.name] = now + RETRY_FAILED_JOB
        else:
            self.say(f"{job.name}: {outcome}")

    def run_tasks(self, max_tasks: int | None) -> int:
        # Another backend (RQ, Celery) brings its own workers; this one then only runs jobs.
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            return 0
        # django-tasks-db's Worker is driven directly, not through `call_command("db_worker")`:
        # that command installs signal handlers of its own, which would swallow a stop
        # request that arrives during a task instead of telling this loop.
        self.task_worker = Worker(
            queue_names=self.queue_names,
            interval=self.interval,
            batch=True,  # return once the queue is empty
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        try:
            self.task_worker.run()
            return self.task_worker._run_tasks
        finally:
            self.task_worker = None

    def say(self, line: str) -> None:
        if self.verbosity > 0:
            stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
            self.command.stdout.write(f"{stamp} {line}")
