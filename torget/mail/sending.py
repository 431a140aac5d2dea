"""Sending the outbox: the task for one e-mail just recorded, and the worker's sweep for what
is due (retries, and e-mails whose task was lost).

A sender claims a row with a conditional UPDATE that moves its next attempt past the claim's
end, so two workers (or the task and the sweep) never send the same row at once. A sender that
dies mid-send leaves the row due again once the claim has run out: the e-mail may then go
twice, with the same Message-ID; it is never lost.

The rows of one run go over one SMTP connection (Django's default mailer), opened at the first
row that is claimed. If the connection fails (the server is down or hung up), the run stops:
every other row would wait for the same timeout, and the next sweep tries again.
"""

import datetime
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import mailers
from django.db.models import F
from django.utils import timezone

from torget.lib.smtp import is_about_the_message, is_permanent
from torget.mail.models import Email

log = logging.getLogger(__name__)

# Longer than any one SMTP conversation (Django's SMTP timeout is set in TORGET_EMAIL_URL).
CLAIM_FOR = datetime.timedelta(minutes=10)
# Per sweep; the sweep runs every minute, so a backlog drains at this rate at least.
BATCH = 500
SMTP_ERRORS = (smtplib.SMTPException, OSError, ValueError)


def send_due(now: datetime.datetime | None = None) -> int:
    """Send what is due: the worker's sweep. Returns how many went. `now` is for tests."""
    due = Email.objects.due(now or timezone.now()).order_by("next_attempt")[:BATCH]
    return send_emails(due.values_list("pk", flat=True), now=now)


def send_emails(ids: Iterable[int], *, now: datetime.datetime | None = None) -> int:
    """Claim and send each of these e-mails that is due; returns how many went."""
    connection = mailers.default
    sent = 0
    try:
        for email_id in list(ids):
            email = claim(email_id, now or timezone.now())
            if email is None:
                continue
            try:
                # Opened once, at the first claimed row; open() does nothing when it is open.
                connection.open()
                connection.send_messages([email.as_message()])
            except SMTP_ERRORS as error:
                not_sent(email, error, now or timezone.now())
                if not is_about_the_message(error):
                    break
            else:
                email.mark_sent(now or timezone.now())
                sent += 1
    finally:
        connection.close()
    return sent


def claim(email_id: int, now: datetime.datetime) -> Email | None:
    """The e-mail, if it is due and this sender got it first."""
    claimed = (
        Email.objects.due(now)
        .filter(pk=email_id)
        .update(next_attempt=now + CLAIM_FOR, attempts=F("attempts") + 1)
    )
    return Email.objects.get(pk=email_id) if claimed else None


def not_sent(email: Email, error: BaseException, now: datetime.datetime) -> None:
    permanent = is_permanent(error)
    email.mark_not_sent(describe(error), permanent=permanent, now=now)
    outcome = "failed for good" if permanent else f"will retry after try {email.attempts}"
    log.warning("E-mail %s to %s not sent, %s: %s", email.pk, email.to, outcome, error)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def forget_old(now: datetime.datetime | None = None) -> int:
    """Delete what was sent or given up on more than MAIL_KEEP_DAYS ago."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.MAIL_KEEP_DAYS)
    deleted, _ = Email.objects.done_before(cutoff).delete()
    return deleted
