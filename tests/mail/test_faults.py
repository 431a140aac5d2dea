"""Faults while reports are submitted: a mail server that is down, and a database whose
connections are killed. Whatever happens, each saved report's confirmation e-mail arrives,
once, and a citizen who was shown an error has no report.

These tests speak only of reports, the SMTP server and `torget worker`, not of how the e-mails
are kept meanwhile."""

import random
import threading

import psycopg
import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.test import Client

from tests.mail.conftest import submit_report
from torget.reports.models import Report

REPORTS = 5


def confirmations_to(mailers, number: int) -> list:
    title = f"Gatelys nummer {number} er mørkt"
    return [
        message
        for message in mailers.to(f"person{number}@example.org")
        if title in str(message["Subject"])
    ]


# Committed for real: the worker's task loop closes the connection between tasks, as it
# should, which would end a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_confirmations_asked_for_while_the_mail_server_was_down_arrive_once_it_is_back(
    client, kongsvinger_category, mailers, database_tasks, clock, fresh_cache
):
    mailers.stop()
    for number in range(1, REPORTS + 1):
        assert submit_report(client, kongsvinger_category, number) == 200
    call_command("worker", "--once", verbosity=0)  # every try fails: the server is down

    mailers.start()
    clock.advance(minutes=5)
    call_command("worker", "--once", verbosity=0)
    clock.advance(hours=2)
    call_command("worker", "--once", verbosity=0)

    assert Report.objects.count() == REPORTS
    for number in range(1, REPORTS + 1):
        assert len(confirmations_to(mailers, number)) == 1, f"report {number}"
    assert len(mailers.messages) == REPORTS


class ConnectionKiller:
    """From a connection of its own, ends every other connection to the test database again
    and again, a few milliseconds apart, as a failing database server or network would."""

    def __init__(self) -> None:
        settings = connection.settings_dict
        self.conninfo = psycopg.conninfo.make_conninfo(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"],
            port=settings["PORT"],
        )
        self.stopping = threading.Event()
        self.kills = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.random = random.Random(12)

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as killer:
            while not self.stopping.wait(self.random.uniform(0.05, 0.3)):
                killed = killer.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                self.kills += killed[0] if killed else 0

    def __enter__(self) -> "ConnectionKiller":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()
        connection.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_report_saved_while_connections_are_killed_gets_its_confirmation(
    kongsvinger_category, mailers, database_tasks, fresh_cache
):
    if connection.vendor != "postgresql":
        pytest.skip("kills PostgreSQL's server processes")
    client = Client(raise_request_exception=False)
    statuses: dict[int, int] = {}
    with ConnectionKiller() as killer:
        for number in range(1, 61):
            # As Django's request handler does before each request; the test client leaves
            # it out, to keep a test's transaction open.
            close_old_connections()
            statuses[number] = submit_report(client, kongsvinger_category, number)
    assert killer.kills > 0
    assert set(statuses.values()) <= {200, 500}
    assert 200 in statuses.values(), "some reports got through"
    assert 500 in statuses.values(), "some requests were hit"

    call_command("worker", "--once", verbosity=0)

    saved = {int(title.split()[2]) for title in Report.objects.values_list("title", flat=True)}
    for number, status in statuses.items():
        if status == 500:
            assert number not in saved, f"report {number} saved, but its citizen got a 500"
        else:
            assert number in saved, f"report {number} acknowledged, but not saved"
    for number in saved:
        assert len(confirmations_to(mailers, number)) == 1, f"report {number}"
