"""A real SMTP server, a clock the test can move on, and the report form as a citizen fills
it in without logging in (so each report asks for its confirmation by e-mail)."""

import datetime
import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import KONGSVINGER_CENTRE
from tests.delivery.conftest import Inbox, SmtpServer, mailers
from tests.reports.conftest import fresh_cache, kongsvinger_body, kongsvinger_category

__all__ = ["fresh_cache", "kongsvinger_body", "kongsvinger_category", "mailers"]

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class CountingInbox(Inbox):
    """Also counts SMTP sessions, and refuses some addresses while taking the others."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions = 0
        self.refused_addresses: dict[str, str] = {}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.sessions += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refused_addresses:
            return self.refused_addresses[address]
        return await super().handle_RCPT(server, session, envelope, address, options)


@pytest.fixture
def smtp_server(caplog):
    caplog.set_level(logging.WARNING, logger="mail.log")
    server = SmtpServer()
    server.inbox = CountingInbox()
    server.start()
    yield server
    server.stop()


class Clock:
    """timezone.now(), moved on by `advance`: retries fall due without waiting for them."""

    def __init__(self) -> None:
        self.offset = datetime.timedelta(0)

    def advance(self, **delta: float) -> None:
        self.offset += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    real_now = timezone.now
    moved = Clock()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + moved.offset)
    return moved


@pytest.fixture
def database_tasks(settings):
    """Tasks queued in the database and run by `torget worker`, as in production (the suite's
    default runs them at once)."""
    settings.TASKS = DATABASE_TASKS


def report_form(category, number: int) -> dict:
    lat, lon = KONGSVINGER_CENTRE
    return {
        "lat": lat,
        "lon": lon,
        "category": category.pk,
        "title": f"Gatelys nummer {number} er mørkt",
        "detail": "Lyset ved busstoppet har vært mørkt i to uker.",
        "name": f"Person {number}",
        "email": f"person{number}@example.org",
    }


def submit_report(client: Client, category, number: int) -> int:
    """Post the form as citizen number `number`, each from an address of their own (the
    per-address limits are not what is tested); returns the status."""
    response = client.post(
        reverse("reports:new"), report_form(category, number), REMOTE_ADDR=f"10.0.0.{number}"
    )
    return response.status_code
