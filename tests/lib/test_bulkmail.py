"""Bulk sending: hand-written MIME that mail readers parse as Django's would, and an outbox
that sends over several SMTP connections, each message once."""

from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from tests.delivery.conftest import mailers, smtp_server
from torget.lib import bulkmail

__all__ = ["mailers", "smtp_server"]

LONG_SUBJECT = "Torget: 12 nye saker du følger i Kongsvinger, Eidskog og Nord-Odal " * 2


def digest(
    to: str = "kari@example.no", subject: str = "Torget: 1 ny sak du følger"
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject,
        "Hei,\n\nHull i vegen på Øvre Langelandsveg.\n" + "Linje med æøå. " * 40,
        "Torget <torget@localhost>",
        [to],
        headers={
            "List-Unsubscribe": "<https://torget.example/alerts/unsubscribe/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative("<p>Hull i vegen på <b>Øvre</b> Langelandsveg</p>", "text/html")
    return message


def put_many(outbox: bulkmail.Outbox, count: int) -> None:
    with outbox:
        for n in range(count):
            outbox.put(n, digest(to=f"person{n}@example.no"))


def parsed(content: bytes):
    return message_from_bytes(content, policy=policy.default)


@pytest.mark.parametrize(
    "subject", ["Plain ASCII subject", "Torget: 1 ny sak du følger", LONG_SUBJECT]
)
def test_the_written_message_reads_back_as_it_was_given(subject):
    given = digest(subject=subject)
    content = bulkmail.mime_bytes(given)
    assert content is not None

    message = parsed(content)
    assert message["Subject"] == subject
    assert message["To"] == "kari@example.no"
    assert message["From"] == "Torget <torget@localhost>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content() == given.body
    assert message.get_body(("html",)).get_content() == given.alternatives[0].content
    assert not message.defects
    # SMTP lines: CRLF only, none longer than RFC 5322's 998.
    assert b"\n" not in content.replace(b"\r\n", b"")
    assert max(len(line) for line in content.split(b"\r\n")) <= 998


@pytest.mark.parametrize(
    ("to", "headers"),
    [
        ("kåre@example.no", {}),
        ("kari@example.no", {"X-Note": "two\r\nlines"}),
        ("kari@example.no", {"X-Note": "særnorsk"}),
    ],
)
def test_what_plain_headers_cannot_carry_is_left_to_the_email_package(to, headers):
    message = digest(to=to)
    message.extra_headers.update(headers)
    assert bulkmail.mime_bytes(message) is None


def test_the_outbox_sends_each_message_once_over_several_connections(mailers):
    with bulkmail.Outbox(connections=3) as outbox:
        for n in range(60):
            outbox.put(n, digest(to=f"person{n}@example.no", subject=f"Torget: nummer {n} før"))

    assert outbox.outcome.sent == set(range(60))
    assert outbox.outcome.error is None
    subjects = sorted(str(message["Subject"]) for message in mailers.messages)
    assert subjects == sorted(f"Torget: nummer {n} før" for n in range(60))
    for message in mailers.messages:
        assert message["To"] == f"person{message['Subject'].split()[2]}@example.no"


def test_a_permanent_refusal_is_noted_and_the_rest_go_on(mailers):
    mailers.refuse("550 No such mailbox")
    with bulkmail.Outbox(connections=2) as outbox:
        for n in range(5):
            outbox.put(n, digest(to=f"person{n}@example.no"))

    assert outbox.outcome.refused == set(range(5))
    assert outbox.outcome.sent == set()
    assert outbox.outcome.error is None


def test_a_refusal_that_may_pass_stops_the_sending(mailers):
    mailers.refuse("451 Try again later")
    outbox = bulkmail.Outbox(connections=2)
    with pytest.raises(bulkmail.SendFailed):
        put_many(outbox, 500)

    assert outbox.outcome.sent == set()
    assert "451" in str(outbox.outcome.error)


def test_a_server_that_is_down_stops_the_sending(mailers):
    mailers.stop()
    outbox = bulkmail.Outbox(connections=2)
    with pytest.raises(bulkmail.SendFailed):
        put_many(outbox, 500)

    assert outbox.outcome.sent == set()
    assert outbox.outcome.error is not None


def test_other_backends_get_the_messages_in_order(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with bulkmail.Outbox() as outbox:
        for n in range(5):
            outbox.put(n, digest(to=f"person{n}@example.no"))

    assert outbox.outcome.sent == set(range(5))
    assert [message.to for message in mail.outbox] == [[f"person{n}@example.no"] for n in range(5)]
