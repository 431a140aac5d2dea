"""How each body gets each category's reports (Contact), and the record of getting one report
to one body (Delivery).

A Delivery moves pending → sending → sent, or → retrying (a temporary error; tried again after
a back-off) → ... → sent, or → failed (a permanent error: retrying cannot help). A worker owns
a delivery only while it is `sending` and its claim has not run out; a worker that dies leaves
a claim that runs out, after which the delivery is retried.
"""

import datetime
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from torget.places.models import Language

# Back-off after the n-th failed attempt: 5, 10, 20, 40 minutes, then every hour.
FIRST_RETRY = datetime.timedelta(minutes=5)
LONGEST_RETRY = datetime.timedelta(hours=1)
CLAIM_FOR = datetime.timedelta(minutes=10)
# A report whose photos the worker is still making is sent once they are ready, looked at
# again every PHOTOS_RECHECK, for at most PHOTOS_WAIT from the first time its delivery found
# them pending; then it goes with those that are ready. The body gets a report once, and a
# photo often shows the problem better than words; a photo that never gets made (a worker
# down or swamped) must not hold the report back for longer.
PHOTOS_RECHECK = datetime.timedelta(seconds=30)
PHOTOS_WAIT = datetime.timedelta(minutes=10)


class SendMethod(models.TextChoices):
    EMAIL = "email", _("E-mail")
    OPEN311 = "open311", _("Open311")
    NONE = "none", _("Not sent (the body reads reports on Torget)")


class Contact(models.Model):
    """The channel for one category of one body. Edited in the admin; every version is kept."""

    category = models.OneToOneField(
        "reports.Category", on_delete=models.CASCADE, related_name="contact"
    )
    send_method = models.CharField(
        _("send method"), max_length=10, choices=SendMethod.choices, default=SendMethod.EMAIL
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    endpoint = models.URLField(_("Open311 endpoint"), blank=True)
    service_code = models.CharField(_("Open311 service code"), max_length=100, blank=True)
    api_key = models.CharField(_("Open311 API key"), max_length=200, blank=True)
    jurisdiction = models.CharField(_("Open311 jurisdiction id"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.BOKMAL
    )
    # External status (as the body's system names it) → Torget state, for fetched updates.
    status_map = models.JSONField(_("status mapping"), default=dict, blank=True)
    fetch_updates = models.BooleanField(_("fetch status changes from the endpoint"), default=True)
    accepts_updates = models.BooleanField(_("send citizens' updates to the body"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.category}: {self.get_send_method_display()}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def due(self, now: datetime.datetime | None = None) -> "DeliveryQuerySet":
        """Deliveries a worker should take now, including those whose worker died."""
        now = now or timezone.now()
        waiting = Q(state__in=[DeliveryState.PENDING, DeliveryState.RETRYING])
        waiting &= Q(next_attempt_at__lte=now)
        abandoned = Q(state=DeliveryState.SENDING, claimed_until__lt=now)
        return self.filter(waiting | abandoned)

    def stuck(self, older_than: datetime.timedelta) -> "DeliveryQuerySet":
        """Failed, or still not sent long after the report was confirmed."""
        since = timezone.now() - older_than
        unsent = Q(state__in=[DeliveryState.PENDING, DeliveryState.RETRYING, DeliveryState.SENDING])
        return self.filter(Q(state=DeliveryState.FAILED) | (unsent & Q(created__lt=since)))


class Delivery(models.Model):
    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="deliveries"
    )
    body = models.ForeignKey("places.Body", on_delete=models.PROTECT, related_name="deliveries")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    method = models.CharField(_("send method"), max_length=10, choices=SendMethod.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # A task for this delivery is waiting in the queue; the sweep leaves it alone until then
    # (see queue_due_deliveries). Cleared when a worker claims it.
    queued_until = models.DateTimeField(null=True, blank=True)
    # Set the first time a send found the report's photos still being made: the delivery
    # waits for them until then at most (PHOTOS_WAIT).
    photos_wait_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Recorded before the first send, so a resend after a crash can be recognised.
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    token = models.CharField(_("Open311 token"), max_length=200, blank=True)
    external_id = models.CharField(_("id in the body's system"), max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects: ClassVar[DeliveryQuerySet] = DeliveryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["report", "body"], name="delivery_once_per_body")
        ]
        indexes = [
            # due(): "waiting and due, or claimed by a worker whose claim ran out".
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            # Fetching updates: "the body's system's id for this request".
            models.Index(fields=["body", "external_id"], name="delivery_external_id"),
        ]

    def __str__(self) -> str:
        return f"Report {self.report_id} → {self.body} ({self.state})"

    def claim(self, now: datetime.datetime | None = None, *, message_id: str = "") -> bool:
        """Take the delivery for this worker with one conditional UPDATE, so two workers
        never both send it. Returns False when someone else has it or it is done.

        The UPDATE also requires the attempts this object was read with, so when it succeeds
        the row is exactly this object plus the claim, and nothing needs reading again (nor
        the contact and body fetched with it). A `message_id` given for a delivery that has
        none is recorded in the same statement, before anything is sent.
        """
        now = now or timezone.now()
        claim: dict[str, Any] = {
            "state": DeliveryState.SENDING,
            "claimed_until": now + CLAIM_FOR,
            "attempts": self.attempts + 1,
            "queued_until": None,
        }
        if message_id and not self.message_id:
            claim["message_id"] = message_id
        claimed = (
            Delivery.objects.due(now)
            .filter(pk=self.pk, attempts=self.attempts, message_id=self.message_id)
            .update(**claim)
        )
        if claimed:
            for field, value in claim.items():
                setattr(self, field, value)
        return bool(claimed)

    def wait_for_photos(self, now: datetime.datetime | None = None) -> datetime.datetime | None:
        """Put a delivery whose report has photos still pending off by PHOTOS_RECHECK, unless
        it has waited PHOTOS_WAIT already or is being sent again after a worker died (its
        first try may have gone). Returns when it is due again, or None if it was not put
        off. The sweep queues it again once it is due (queued_until is cleared), so no
        deferred task is needed and none can multiply. One conditional UPDATE, as in
        claim(), so a worker that took the delivery meanwhile is not disturbed."""
        now = now or timezone.now()
        if self.state not in (DeliveryState.PENDING, DeliveryState.RETRYING):
            return None
        until = self.photos_wait_until or now + PHOTOS_WAIT
        if now >= until:
            return None
        later = now + PHOTOS_RECHECK
        put_off = (
            Delivery.objects.due(now)
            .filter(pk=self.pk, attempts=self.attempts, state=self.state)
            .update(next_attempt_at=later, photos_wait_until=until, queued_until=None)
        )
        return later if put_off else None

    def mark_sent(self, external_id: str = "") -> None:
        self.state = DeliveryState.SENT
        self.sent_at = timezone.now()
        self.external_id = external_id or self.external_id
        self.claimed_until = None
        self.last_error = ""
        self.save(update_fields=["state", "sent_at", "external_id", "claimed_until", "last_error"])

    def mark_failed_attempt(self, error: str, *, permanent: bool) -> None:
        self.last_error = error[:2000]
        self.claimed_until = None
        if permanent:
            self.state = DeliveryState.FAILED
        else:
            self.state = DeliveryState.RETRYING
            self.next_attempt_at = timezone.now() + retry_delay(self.attempts)
        self.save(update_fields=["state", "last_error", "claimed_until", "next_attempt_at"])

    def resend(self) -> None:
        """Staff asked for another try: due now, whatever happened before."""
        self.state = DeliveryState.RETRYING
        self.next_attempt_at = timezone.now()
        self.queued_until = None
        self.save(update_fields=["state", "next_attempt_at", "queued_until"])


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after `attempts` failed attempts (1, 2, ...)."""
    exponent = min(max(attempts - 1, 0), 10)
    return min(FIRST_RETRY * 2**exponent, LONGEST_RETRY)
