"""`torget worker`: its cycle in-process, and a real worker process killed with SIGKILL in the
middle of a batch, on SQLite and on PostgreSQL."""

import asyncio
import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.core.management import call_command

from tests.delivery.conftest import BODY_ADDRESS, Inbox, SmtpServer
from torget.delivery.models import Delivery, DeliveryState

ROOT = Path(__file__).resolve().parents[2]
REPORTS = 300
KILL_AT = 100
# A real mail server takes a while over each message it has (it writes it to its queue) before
# it says 250.
SMTP_DELAY = 0.02
# Only to stop a hung test; nothing is asserted about how long anything takes.
DEADLINE = 120
DEFAULT_FETCH = datetime.timedelta(minutes=10)


@pytest.mark.django_db
def test_one_cycle_sends_what_is_due_and_prints_a_line_per_job(mailers, report_pothole, capsys):
    """A delivery whose retry time has come is queued by the every-minute job and sent."""
    mailers.stop()
    report = report_pothole()
    delivery = Delivery.objects.get(report=report)
    assert delivery.state == DeliveryState.RETRYING
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created)
    mailers.start()

    call_command("worker", "--once")

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert len(mailers.to(BODY_ADDRESS)) == 1
    out = capsys.readouterr().out
    assert "deliveries due: queued 1 due deliveries" in out
    assert "updates fetched from bodies' systems" in out


class SlowInbox(Inbox):
    """Keeps each message, then takes SMTP_DELAY before it answers 250. At message number
    KILL_AT it has the message but holds its answer until the test lets go: a worker killed
    then is inside the window, with the report delivered but not recorded as sent."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.let_go = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == KILL_AT:
            self.holding.set()
            while not self.let_go.is_set():
                await asyncio.sleep(0.01)
        await asyncio.sleep(SMTP_DELAY)
        return answer


@pytest.fixture
def slow_smtp_server():
    server = SmtpServer()
    server.inbox = SlowInbox()
    server.start()
    yield server
    server.stop()


class ScratchDatabase:
    """A database of its own for worker processes, reached here with plain SQL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def execute(self, sql: str) -> list[tuple]:
        if self.url.startswith("sqlite:"):
            path = urlparse(self.url).path
            with closing(sqlite3.connect(path, timeout=20)) as conn:
                rows = conn.execute(sql).fetchall()
                conn.commit()
                return rows
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def deliveries(self, state: str) -> int:
        counts = self.execute("SELECT state, count(*) FROM delivery_delivery GROUP BY state")
        return int(dict(counts).get(state, 0))


def postgres_url(name: str) -> str:
    base = os.environ.get("TORGET_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def maintenance(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_database(request, tmp_path):
    if request.param == "sqlite":
        yield ScratchDatabase(f"sqlite:///{tmp_path}/worker.sqlite3")
        return
    import psycopg

    url = postgres_url(f"torget_killtest_{os.getpid()}")
    name = urlparse(url).path.lstrip("/")
    try:
        admin = psycopg.connect(maintenance(url), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip(f"PostgreSQL at {maintenance(url)} cannot be reached")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        # The test kills the worker, not the database server, so commits need not wait for
        # the disk; without this each of a delivery's commits waits for an fsync.
        admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        yield ScratchDatabase(url)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Run in a process of its own with the worker's settings: Kongsvinger's e-mail contact and
# REPORTS confirmed reports, each with its delivery and its send task queued in the database.
SETUP = """
import sys
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from torget.accounts.models import User
from torget.delivery.models import Contact
from torget.places.models import Body
from torget.reports import actions
from torget.reports.models import Category
body = Body.objects.create(name="Kongsvinger kommune", slug="kongsvinger", kind="kommune")
category = Category.objects.create(
    body=body, slug="hol", name_nb="Hull i veien", name_nn="Hol i vegen", name_en="Potholes"
)
Contact.objects.create(category=category, email=sys.argv[2])
kari = User.objects.create_user("kari@example.org", name="Kari Nordmann")
reporter = actions.Reporter(user=kari, email=kari.email)
# One transaction: the send tasks are queued together when it commits.
with transaction.atomic():
    for n in range(int(sys.argv[1])):
        actions.submit_report(
            reporter=reporter, category=category, lat=60.19, lon=12.0, title=f"Hol nr. {n}",
            detail="Djupt hol i vegen.", show_name=False, photos=[],
        )
"""


def worker_environment(database_url: str, smtp_port: int, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="torget.settings",
        TORGET_DATABASE_URL=database_url,
        TORGET_EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        TORGET_SECRET_KEY="worker-test-secret-key",
        TORGET_DEBUG="0",
        TORGET_DATA_DIR=str(data_dir),
    )
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "torget", "worker", "--interval", "0.1"]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)


def wait_until(condition: Callable[[], bool], worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert worker.poll() is None, f"the worker stopped:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"gave up waiting:\n{log.read_text()[-3000:]}"
        time.sleep(0.01)


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_what_was_in_flight(
    scratch_database, slow_smtp_server, tmp_path
):
    """SIGKILL leaves the delivery being sent in `sending`, claimed for ten minutes
    (CLAIM_FOR); the task that was running stays `RUNNING` in django-tasks-db for ever. After
    the claim runs out, the next worker's every-minute job queues the delivery again. The test
    does not wait ten minutes: it moves the claims of the `sending` rows into the past, as
    time would. The kill lands while the server has the 100th report but has not yet said 250,
    so that report is received twice, with the same Message-ID; a report can only be repeated
    if it was `sending` at the kill, so the repeats are at most those."""
    db, server, log = scratch_database, slow_smtp_server, tmp_path / "worker.log"
    env = worker_environment(db.url, server.port, tmp_path)
    subprocess.run(
        [sys.executable, "-c", SETUP, str(REPORTS), BODY_ADDRESS], cwd=ROOT, env=env, check=True
    )
    assert db.deliveries("pending") == REPORTS

    first = start_worker(env, log)
    wait_until(server.inbox.holding.is_set, first, log)
    first.send_signal(signal.SIGKILL)
    first.wait()
    server.inbox.let_go.set()
    in_flight = db.deliveries("sending")
    sent_at_kill = db.deliveries("sent")
    db.execute(
        "UPDATE delivery_delivery SET claimed_until = '2000-01-01 00:00:00' WHERE state = 'sending'"
    )

    second = start_worker(env, log)
    wait_until(lambda: db.deliveries("sent") == REPORTS, second, log)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=DEADLINE) == 0, log.read_text()[-3000:]

    received = Counter(int(message["X-Torget-Report"]) for message in server.messages)
    duplicates = sum(received.values()) - len(received)
    print(
        f"\n[{db.url.split(':')[0]}] sent={REPORTS} received={sum(received.values())} "
        f"duplicates={duplicates} in-flight-at-kill={in_flight} sent-at-kill={sent_at_kill}"
    )
    report_ids = {row[0] for row in db.execute("SELECT id FROM reports_report")}
    assert set(received) == report_ids
    assert duplicates <= in_flight
    for report_id in [report_id for report_id, n in received.items() if n > 1]:
        copies = [m for m in server.messages if int(m["X-Torget-Report"]) == report_id]
        assert len({m["Message-ID"] for m in copies}) == 1, "a repeat keeps its Message-ID"
    assert db.deliveries("failed") == 0


@pytest.mark.django_db
def test_the_statistics_job_refreshes_sqlites_statistics_and_leaves_postgresql_alone():
    from django.db import connection

    from torget.site.jobs import refresh_statistics
    from torget.site.management.commands.worker import jobs

    assert "database statistics" in [job.name for job in jobs(fetch_every=DEFAULT_FETCH)]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
            cursor.execute("ANALYZE")
            cursor.execute("DELETE FROM sqlite_stat1")
        assert refresh_statistics() == "SQLite statistics refreshed"
    else:
        assert refresh_statistics() == "nothing to do on postgresql"
