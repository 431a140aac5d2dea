"""Every write to the outbox: recording an e-mail to send, and staff asking for another try."""

from collections.abc import Iterable
from email.utils import make_msgid
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from torget.mail import tasks
from torget.mail.models import Email, EmailState


def record(message: EmailMessage) -> Email:
    """Keep `message` (one recipient) to be sent once the caller's transaction commits.

    Call it inside the transaction of the change that calls for the e-mail, so that both are
    saved or neither is. A task sends it at once after the commit; if that task is lost (the
    worker or the task queue was down), the worker's sweep sends it within a minute or so.
    """
    email = email_of(message)
    email.save()
    # robust: the commit has happened, so the change stands whatever befalls the task; a
    # failure here must not turn the caller's success into an error page.
    transaction.on_commit(partial(tasks.send_email.enqueue, email.pk), robust=True)
    return email


def record_failed(message: EmailMessage, *, error: str) -> Email:
    """Keep a message that was refused for good when sent by other means (the alert digests
    go out in bulk, not through the outbox), so staff see it beside the others and can send
    it again."""
    email = email_of(message)
    now = timezone.now()
    email.state, email.attempts, email.last_attempt, email.last_error = (
        EmailState.FAILED,
        1,
        now,
        error,
    )
    email.save()
    return email


def email_of(message: EmailMessage) -> Email:
    [to] = message.to
    headers = {name: str(value) for name, value in message.extra_headers.items()}
    # Chosen now and kept, so that a copy sent twice (the server took it, but the worker died
    # before recording so) carries the same Message-ID and can be recognised.
    headers.setdefault("Message-ID", make_msgid(domain=settings.REPLY_EMAIL_DOMAIN))
    if message.from_email != settings.DEFAULT_FROM_EMAIL:
        headers.setdefault("From", message.from_email)
    if message.reply_to:
        headers["Reply-To"] = ", ".join(message.reply_to)
    html = [
        str(content)
        for content, mimetype in getattr(message, "alternatives", [])
        if mimetype == "text/html"
    ]
    return Email(
        to=to,
        subject=str(message.subject),
        text=str(message.body),
        html=html[0] if html else "",
        headers=headers,
    )


@transaction.atomic
def send_again(emails: Iterable[Email]) -> int:
    """Staff's "send again": the e-mails are due now, with a fresh round of retries."""
    now = timezone.now()
    count = 0
    for email in emails:
        email.send_again(now)
        transaction.on_commit(partial(tasks.send_email.enqueue, email.pk), robust=True)
        count += 1
    return count


def forget_address(address: str) -> int:
    """Remove every e-mail to `address`, sent or not: the person was erased, and a message
    still waiting would be to someone Torget no longer knows."""
    return Email.objects.filter(to__iexact=address).delete()[0]
