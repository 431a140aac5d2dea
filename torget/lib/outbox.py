"""The demo's outbox: every e-mail kept as an .eml file, so a newcomer can read it at
/dev/outbox and click the links in it. Used only with TORGET_EMAIL_URL=outbox:, the demo's
default."""

import uuid
from collections.abc import Sequence
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


def outbox_dir() -> Path:
    return Path(settings.OUTBOX_DIR)


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            # Sortable names: the newest message is the last file.
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
        return len(email_messages)


def read_outbox(limit: int = 50) -> list[tuple[str, ParsedMessage]]:
    """The newest messages first, as (file name, parsed message)."""
    folder = outbox_dir()
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [(path.name, parse(path.read_bytes())) for path in files]


def parse(raw: bytes) -> ParsedMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, ParsedMessage)
    return message
