"""Sending thousands of small messages in one go: the alert digests.

Two things make Django's usual path slow for that, measured with bench/alerts.py:

- Building each message with the email package and flattening it (header folding, address
  parsing) took longer than rendering it. `mime_bytes` writes the same MIME structure
  directly: a plain text part and an HTML alternative, both base64, with ASCII headers and an
  RFC 2047 encoded subject.
- One SMTP connection spends most of its time waiting for the server's reply to each command.
  `Outbox` keeps several connections, each in a thread of its own, so that the server's
  replies are awaited in parallel while the caller renders the next messages.

With a mail backend that is not SMTP (the outbox folder, the console, the test outbox), the
messages go through that backend one at a time, in order, as any other e-mail would.
"""

import base64
import queue
import smtplib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate, make_msgid, parseaddr

from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.utils import DNS_NAME

# Parallel SMTP connections. A mail server handles a few sessions from one client without
# complaint; more than this gained nothing against a local server (bench/alerts.py).
CONNECTIONS = 4
# Messages rendered but not yet handed to a connection: enough to keep every connection busy,
# few enough that a failing server stops the run before much more is claimed.
QUEUED = 64


def mime_bytes(message: EmailMultiAlternatives, *, eight_bit: bool = True) -> bytes | None:
    """The message as it goes over SMTP, or None when it needs the email package: an address
    that is not plain ASCII, or attachments. `eight_bit` is for a server that takes
    8BITMIME (RFC 6152): nearly every one does."""
    to = ", ".join(message.to)
    sender = str(message.from_email)
    if not is_plain(to) or not is_plain(sender) or message.attachments or message.cc:
        return None
    boundary = "=_" + uuid.uuid4().hex
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject_header(str(message.subject))}",
        f"Date: {formatdate(localtime=False)}",
        f"Message-ID: {make_msgid(domain=str(DNS_NAME))}",
        "MIME-Version: 1.0",
    ]
    for name, value in message.extra_headers.items():
        if not is_plain(name) or not is_plain(str(value)):
            return None
        headers.append(f"{name}: {value}")
    headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    parts = [part("plain", str(message.body), eight_bit)]
    parts += [
        part(mimetype.split("/", 1)[1], str(content), eight_bit)
        for content, mimetype in message.alternatives
    ]
    separator = f"\r\n--{boundary}\r\n".encode("ascii")
    return (
        "\r\n".join(headers).encode("ascii")
        + b"\r\n"
        + separator
        + separator.join(parts)
        + f"\r\n--{boundary}--\r\n".encode("ascii")
    )


def is_plain(value: str) -> bool:
    """ASCII with no line breaks: safe to put into a header as it is."""
    return value.isascii() and "\n" not in value and "\r" not in value


# RFC 2047 encoded words for the subject, written here rather than with email.header.Header for
# speed: Header's folding took 50 µs (a short subject) to 0.3 ms (a long one) a message, up to a
# quarter of a minute over a run of 50,000 messages; this takes 1 to 7 µs (timeit).
WORD_START = "=?utf-8?b?"
WORD_END = "?="
# RFC 2047 §2 allows an encoded word of 75 characters; RFC 5322 §2.1.1 asks for lines of at
# most 78. The first word shares its line with "Subject: ", so every word is kept that short.
WORD_LENGTH = min(75, 78 - len("Subject: "))
# Base64 turns each 3 bytes into 4 characters: the bytes that fit in one word.
WORD_BYTES = (WORD_LENGTH - len(WORD_START) - len(WORD_END)) // 4 * 3


def subject_header(subject: str) -> str:
    """The subject as a header value: as it is when plain ASCII, else UTF-8 encoded words, one
    a line. A line break in the subject becomes a space, so it cannot start another header."""
    if is_plain(subject):
        return subject
    flat = subject.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return "\r\n ".join(encoded_word(piece) for piece in utf8_pieces(flat, WORD_BYTES))


def utf8_pieces(text: str, size: int) -> Iterator[bytes]:
    """The text's UTF-8 bytes in pieces of at most `size`, each cut between two characters
    so that every encoded word decodes on its own."""
    data = text.encode("utf-8")
    start = 0
    while start < len(data):
        end = start + size
        # A continuation byte (0b10xxxxxx) at the cut means a character would be split:
        # move the cut back to where that character starts.
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
        yield data[start:end]
        start = end


def encoded_word(piece: bytes) -> str:
    return WORD_START + base64.b64encode(piece).decode("ascii") + WORD_END


# RFC 5321 §4.5.3.1.6: a line of at most 1000 octets with its CRLF.
LONGEST_LINE = 998
# HTML lines are packed to about this many octets: see packed().
PACKED_LINE = 900


def part(subtype: str, content: str, eight_bit: bool) -> bytes:
    """One text part. As it is ("8bit", as Django sends text), when the server takes it and
    no line is too long; else base64, encoded in C (quoted-printable, in Python, took longer
    than the rest of the message)."""
    if eight_bit:
        data = content.encode("utf-8").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = data.split(b"\n")
        if subtype == "html" and "<pre" not in content:
            lines = packed(lines)
        if max(map(len, lines)) <= LONGEST_LINE:
            return part_head(subtype, "8bit") + b"\r\n".join(lines)
    encoded = base64.encodebytes(content.encode("utf-8")).replace(b"\n", b"\r\n")
    return part_head(subtype, "base64") + encoded.rstrip(b"\r\n")


def part_head(subtype: str, encoding: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode("ascii")


def packed(lines: list[bytes]) -> list[bytes]:
    """HTML's lines joined by spaces into lines of up to PACKED_LINE octets. Outside <pre>
    a line break in HTML is a space, so the page reads the same. An SMTP server handles a
    message line by line: the local aiosmtpd in bench/alerts.py spent about 4 µs a line, and
    a digest's HTML went from about 60 lines to 8."""
    joined: list[bytes] = []
    current: list[bytes] = []
    length = 0
    for line in lines:
        if current and length + 1 + len(line) > PACKED_LINE:
            joined.append(b" ".join(current))
            current, length = [], 0
        current.append(line)
        length += len(line) + (1 if length else 0)
    if current:
        joined.append(b" ".join(current))
    return joined


class SendFailed(Exception):
    """The mail server failed in a way that may pass: stop, and try again later."""


@dataclass
class Outcome:
    """What became of the messages handed to an Outbox, by their keys."""

    sent: set[int] = field(default_factory=set)
    refused: set[int] = field(default_factory=set)  # for good (5xx): retrying would not help
    error: Exception | None = None


class Outbox:
    """Sends messages keyed by an id (the person's), in parallel over SMTP when the default
    mailer is Django's SMTP backend. Use as a context manager; `outcome` says what was sent.

    After a failure that may pass (a 4xx, a dropped connection) no further messages are sent:
    `put` raises SendFailed, and the caller gives back what was not sent.
    """

    def __init__(self, connections: int = CONNECTIONS) -> None:
        self.outcome = Outcome()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        first = mailers.default
        self.parallel = isinstance(first, SmtpBackend)
        self.backends: list[BaseEmailBackend] = [first]
        if self.parallel:
            self.backends += [mailers.default for _ in range(connections - 1)]
        self.queue: queue.Queue[tuple[int, EmailMultiAlternatives] | None] = queue.Queue(QUEUED)
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> "Outbox":
        if self.parallel:
            for backend in self.backends:
                thread = threading.Thread(target=self.work, args=(backend,), daemon=True)
                thread.start()
                self.threads.append(thread)
        else:
            self.backends[0].open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.parallel:
            for _ in self.threads:
                self.queue.put(None)
            for thread in self.threads:
                thread.join()
        else:
            self.backends[0].close()

    def put(self, key: int, message: EmailMultiAlternatives) -> None:
        if self.stop.is_set():
            raise SendFailed(str(self.outcome.error))
        if not self.parallel:
            self.send(key, message, lambda: self.backends[0].send_messages([message]))
            return
        # A full queue means the connections are behind; waiting here paces the caller.
        while not self.stop.is_set():
            try:
                self.queue.put((key, message), timeout=0.5)
                return
            except queue.Full:
                continue
        raise SendFailed(str(self.outcome.error))

    def work(self, backend: BaseEmailBackend) -> None:
        assert isinstance(backend, SmtpBackend)
        try:
            backend.open()
        except (smtplib.SMTPException, OSError) as error:
            self.fail(error)
        try:
            while (job := self.queue.get()) is not None:
                if self.stop.is_set():
                    continue  # drain, so that put() and __exit__ never block
                key, message = job
                self.send(key, message, lambda m=message, b=backend: self.transmit(b, m))  # type: ignore[misc]
        finally:
            backend.close()

    def transmit(self, backend: SmtpBackend, message: EmailMultiAlternatives) -> None:
        connection = backend.connection
        if connection is None:
            backend.send_messages([message])
            return
        connection.ehlo_or_helo_if_needed()
        eight_bit = bool(connection.has_extn("8bitmime"))
        content = mime_bytes(message, eight_bit=eight_bit)
        if content is None:
            backend.send_messages([message])
            return
        envelope_from = parseaddr(str(message.from_email))[1]
        options = ["BODY=8BITMIME"] if eight_bit else []
        connection.sendmail(envelope_from, message.recipients(), content, mail_options=options)

    def send(
        self, key: int, message: EmailMultiAlternatives, transmit: Callable[[], object]
    ) -> None:
        try:
            transmit()
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _ in error.recipients.values()):
                with self.lock:
                    self.outcome.refused.add(key)
                return
            self.fail(error)
            return
        except (smtplib.SMTPException, OSError) as error:
            self.fail(error)
            return
        with self.lock:
            self.outcome.sent.add(key)

    def fail(self, error: Exception) -> None:
        with self.lock:
            if self.outcome.error is None:
                self.outcome.error = error
        self.stop.set()
