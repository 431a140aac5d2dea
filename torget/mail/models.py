"""The outbox: every e-mail Torget sends to a person, kept as a row until it has gone.

A row is written in the same transaction as the change that calls for it (a report, a login
link, a sign-up), already rendered, so that a report is never saved without its confirmation
e-mail and the sender needs to know nothing about reports or alerts. mail/sending.py sends it.
"""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A temporary failure is tried again after a minute, then after twice as long each time, up to
# an hour between tries.
FIRST_RETRY = datetime.timedelta(minutes=1)
LONGEST_RETRY = datetime.timedelta(hours=1)
# Then given up on, after about four days of tries: a mail server down for longer is an outage
# staff know of, and a report's confirmation link has nearly run out by then.
MAX_ATTEMPTS = 100


class EmailState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class EmailQuerySet(models.QuerySet["Email"]):
    def due(self, now: datetime.datetime) -> "EmailQuerySet":
        return self.filter(state=EmailState.PENDING, next_attempt__lte=now)

    def done_before(self, cutoff: datetime.datetime) -> "EmailQuerySet":
        """Sent, or given up on, before `cutoff`: old enough to forget."""
        sent = models.Q(state=EmailState.SENT, sent__lt=cutoff)
        failed = models.Q(state=EmailState.FAILED, last_attempt__lt=cutoff)
        return self.filter(sent | failed)


class Email(models.Model):
    to = models.CharField(_("to"), max_length=320)
    subject = models.TextField(_("subject"))
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    # Extra headers, Message-ID among them, so a copy sent twice can be recognised.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # For a pending row the time it is due; while a sender holds it, the end of its claim.
    next_attempt = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_attempt = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    sent = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        indexes = [
            # The sweep: pending rows whose time has come.
            models.Index(fields=["state", "next_attempt"], name="mail_email_due"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"

    def as_message(self) -> EmailMultiAlternatives:
        headers = dict(self.headers)
        reply_to = headers.pop("Reply-To", "")
        message = EmailMultiAlternatives(
            self.subject,
            self.text,
            headers.pop("From", settings.DEFAULT_FROM_EMAIL),
            [self.to],
            headers=headers,
            reply_to=[reply_to] if reply_to else None,
        )
        if self.html:
            message.attach_alternative(self.html, "text/html")
        return message

    def retry_delay(self) -> datetime.timedelta:
        """After `attempts` tries: 1, 2, 4 ... minutes, then hourly."""
        doublings = min(max(self.attempts - 1, 0), 10)
        return min(FIRST_RETRY * 2**doublings, LONGEST_RETRY)

    def mark_sent(self, now: datetime.datetime) -> None:
        self.state, self.sent, self.last_attempt = EmailState.SENT, now, now
        self.save(update_fields=["state", "sent", "last_attempt"])

    def mark_not_sent(self, error: str, *, permanent: bool, now: datetime.datetime) -> None:
        """A failed try: failed for good when it cannot succeed or has been tried for long
        enough, else due again after the back-off."""
        if permanent or self.attempts >= MAX_ATTEMPTS:
            self.state = EmailState.FAILED
        else:
            self.next_attempt = now + self.retry_delay()
        self.last_attempt, self.last_error = now, error
        self.save(update_fields=["state", "next_attempt", "last_attempt", "last_error"])

    def send_again(self, now: datetime.datetime) -> None:
        """Staff asked for another try (the address was fixed, the server is back): a fresh
        round of retries."""
        self.state, self.next_attempt, self.attempts = EmailState.PENDING, now, 0
        self.save(update_fields=["state", "next_attempt", "attempts"])
