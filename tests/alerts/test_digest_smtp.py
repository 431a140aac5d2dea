"""Alert e-mails as they go over SMTP: composed with Django's mail API (the standard library's
email package), sent over one connection a batch to a real server (aiosmtpd), and what
becomes of a refusal."""

import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.alerts.conftest import ago
from tests.conftest import KONGSVINGER_CENTRE
from tests.delivery.conftest import Inbox
from torget.accounts.models import User
from torget.alerts import sending
from torget.alerts.digest import mime_bytes
from torget.alerts.models import AlertRun, SentDigest, SubscriptionKind
from torget.alerts.sending import SendFailed, send_batch, send_due_alerts
from torget.mail.models import Email, EmailState

LAT, LON = KONGSVINGER_CENTRE
LONG_SUBJECT = "Torget: 12 nye saker du følger i Kongsvinger, Eidskog og Nord-Odal " * 2
# 300 characters of two-byte letters with a four-byte emoji among them.
NORWEGIAN_300 = ("Torget: 3 nye saker du følgjer på Ærøy, i Åsnes og Sør-Odal 🚲 " * 5)[:300]
TEXT = "Hei,\n\nHull i vegen på Øvre Langelandsveg.\n" + "Linje med æøå.\n" * 40
# One line of 200 characters: longer than the 78 an e-mail line should keep to.
HTML = "<p>" + "Hull i vegen på <b>Øvre</b> Langelandsveg. " * 5 + "</p>"


def message(
    to: str = "kari@example.no", subject: str = "Torget: 1 ny sak du følger", text: str = TEXT
) -> EmailMultiAlternatives:
    """Shaped as alerts.digest.digest_message makes them."""
    composed = EmailMultiAlternatives(
        subject,
        text,
        "Torget <torget@localhost>",
        [to],
        headers={
            "List-Unsubscribe": "<https://torget.example/alerts/unsubscribe/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    composed.attach_alternative(HTML, "text/html")
    return composed


def parsed(content: bytes) -> EmailMessage:
    """As a mail server stores it: with the local line ends, which parsing expects."""
    found = message_from_bytes(content.replace(b"\r\n", b"\n"), policy=policy.default)
    assert isinstance(found, EmailMessage)
    return found


def encodings(received: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_subtype(): str(part["Content-Transfer-Encoding"])
        for part in received.iter_parts()
    }


@pytest.mark.parametrize(
    "subject",
    ["Plain ASCII subject", "Torget: 1 ny sak du følger", LONG_SUBJECT, NORWEGIAN_300],
)
def test_a_message_reads_back_over_smtp_as_it_was_composed(mailers, subject):
    given = message(subject=subject)

    outcome = send_batch([(1, given)])

    assert outcome.sent == {1} and outcome.error is None
    [raw] = mailers.inbox.raw
    received = parsed(raw)
    assert received["Subject"] == subject
    assert received["To"] == "kari@example.no"
    assert received["From"] == "Torget <torget@localhost>"
    assert received["List-Unsubscribe"] == "<https://torget.example/alerts/unsubscribe/abc>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Message-ID"] and received["Date"]
    assert received.get_content_type() == "multipart/alternative"
    assert received.get_body(("plain",)).get_content() == TEXT
    assert received.get_body(("html",)).get_content().rstrip("\n") == HTML
    assert not received.defects
    # SMTP lines: CRLF only, none longer than RFC 5322's 998, headers folded to 78.
    assert b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 998
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert max(len(line) for line in head) <= 78


def test_the_body_goes_as_it_is_to_a_server_that_takes_8bitmime(mailers):
    send_batch([(1, message())])

    assert "BODY=8BITMIME" in mailers.inbox.mail_options[0]
    [raw] = mailers.inbox.raw
    assert "Hull i vegen på Øvre Langelandsveg.".encode() in raw
    received = parsed(raw)
    assert encodings(received) == {"plain": "8bit", "html": "8bit"}
    assert received.get_body(("html",)).get_content().rstrip("\n") == HTML


@pytest.mark.django_db
def test_a_server_without_8bitmime_gets_quoted_printable(settings, smtp_server):
    smtp_server.stop()
    smtp_server.eight_bit = False
    smtp_server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port, "timeout": 5},
        }
    }

    assert send_batch([(1, message())]).sent == {1}

    assert not any(option.startswith("BODY=") for option in smtp_server.inbox.mail_options[0])
    [raw] = smtp_server.inbox.raw
    assert raw.isascii()
    received = parsed(raw)
    assert encodings(received) == {"plain": "quoted-printable", "html": "quoted-printable"}
    assert received.get_body(("plain",)).get_content().replace("\r\n", "\n") == TEXT


def test_a_line_too_long_for_smtp_is_encoded_and_reads_back(mailers):
    """RFC 5321 allows 998 octets a line: 600 letters æ are 1,200."""
    text = "Kort linje.\n" + "æ" * 600 + "\n"
    send_batch([(1, message(text=text))])

    [raw] = mailers.inbox.raw
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    received = parsed(raw)
    assert encodings(received)["plain"] in {"quoted-printable", "base64"}
    # Text is CRLF in MIME's canonical form; base64 keeps that.
    assert received.get_body(("plain",)).get_content().replace("\r\n", "\n") == text


# What str.splitlines() ends a line at; the email package refuses a header with any of them.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@settings(deadline=None)
@given(subject=st.text(st.characters(codec="utf-8", exclude_characters=LINE_BREAKS)))
def test_any_subject_on_one_line_reads_back(subject):
    # Whitespace at either end of a header's value is not part of it (RFC 5322 §3.2.2).
    assume(subject == subject.strip())
    given = message(subject=subject)
    # As sent over SMTP, and as Django's mail API writes it for the other backends.
    for content in (
        mime_bytes(given, eight_bit=True, to="kari@example.no"),
        given.message(policy=policy.SMTP).as_bytes(),
    ):
        received = parsed(content)
        assert received["Subject"] == subject
        assert max(len(line) for line in content.split(b"\r\n")) <= 998


@pytest.mark.parametrize(
    "subject",
    ["Torget\nBcc: eve@example.no", "Torget: før\r\nBcc: eve@example.no", "Torget: før\rBcc: x"],
)
@pytest.mark.django_db
def test_a_line_break_in_the_subject_cannot_start_a_header(mailers, subject):
    """The email package refuses it: that one e-mail is refused for good, the others go."""
    outcome = send_batch(
        [(1, message(to="one@example.no", subject=subject)), (2, message(to="two@example.no"))]
    )

    assert outcome.refused == {1}
    assert outcome.sent == {2}
    assert outcome.error is None
    [received] = mailers.messages
    assert received["To"] == "two@example.no"
    assert received["Bcc"] is None


# Whole runs


class Counting(Inbox):
    """Counts the SMTP sessions (one EHLO each), and refuses some addresses for good."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions = 0
        self.unknown: set[str] = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.unknown:
            return "550 5.1.1 No such mailbox"
        return await super().handle_RCPT(server, session, envelope, address, options)


@pytest.fixture
def counting(mailers):
    mailers.stop()
    mailers.inbox = Counting()
    mailers.start()
    return mailers


@pytest.fixture
def five_people(follow, report_at, kongsvinger_category, kongsvinger_area):
    people = [
        User.objects.create_user(f"person{n}@example.org", "correct horse battery")
        for n in range(5)
    ]
    for person in people:
        follow(person, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON, title="Over SMTP")
    return people


@pytest.mark.django_db
def test_each_batch_goes_over_one_connection(monkeypatch, counting, five_people):
    monkeypatch.setattr(sending, "BATCH", 2)

    assert send_due_alerts() == 5

    assert counting.inbox.sessions == 3  # 2, 2 and 1 people
    assert sorted(str(m["To"]) for m in counting.messages) == [p.email for p in five_people]
    received = counting.messages[0]
    assert str(received["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert str(received["Auto-Submitted"]) == "auto-generated"
    assert "Over SMTP" in received.get_body(("plain",)).get_content()
    assert "Over SMTP" in received.get_body(("html",)).get_content()


@pytest.mark.django_db
def test_an_address_refused_for_good_is_not_tried_again_and_the_others_are_sent(
    monkeypatch, counting, five_people, report_at, kongsvinger_category
):
    monkeypatch.setattr(sending, "BATCH", 2)
    counting.inbox.unknown = {five_people[0].email, five_people[3].email}

    assert send_due_alerts() == 3

    assert sorted(str(m["To"]) for m in counting.messages) == sorted(
        person.email for n, person in enumerate(five_people) if n not in (0, 3)
    )
    # Their sent log stays: the next run does not try the same items again.
    assert SentDigest.objects.count() == 5
    counting.inbox.unknown = set()
    assert send_due_alerts() == 0


@pytest.mark.django_db
def test_a_digest_refused_for_good_is_shown_to_staff_as_a_failed_email(
    counting, five_people, admin_client
):
    counting.inbox.unknown = {five_people[0].email}

    assert send_due_alerts() == 4

    [email] = Email.objects.all()
    assert (email.to, email.state) == (five_people[0].email, EmailState.FAILED)
    assert "No such mailbox" in email.last_error
    assert "Over SMTP" in email.text
    page = admin_client.get(reverse("admin:mail_email_changelist"), {"state__exact": "failed"})
    assert five_people[0].email in page.content.decode()


@pytest.mark.django_db
def test_a_server_that_is_down_stops_the_run_and_the_next_run_sends(counting, five_people):
    counting.stop()

    with pytest.raises(SendFailed):
        send_due_alerts()
    assert not SentDigest.objects.exists()

    counting.start()
    assert send_due_alerts() == 5
    assert len(counting.messages) == 5


@pytest.mark.django_db
def test_runs_back_off_while_the_server_keeps_failing(counting, five_people):
    """After one failed run the next tries at once; after two, it waits BACK_OFF, and
    longer after each further failure."""
    counting.stop()
    for _ in range(2):
        with pytest.raises(SendFailed):
            send_due_alerts()
    counting.start()

    assert send_due_alerts() == 0  # backing off: the server is not asked
    assert counting.inbox.sessions == 0

    failed = AlertRun.objects.filter(finished__isnull=True)
    assert failed.count() == 2
    failed.update(started=ago(minutes=16))
    assert send_due_alerts() == 5


@pytest.mark.django_db
def test_the_wait_doubles_with_each_failed_run_up_to_two_hours():
    AlertRun.objects.create(started=ago(hours=10), until=ago(hours=10), finished=ago(hours=10))
    assert sending.retry_at() is None
    waits = []
    for _ in range(7):
        start = ago(minutes=1)
        AlertRun.objects.create(started=start, until=start)
        wait = sending.retry_at()
        waits.append(None if wait is None else (wait - start) // datetime.timedelta(minutes=1))
    assert waits == [None, 15, 30, 60, 120, 120, 120]


@pytest.mark.django_db
def test_other_backends_get_the_digests_too(five_people):
    """The tests' own outbox (locmem), as the demo's outbox folder and the console would."""
    assert send_due_alerts() == 5
    assert sorted(m.to[0] for m in mail.outbox) == [p.email for p in five_people]
