"""Bulk sending: hand-written MIME that mail readers parse as Django's would, and an outbox
that sends over several SMTP connections, each message once."""

import base64
import contextlib
import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.delivery.conftest import mailers, smtp_server
from torget.lib import bulkmail

__all__ = ["mailers", "smtp_server"]

LONG_SUBJECT = "Torget: 12 nye saker du følger i Kongsvinger, Eidskog og Nord-Odal " * 2
# 300 characters of two-byte letters with a four-byte emoji among them.
NORWEGIAN_300 = ("Torget: 3 nye saker du følgjer på Ærøy, i Åsnes og Sør-Odal 🚲 " * 5)[:300]
ENCODED_WORD = re.compile(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=")


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
    """As a mail server stores it: with the local line ends, which parsing expects."""
    return message_from_bytes(content.replace(b"\r\n", b"\n"), policy=policy.default)


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


def decoded(value: str) -> str:
    return str(make_header(decode_header(value)))


def check_encoded(value: str) -> None:
    """Encoded words of RFC 2047's length, each whole UTF-8, folded onto short lines."""
    lines = value.split("\r\n")
    assert "\r" not in "".join(lines)
    assert "\n" not in "".join(lines)
    assert all(line.startswith(" ") for line in lines[1:])  # folded, not a header of its own
    assert max(len(line) for line in ["Subject: " + lines[0], *lines[1:]]) <= 78
    words = [word.strip() for word in lines]
    for word in words:
        match = ENCODED_WORD.fullmatch(word)
        assert match, word
        assert len(word) <= 75
        base64.b64decode(match[1], validate=True).decode("utf-8")  # no character cut in two


@pytest.mark.parametrize(
    "subject",
    ["Torget: 3 nye saker du følgjer", "Æ", "Sjå kva som skjer på Øvre Åsen 🚲", NORWEGIAN_300],
)
def test_a_subject_that_is_not_ascii_is_encoded_and_reads_back(subject):
    value = bulkmail.subject_header(subject)

    check_encoded(value)
    assert decoded(value) == subject


def test_the_longest_subjects_are_spread_over_several_words():
    assert len(NORWEGIAN_300) == 300
    value = bulkmail.subject_header(NORWEGIAN_300)
    assert value.count("\r\n ") >= 8
    check_encoded(value)


@pytest.mark.parametrize("letter", ["a", "ø", "€", "🚲"])
def test_words_are_cut_between_characters_of_any_length(letter):
    for count in range(1, 60):
        subject = "ø" + letter * count
        value = bulkmail.subject_header(subject)
        check_encoded(value)
        assert decoded(value) == subject


def test_a_plain_ascii_subject_is_left_as_it_is():
    assert bulkmail.subject_header("Torget: 3 new reports") == "Torget: 3 new reports"
    assert bulkmail.subject_header("") == ""


@pytest.mark.parametrize(
    ("subject", "flattened"),
    [
        ("Torget\nBcc: eve@example.no", "Torget Bcc: eve@example.no"),
        ("Torget: før\r\nBcc: eve@example.no", "Torget: før Bcc: eve@example.no"),
        ("Torget: før\rBcc: eve@example.no\n\n", "Torget: før Bcc: eve@example.no  "),
    ],
)
def test_a_line_break_in_the_subject_cannot_start_a_header(subject, flattened):
    value = bulkmail.subject_header(subject)
    check_encoded(value)
    assert decoded(value) == flattened

    content = bulkmail.mime_bytes(digest(subject=subject))
    assert content is not None
    message = parsed(content)
    assert message["Subject"] == flattened
    assert message["Bcc"] is None
    assert not message.defects


@pytest.mark.parametrize("subject", ["Torget: 3 nye saker du følgjer", NORWEGIAN_300])
def test_a_whole_message_gives_back_the_subject(subject):
    content = bulkmail.mime_bytes(digest(subject=subject))
    assert content is not None

    assert parsed(content)["Subject"] == subject
    lines = content.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    first = next(n for n, line in enumerate(lines) if line.startswith(b"Subject: "))
    folded = [lines[first]]
    while lines[first + len(folded)].startswith(b" "):
        folded.append(lines[first + len(folded)])
    assert max(len(line) for line in folded) <= 78
    assert bulkmail.subject_header(subject) == b"\r\n".join(folded)[len("Subject: ") :].decode()


@given(subject=st.text())
def test_any_subject_reads_back(subject):
    assume(not bulkmail.is_plain(subject))
    value = bulkmail.subject_header(subject)

    check_encoded(value)
    assert decoded(value) == subject.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


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
    # Whether a put() raises already depends on how soon the sending process reports the
    # refusal: on a busy machine all 500 may be handed over first. What must hold is that
    # nothing is sent, that the outcome says why, and that the outbox takes no more.
    with contextlib.suppress(bulkmail.SendFailed):
        put_many(outbox, 500)

    assert outbox.outcome.sent == set()
    assert "451" in str(outbox.outcome.error)
    with pytest.raises(bulkmail.SendFailed):
        outbox.put(500, digest(to="late@example.no"))


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


# The body as it is (8bit), or base64


def parts_of(content: bytes) -> dict[str, tuple[str, bytes]]:
    """Each part's Content-Transfer-Encoding and body, by its subtype, as sent."""
    message = message_from_bytes(content, policy=policy.SMTP)
    found = {}
    for sub in message.iter_parts():
        raw = sub.as_bytes(policy=policy.SMTP)
        found[sub.get_content_subtype()] = (str(sub["Content-Transfer-Encoding"]), raw)
    return found


def test_the_body_goes_as_it_is_to_a_server_that_takes_8bitmime(mailers):
    given = digest()
    with bulkmail.Outbox(connections=1) as outbox:
        outbox.put(1, given)

    assert outbox.outcome.sent == {1}
    assert "BODY=8BITMIME" in mailers.inbox.mail_options[0]
    raw = mailers.inbox.raw[0]
    assert "Hull i vegen på Øvre Langelandsveg.".encode() in raw
    encodings = {subtype: cte for subtype, (cte, _) in parts_of(raw).items()}
    assert encodings == {"plain": "8bit", "html": "8bit"}
    [message] = mailers.messages
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == given.body


def test_a_server_without_8bitmime_gets_base64(settings, smtp_server):
    smtp_server.stop()
    smtp_server.eight_bit = False
    smtp_server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port, "timeout": 5},
        }
    }
    given = digest()
    with bulkmail.Outbox(connections=1) as outbox:
        outbox.put(1, given)

    assert outbox.outcome.sent == {1}
    assert not any(option.startswith("BODY=") for option in smtp_server.inbox.mail_options[0])
    raw = smtp_server.inbox.raw[0]
    assert raw.isascii()
    encodings = {subtype: cte for subtype, (cte, _) in parts_of(raw).items()}
    assert encodings == {"plain": "base64", "html": "base64"}
    [message] = smtp_server.messages
    assert message.get_body(("plain",)).get_content() == given.body


def test_a_line_too_long_for_smtp_sends_its_part_in_base64():
    """RFC 5321 allows 998 octets a line: 600 letters æ are 1,200."""
    given = digest()
    given.body = "Kort linje.\n" + "æ" * 600 + "\n"
    content = bulkmail.mime_bytes(given)
    assert content is not None

    encodings = {subtype: cte for subtype, (cte, _) in parts_of(content).items()}
    assert encodings == {"plain": "base64", "html": "8bit"}
    assert max(len(line) for line in content.split(b"\r\n")) <= 998
    assert parsed(content).get_body(("plain",)).get_content() == given.body


def test_html_lines_are_packed_and_read_the_same():
    given = digest()
    html = "<ul>\n" + "\n".join(f"<li><a href='/r/{n}'>Sak nr. {n}</a></li>" for n in range(200))
    given.alternatives = []
    given.attach_alternative(html + "\n</ul>", "text/html")
    content = bulkmail.mime_bytes(given)
    assert content is not None

    _, raw = parts_of(content)["html"]
    lines = raw.split(b"\r\n")
    assert len(lines) < 30
    assert max(len(line) for line in lines) <= bulkmail.PACKED_LINE
    read = parsed(content).get_body(("html",)).get_content()
    assert read.split() == (html + "\n</ul>").split()


def test_html_with_pre_keeps_its_lines():
    """Inside <pre> a line break is not a space."""
    given = digest()
    html = "<pre>\nfirst\nsecond\n</pre>"
    given.alternatives = []
    given.attach_alternative(html, "text/html")
    content = bulkmail.mime_bytes(given)
    assert content is not None

    assert parsed(content).get_body(("html",)).get_content() == html


def test_a_sending_process_that_dies_stops_the_sending(mailers):
    """The SMTP conversations run in a process of their own; if it is killed, the caller is
    told, and nothing it did not report counts as sent."""
    outbox = bulkmail.Outbox(connections=2)

    def kill_then_send() -> None:
        with outbox:
            assert outbox.process is not None
            outbox.process.kill()
            outbox.process.join()
            for n in range(200):
                outbox.put(n, digest(to=f"person{n}@example.no"))

    with pytest.raises(bulkmail.SendFailed):
        kill_then_send()

    assert outbox.outcome.error is not None
    assert outbox.outcome.sent == set()
    assert mailers.messages == []


def test_the_sending_process_is_gone_after_the_outbox_closes(mailers):
    with bulkmail.Outbox(connections=2) as outbox:
        outbox.put(1, digest())

    assert outbox.outcome.sent == {1}
    assert outbox.process is not None and not outbox.process.is_alive()
    assert outbox.process.exitcode == 0
