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
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import Header
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


def mime_bytes(message: EmailMultiAlternatives) -> bytes | None:
    """The message as it goes over SMTP, or None when it needs the email package: an address
    that is not plain ASCII, or attachments."""
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
    parts = [part("plain", str(message.body))]
    parts += [
        part(mimetype.split("/", 1)[1], str(content)) for content, mimetype in message.alternatives
    ]
    separator = f"\r\n--{boundary}\r\n"
    text = (
        "\r\n".join(headers)
        + "\r\n"
        + separator
        + separator.join(parts)
        + f"\r\n--{boundary}--\r\n"
    )
    return text.encode("ascii")


def is_plain(value: str) -> bool:
    """ASCII with no line breaks: safe to put into a header as it is."""
    return value.isascii() and "\n" not in value and "\r" not in value


def subject_header(subject: str) -> str:
    if is_plain(subject):
        return subject
    # Header splits a long subject into encoded words of the permitted length.
    return Header(subject, "utf-8").encode(linesep="\r\n")


def part(subtype: str, content: str) -> str:
    # base64 is encoded in C; quoted-printable, in Python, took longer than the rest.
    encoded = base64.encodebytes(content.encode("utf-8")).decode("ascii").replace("\n", "\r\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n" + encoded.rstrip("\r\n")
    )


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
        content = mime_bytes(message)
        if content is None or backend.connection is None:
            backend.send_messages([message])
            return
        envelope_from = parseaddr(str(message.from_email))[1]
        backend.connection.sendmail(envelope_from, message.recipients(), content)

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
