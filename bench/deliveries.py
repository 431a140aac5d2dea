"""Deliveries: DELIVERIES confirmed reports queued for e-mail to their body, sent by
`torget worker` processes to a local SMTP server until every delivery is recorded as sent.

The SMTP server is aiosmtpd in this process, answering 250 at once. The reports, their
deliveries and the send tasks are inserted in bulk beforehand (the tasks through Django's tasks
API, as `queue_deliveries` does on commit); the clock runs from starting the worker processes
to the last delivery's `sent_at`, so the workers' start-up is included. Each run does 1 worker,
then 2; the figure is the median of the runs.

The baseline is the transport alone: the same messages, rendered beforehand, sent with
`smtplib` in a bare loop over one connection to the same server, in the same run.

Last, the "sent twice" window: WINDOW_SENDS deliveries are sent by one worker whose database
connection notes the moment each mark_sent UPDATE returns (it commits on its own, as
autocommit). The time from the server's 250 to that moment is how long a worker killed at the
wrong moment leaves a delivery that the body has, but Torget does not know it has.

    python -m bench.deliveries --database-url URL [--json-out FILE] [--quick]
"""

import argparse
import email.policy
import json
import logging
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.environment import REPO_DIR, is_postgres_url, recreate_postgres_database, setup_django
from bench.stats import median

DELIVERIES = 10_000
QUICK_DELIVERIES = 1_000
RUNS = 3
QUICK_RUNS = 1
WORKER_COUNTS = (1, 2)
WINDOW_SENDS = 1_000
QUICK_WINDOW_SENDS = 200
BODY_ADDRESS = "postmottak@kongsvinger.example"
POLL_SECONDS = 0.25
# Only to stop a hung run.
DEADLINE_SECONDS = 3600
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.deliveries", description=__doc__)
    parser.add_argument(
        "--database-url",
        required=True,
        help="sqlite:////abs/path or postgres://…/name_with_bench (recreated)",
    )
    parser.add_argument("--json-out", type=Path, help="write the figures to this JSON file")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_DELIVERIES:,} deliveries, one run"
    )
    parser.add_argument("--runs", type=int, help=f"runs (default {RUNS}, {QUICK_RUNS} quick)")
    parser.add_argument("--timed-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.timed_worker:
        run_timed_worker(args.timed_worker)
        return
    if is_postgres_url(args.database_url):
        recreate_postgres_database(args.database_url)
    else:
        remove_sqlite_files(args.database_url)
    setup_django(args.database_url)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    count = QUICK_DELIVERIES if args.quick else DELIVERIES
    window_sends = QUICK_WINDOW_SENDS if args.quick else WINDOW_SENDS
    result = run(args.database_url, count, runs, window_sends)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


def remove_sqlite_files(url: str) -> None:
    """Each run starts from an empty database, as on PostgreSQL."""
    path = Path(url.removeprefix("sqlite://"))
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)


@dataclass
class Inbox:
    """The aiosmtpd handler: notes each message's Message-ID and when it said 250."""

    accepted: list[tuple[bytes, float]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or b""
        match = MESSAGE_ID.search(content.split(b"\r\n\r\n", 1)[0])
        self.accepted.append((match[1] if match else b"", time.time()))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        self.accepted = []


def run(database_url: str, count: int, runs: int, window_sends: int) -> dict[str, Any]:
    from aiosmtpd.controller import Controller
    from django.db import connection

    vendor = connection.vendor
    load_before = os.getloadavg()[0]
    # aiosmtpd logs every command at INFO; the server would spend its time writing them.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        cast = make_cast()
        env = worker_environment(database_url, port)
        queue(cast, window_sends)
        inbox.clear()
        window = window_figures(measure_window(env, inbox))
        print(f"deliveries[{vendor}]: window {window}", flush=True)
        rates = measure_rates(Run(cast, env, port, inbox, count, vendor), runs)
    finally:
        controller.stop()
    baseline = median(rates[0])
    return {
        "vendor": vendor,
        "database_version": database_version(),
        "deliveries": count,
        "runs": runs,
        "baseline_per_s": baseline,
        "baseline_runs": rates[0],
        "workers": [
            {
                "workers": n,
                "per_s": median(rates[n]),
                "runs": rates[n],
                "share_of_baseline": median(rates[n]) / baseline,
            }
            for n in WORKER_COUNTS
        ],
        "window": window,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


@dataclass(frozen=True)
class Run:
    cast: "Cast"
    env: dict[str, str]
    port: int
    inbox: Inbox
    count: int
    vendor: str


def measure_rates(run: Run, runs: int) -> dict[int, list[float]]:
    """Per second, in each run: messages by bare smtplib (key 0), and deliveries by 1 and by 2
    workers."""
    messages: list[tuple[str, list[str], bytes]] = []
    rates: dict[int, list[float]] = {n: [] for n in (0, *WORKER_COUNTS)}
    for number in range(1, runs + 1):
        for workers in WORKER_COUNTS:
            queue(run.cast, run.count)
            messages = messages or render_messages()
            run.inbox.clear()
            rates[workers].append(send_with_workers(run.env, workers, run.count, run.inbox))
            print(
                f"deliveries[{run.vendor}] run {number}: {workers} worker(s) "
                f"{rates[workers][-1]:.1f}/s",
                flush=True,
            )
        run.inbox.clear()
        rates[0].append(send_bare(messages, run.port, run.inbox))
        print(f"deliveries[{run.vendor}] run {number}: bare smtplib {rates[0][-1]:.0f}/s")
    return rates


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Cast:
    body_id: int
    category_id: int
    contact_id: int
    reporter_id: int


def make_cast() -> Cast:
    """Kongsvinger, its pothole category sent by e-mail, and Kari, who reports."""
    from torget.accounts.models import User
    from torget.delivery.models import Contact
    from torget.places.models import Body
    from torget.reports.models import Category

    body = Body.objects.create(name="Kongsvinger kommune", slug="kongsvinger", kind="kommune")
    category = Category.objects.create(
        body=body, slug="hol", name_nb="Hull i veien", name_nn="Hol i vegen", name_en="Potholes"
    )
    contact = Contact.objects.create(category=category, email=BODY_ADDRESS)
    kari = User.objects.create_user("kari@example.org", name="Kari Nordmann", phone="912 34 567")
    return Cast(body.pk, category.pk, contact.pk, kari.pk)


def queue(cast: Cast, count: int) -> None:
    """`count` confirmed reports, each with its delivery and its send task, and nothing else:
    the previous run's reports, deliveries and tasks are removed first."""
    from django.db import connection, transaction
    from django.utils import timezone

    from torget.delivery.models import Delivery, SendMethod
    from torget.delivery.tasks import send_delivery
    from torget.reports.models import Report

    with connection.cursor() as cursor:
        for table in (
            "delivery_delivery",
            "reports_report_bodies",
            "reports_report",
            "django_tasks_database_dbtaskresult",
        ):
            cursor.execute(f"DELETE FROM {table}")
    now = timezone.now()
    with transaction.atomic():
        reports = Report.objects.bulk_create(
            Report(
                lat=60.1905 + n * 1e-6,
                lon=11.9977,
                address="Rådhusplassen 1, Kongsvinger",
                category_id=cast.category_id,
                reporter_id=cast.reporter_id,
                title=f"Djupt hol i vegen nr. {n}",
                detail="Holet ved busstoppet er 20 cm djupt.\nBilar svingar unna.",
                state="open",
                created=now,
                confirmed=now,
            )
            for n in range(count)
        )
        Report.bodies.through.objects.bulk_create(
            Report.bodies.through(report_id=report.pk, body_id=cast.body_id) for report in reports
        )
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                report=report,
                body_id=cast.body_id,
                contact_id=cast.contact_id,
                method=SendMethod.EMAIL,
                created=now,
                next_attempt_at=now,
            )
            for report in reports
        )
        for delivery in deliveries:
            send_delivery.enqueue(delivery.pk)


def render_messages() -> list[tuple[str, list[str], bytes]]:
    """The queued deliveries' e-mails, as the e-mail backend builds them, ready for smtplib."""
    from torget.delivery import emails
    from torget.delivery.inbound import reply_address
    from torget.delivery.models import Delivery

    rendered = []
    deliveries = Delivery.objects.select_related("report__category", "report__reporter", "body")
    for delivery in deliveries.select_related("contact"):
        reply_to = reply_address(delivery.report_id, delivery.body_id)
        message = emails.report_to_body(delivery, reply_to=reply_to)
        message.extra_headers["Message-ID"] = f"<bench-{delivery.pk}@torget.localhost>"
        content = message.message(policy=email.policy.SMTP).as_bytes()
        rendered.append((message.from_email, message.recipients(), content))
    return rendered


def worker_environment(database_url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="torget.settings",
        TORGET_DATABASE_URL=database_url,
        TORGET_EMAIL_URL=f"smtp://127.0.0.1:{port}",
        TORGET_DEBUG="0",
    )
    env.setdefault("TORGET_SECRET_KEY", "benchmark-only-secret-key")
    return env


def send_with_workers(env: dict[str, str], workers: int, count: int, inbox: Inbox) -> float:
    """Deliveries per second from starting `workers` processes to the last `sent_at`."""
    from django.db.models import Max

    from torget.delivery.models import Delivery
    from torget.reports.models import Report

    with tempfile.TemporaryFile() as log:
        command = [sys.executable, "-m", "torget", "worker", "--interval", "0.5"]
        started = time.time()
        processes = [
            subprocess.Popen(command, cwd=REPO_DIR, env=env, stdout=log, stderr=log)
            for _ in range(workers)
        ]
        try:
            wait_for_sent(count, processes, log)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
    last = Delivery.objects.aggregate(last=Max("sent_at"))["last"]
    assert last is not None
    check_received(inbox, count)
    assert Report.objects.count() == count
    return count / (last.timestamp() - started)


def wait_for_sent(count: int, processes: list[subprocess.Popen[bytes]], log: Any) -> None:
    from torget.delivery.models import Delivery, DeliveryState

    deadline = time.monotonic() + DEADLINE_SECONDS
    while Delivery.objects.filter(state=DeliveryState.SENT).count() < count:
        if any(process.poll() is not None for process in processes) or (
            time.monotonic() > deadline
        ):
            log.seek(0)
            sys.exit("A worker stopped, or the run took too long:\n" + log.read().decode()[-3000:])
        time.sleep(POLL_SECONDS)


def check_received(inbox: Inbox, count: int) -> None:
    ids = [message_id for message_id, _at in inbox.accepted]
    if len(ids) != count or len(set(ids)) != count:
        sys.exit(f"The server received {len(ids)} messages, {len(set(ids))} distinct; {count} sent")


def send_bare(messages: list[tuple[str, list[str], bytes]], port: int, inbox: Inbox) -> float:
    """Messages per second, sent one after another over one SMTP connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for sender, recipients, content in messages:
            smtp.sendmail(sender, recipients, content)
    seconds = time.perf_counter() - started
    check_received(inbox, len(messages))
    return len(messages) / seconds


def measure_window(env: dict[str, str], inbox: Inbox) -> list[float]:
    """Milliseconds from the server's 250 to the commit of mark_sent, per delivery."""
    from torget.delivery.models import Delivery

    with tempfile.TemporaryDirectory() as tmp:
        notes_path = Path(tmp) / "commits.json"
        command = [sys.executable, "-m", "bench.deliveries", "--database-url", "-"]
        command += ["--timed-worker", str(notes_path)]
        subprocess.run(command, cwd=REPO_DIR, env=env, check=True)
        committed = {int(pk): at for pk, at in json.loads(notes_path.read_text())}
    message_ids = dict(Delivery.objects.values_list("message_id", "pk"))
    windows = []
    for message_id, accepted_at in inbox.accepted:
        pk = message_ids[message_id.decode()]
        windows.append((committed[pk] - accepted_at) * 1000)
    return windows


def run_timed_worker(notes_path: Path) -> None:
    """`torget worker --once`, noting when each mark_sent UPDATE returned, which in
    autocommit is when it was committed."""
    import django
    from django.core.management import call_command
    from django.db.backends.signals import connection_created

    notes: list[tuple[int, float]] = []

    def note(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.startswith('UPDATE "delivery_delivery" SET "state"') and list(params[:1]) == [
            "sent"
        ]:
            notes.append((int(params[-1]), time.time()))
        return result

    def add_note(sender: Any, connection: Any, **kwargs: Any) -> None:
        # Sent again on every reconnection of the same connection object.
        if note not in connection.execute_wrappers:
            connection.execute_wrappers.append(note)

    connection_created.connect(add_note)
    django.setup()
    call_command("worker", "--once", verbosity=0)
    notes_path.write_text(json.dumps(notes), encoding="utf-8")


def window_figures(windows_ms: list[float]) -> dict[str, float]:
    ordered = sorted(windows_ms)
    return {
        "sends": len(ordered),
        "median_ms": median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max_ms": ordered[-1],
    }


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return str(row[0]).split()[0] if row else ""


if __name__ == "__main__":
    main()
