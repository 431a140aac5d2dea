"""A real SMTP server for the delivery tests, and the cast: Kongsvinger's pothole category, sent
by e-mail in nynorsk, and Kari's reports in it."""

import logging
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.conftest import KONGSVINGER_CENTRE
from tests.reports.conftest import (
    eidskog_body,
    fresh_cache,
    kongsvinger_body,
    kongsvinger_category,
    kongsvinger_staff,
)
from torget.delivery.models import Contact, SendMethod
from torget.reports import actions
from torget.reports.models import Category

BODY_ADDRESS = "postmottak@kongsvinger.example"
# The report pages' cast, shared with these tests.
__all__ = [
    "eidskog_body",
    "fresh_cache",
    "kongsvinger_body",
    "kongsvinger_category",
    "kongsvinger_staff",
]


class Inbox:
    """aiosmtpd handler: keeps every message it accepts, or refuses recipients with the
    reply it is given ("451 ..." for a temporary refusal, "550 ..." for a permanent one)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        # Each message's MAIL FROM parameters ("BODY=8BITMIME") and bytes as received.
        self.mail_options: list[list[str]] = []
        self.raw: list[bytes] = []
        self.refusal = ""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if self.refusal:
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.mail_options.append(list(envelope.mail_options))
        self.raw.append(content)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 at a free port, which a test can stop and start again."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None
        # aiosmtpd offers 8BITMIME unless it decodes the data itself.
        self.eight_bit = True

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def start(self) -> None:
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, decode_data=not self.eight_bit
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def refuse(self, reply: str) -> None:
        self.inbox.refusal = reply

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if str(message["To"]) == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(caplog):
    # aiosmtpd logs every SMTP command at INFO; a failing test's output needs none of it.
    caplog.set_level(logging.WARNING, logger="mail.log")
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailers(settings, smtp_server):
    """All of Torget's e-mail goes through the real SMTP server."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port, "timeout": 5},
        }
    }
    return smtp_server


@pytest.fixture
def pothole_category(kongsvinger_body):
    """Named differently in bokmål and nynorsk, to see which language an e-mail is in."""
    return Category.objects.create(
        body=kongsvinger_body,
        slug="hol-i-vegen",
        name_nb="Hull i veien",
        name_nn="Hol i vegen",
        name_en="Potholes",
    )


@pytest.fixture
def email_contact(pothole_category):
    return Contact.objects.create(
        category=pothole_category,
        send_method=SendMethod.EMAIL,
        email=BODY_ADDRESS,
        language="nn",
    )


@pytest.fixture
def kari(citizen):
    citizen.phone = "+47 912 34 567"
    citizen.save(update_fields=["phone"])
    return citizen


@pytest.fixture
def report_pothole(kari, email_contact, django_capture_on_commit_callbacks):
    """Submit a report of Kari's (logged in, so confirmed at once) and run what is queued on
    commit: its delivery to Kongsvinger."""

    def submit(**fields):
        values = {
            "title": "Djupt hol i vegen",
            "detail": "Holet ved busstoppet er 20 cm djupt.\nBilar svingar unna.",
            "photos": [],
            "address": "Rådhusplassen 1, Kongsvinger",
            "show_name": False,
        }
        values.update(fields)
        lat, lon = KONGSVINGER_CENTRE
        reporter = actions.Reporter(user=kari, email=kari.email)
        with django_capture_on_commit_callbacks(execute=True):
            return actions.submit_report(
                reporter=reporter, category=email_contact.category, lat=lat, lon=lon, **values
            )

    return submit
