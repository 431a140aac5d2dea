"""Sending thousands of small messages in one go: the alert digests.

Two things make Django's usual path slow for that, measured with bench/alerts.py:

- Building each message with the email package and flattening it (header folding, address
  parsing) took longer than rendering it. `mime_bytes` writes the same MIME structure
  directly: a plain text part and an HTML alternative, as they are (8bit) or in base64, with
  ASCII headers and an RFC 2047 encoded subject.
- One SMTP connection spends most of its time waiting for the server's reply to each command.
  `Outbox` keeps several connections, each in a thread of its own, so that the server's
  replies are awaited in parallel while the caller renders the next messages. The threads
  run in a process of their own (lib/smtp_sender.py): beside the renderer, in one process,
  they nearly doubled the CPU the run needed.

With a mail backend that is not SMTP (the outbox folder, the console, the test outbox), the
messages go through that backend one at a time, in order, as any other e-mail would.
"""

import base64
import functools
import multiprocessing
import os
import smtplib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate, make_msgid, parseaddr
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.utils import DNS_NAME

from torget.lib import smtp_sender

# Parallel SMTP connections. A mail server handles a few sessions from one client without
# complaint; more than this gained nothing against a local server (bench/alerts.py).
CONNECTIONS = 4
# Messages handed to the sending process at a time: one pipe write for many messages.
BATCH = 16


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
    """Sends messages keyed by an id (the person's), over several SMTP connections at once
    in a process of its own (lib/smtp_sender.py) when the default mailer is Django's SMTP
    backend. Use as a context manager; `outcome` says what was sent.

    After a failure that may pass (a 4xx, a dropped connection, a server that is down) no
    further messages are sent: `put` raises SendFailed, and the caller gives back what was
    not sent.
    """

    def __init__(self, connections: int = CONNECTIONS) -> None:
        self.outcome = Outcome()
        self.connections = connections
        self.backend = mailers.default
        self.parallel = isinstance(self.backend, SmtpBackend)
        self.eight_bit = False
        self.batch: list[smtp_sender.Job] = []
        self.process: BaseProcess | None = None
        self.jobs: Connection | None = None
        self.results: Connection | None = None

    def __enter__(self) -> "Outbox":
        if not self.parallel:
            self.backend.open()
            return self
        assert isinstance(self.backend, SmtpBackend)
        context = multiprocessing.get_context("spawn")
        jobs_out, self.jobs = context.Pipe(duplex=False)
        self.results, results_in = context.Pipe(duplex=False)
        self.process = context.Process(
            target=smtp_sender.serve,
            args=(server_config(self.backend), self.connections, jobs_out, results_in),
            daemon=True,
        )
        self.process.start()
        # The parent keeps only its own ends, so that a child that dies is seen as EOF.
        jobs_out.close()
        results_in.close()
        self.read_ready()
        return self

    def read_ready(self) -> None:
        assert self.results is not None
        assert isinstance(self.backend, SmtpBackend)
        timeout = (self.backend.timeout or 30) + 30
        if not self.results.poll(timeout):
            self.fail(f"the sending process did not start within {timeout} s")
            return
        try:
            _, eight_bit, error = self.results.recv()
        except EOFError:
            self.fail("the sending process stopped")
            return
        self.eight_bit = eight_bit
        if error:
            self.fail(error)

    def __exit__(self, *exc_info: object) -> None:
        if not self.parallel:
            self.backend.close()
            return
        assert self.jobs is not None and self.process is not None
        try:
            self.flush()
            self.jobs.send(None)
        except (OSError, SendFailed) as error:
            # The process died: what it did not report counts as not sent.
            self.fail(smtp_sender.describe(error))
        self.read_results(until_done=True)
        self.process.join(timeout=30)

    def put(self, key: int, message: EmailMultiAlternatives) -> None:
        if self.outcome.error is not None:
            raise SendFailed(str(self.outcome.error))
        if not self.parallel:
            self.send_here(key, message)
            return
        content = mime_bytes(message, eight_bit=self.eight_bit)
        if content is None:
            # Rare (an address that is not ASCII, attachments): Django's backend, here.
            self.send_here(key, message)
            return
        sender = envelope_sender(str(message.from_email))
        self.batch.append((key, sender, message.recipients(), content))
        if len(self.batch) >= BATCH:
            self.flush()
            self.read_results(until_done=False)

    def flush(self) -> None:
        """Hand the batch to the sending process. A full pipe blocks here until the process
        has read on: that paces the caller to the server's speed."""
        if self.batch and self.jobs is not None:
            batch, self.batch = self.batch, []
            try:
                self.jobs.send(batch)
            except OSError as error:
                self.fail(smtp_sender.describe(error))
                raise SendFailed(str(self.outcome.error)) from error

    def read_results(self, *, until_done: bool) -> None:
        assert self.results is not None
        while until_done or self.results.poll():
            try:
                message = self.results.recv()
            except EOFError:
                if until_done and self.outcome.error is None:
                    self.fail("the sending process stopped")
                return
            if message == ("done",):
                return
            for key, status, error in message:
                if status == smtp_sender.SENT:
                    self.outcome.sent.add(key)
                elif status == smtp_sender.REFUSED:
                    self.outcome.refused.add(key)
                else:
                    self.fail(error)

    def send_here(self, key: int, message: EmailMultiAlternatives) -> None:
        """One message through Django's backend, in this process."""
        try:
            self.backend.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _ in error.recipients.values()):
                self.outcome.refused.add(key)
                return
            self.fail(smtp_sender.describe(error))
        except (smtplib.SMTPException, OSError) as error:
            self.fail(smtp_sender.describe(error))
        else:
            self.outcome.sent.add(key)

    def fail(self, error: str) -> None:
        if self.outcome.error is None:
            self.outcome.error = SendFailed(error)


@functools.lru_cache(maxsize=16)
def envelope_sender(from_email: str) -> str:
    """The address in a From header. Every digest of a run has the same From, and parsing
    it took 15 µs a message."""
    return parseaddr(from_email)[1]


def server_config(backend: SmtpBackend) -> smtp_sender.ServerConfig:
    return smtp_sender.ServerConfig(
        host=backend.host,
        port=backend.port,
        username=backend.username or "",
        password=backend.password or "",
        use_tls=bool(backend.use_tls),
        use_ssl=bool(backend.use_ssl),
        timeout=backend.timeout,
        ssl_certfile=os.fsdecode(backend.ssl_certfile) if backend.ssl_certfile else None,
        ssl_keyfile=os.fsdecode(backend.ssl_keyfile) if backend.ssl_keyfile else None,
        local_hostname=DNS_NAME.get_fqdn(),
    )
