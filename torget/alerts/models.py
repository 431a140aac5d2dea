"""Who follows what, what they have already been told, and the "is it fixed?" questionnaire.

A Subscription is one person following one thing: a report's updates, new reports within a
radius of a point, in an area, or sent to a body. The last three can be narrowed to
categories and can ask for "fixed" as well as "new". A SentDigest row records each alert e-mail
and the items it told of, so an item is never mailed to the same person twice, however many of
their subscriptions match it and however often the job runs.
"""

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SubscriptionKind(models.TextChoices):
    REPORT = "report", _("Updates on a report")
    RADIUS = "radius", _("New reports near a place")
    AREA = "area", _("New reports in an area")
    BODY = "body", _("New reports sent to a body")


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def live(self) -> "SubscriptionQuerySet":
        """Confirmed and not unsubscribed: the ones the alert job mails."""
        return self.filter(active=True, confirmed__isnull=False)

    def never_confirmed(self, created_before: datetime.datetime) -> "SubscriptionQuerySet":
        """Sign-ups on /alerts (a place, an area, a body) whose confirmation link has
        expired unused: nothing can confirm them any more. A report's follows are left
        alone: they wait for the report's own confirmation."""
        signed_up = [SubscriptionKind.RADIUS, SubscriptionKind.AREA, SubscriptionKind.BODY]
        return self.filter(confirmed__isnull=True, kind__in=signed_up, created__lt=created_before)


class Subscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SubscriptionKind.choices)
    report = models.ForeignKey(
        "reports.Report",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    area = models.ForeignKey(
        "places.Area",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("area"),
    )
    body = models.ForeignKey(
        "places.Body",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("body"),
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    radius = models.PositiveIntegerField(_("radius in metres"), null=True, blank=True)
    # The place as the person found it ("Storgata 1, Kongsvinger"), to name a radius alert.
    label = models.CharField(_("place"), max_length=200, blank=True)
    # Empty means every category.
    categories = models.ManyToManyField(
        "reports.Category", blank=True, related_name="+", verbose_name=_("categories")
    )
    include_new = models.BooleanField(_("new reports"), default=True)
    include_fixed = models.BooleanField(_("reports marked fixed"), default=False)
    # None until the person has proved the address is theirs; only then is anything sent.
    confirmed = models.DateTimeField(_("confirmed"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    objects: ClassVar[SubscriptionQuerySet] = SubscriptionQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "report"],
                condition=models.Q(kind="report"),
                name="subscription_once_per_report",
            )
        ]
        indexes = [
            # The alert job: "live subscriptions of this kind".
            models.Index(fields=["kind", "active"], name="subscription_kind_active"),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.kind}"

    def description(self) -> str:
        """What is followed, in words, in the active language (needs report/area/body)."""
        if self.kind == SubscriptionKind.REPORT and self.report is not None:
            return gettext("Updates on “%(title)s”") % {"title": self.report.title}
        if self.kind == SubscriptionKind.AREA and self.area is not None:
            return gettext("New reports in %(area)s") % {"area": self.area.name}
        if self.kind == SubscriptionKind.BODY and self.body is not None:
            return gettext("New reports sent to %(body)s") % {"body": self.body.name}
        values = {
            "distance": distance_text(self.radius or 0),
            "place": self.label or f"{self.lat or 0:.4f}, {self.lon or 0:.4f}",
        }
        return gettext("New reports within %(distance)s of %(place)s") % values


def distance_text(metres: int) -> str:
    if metres < 1000:
        return gettext("%(metres)d m") % {"metres": metres}
    return gettext("%(km)s km") % {"km": f"{metres / 1000:g}"}


class SentDigestQuerySet(models.QuerySet["SentDigest"]):
    def told(self, user_id: int, key: str, since: datetime.datetime) -> bool:
        """Whether the person was mailed the item `key` at or after `since`."""
        rows = self.filter(user_id=user_id, sent__gte=since).values_list("items", flat=True)
        return any(key in items.split() for items in rows)


class SentDigest(models.Model):
    """One alert e-mail: who got it, in which run, and the items it told of, as keys separated
    by spaces. A key names the event, not the subscription: "new:<report id>",
    "fixed:<report id>:<when, as a Unix time>" (a report can be fixed, reopened and fixed
    again) or "update:<update id>". A run reads the keys of the runs whose windows overlap its
    own, and leaves out what a person was told already.

    One row per e-mail, not per item: a run at 100,000 subscriptions tells 47,000 people of
    1.5 million items, and a row per item took 58 s to write on PostgreSQL. The per-item
    unique constraint that row per item allowed is replaced by the lease (AlertLease): only
    one run writes the log at a time.
    """

    # Checking the foreign key for each row cost time for nothing: Django's on_delete still
    # removes a person's rows, and every row is pruned after a few days anyway.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    sent = models.DateTimeField(default=timezone.now)
    items = models.TextField()

    # Items carry the web server's clock and runs the worker's; a run reads the log from
    # this much before its window, in case the two clocks disagree a little.
    CLOCK_MARGIN = datetime.timedelta(minutes=1)

    objects: ClassVar[SentDigestQuerySet] = SentDigestQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        indexes = [
            # "The rows of the runs that overlap this window", and the pruning.
            models.Index(fields=["sent"], name="sent_digest_sent"),
        ]

    def __str__(self) -> str:
        return f"Alert e-mail to {self.user_id} at {self.sent:%Y-%m-%d %H:%M}"


class AlertRun(models.Model):
    """One run of the alert job. The next run looks at items from the last finished run's
    `until` on (less an overlap, see sending.py), so each run reads only a short window."""

    started = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)
    emails = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # "The last finished run", read at the start of every run.
            models.Index(fields=["-until"], name="alert_run_until"),
        ]

    def __str__(self) -> str:
        return f"Alert run up to {self.until:%Y-%m-%d %H:%M}"


class AlertLease(models.Model):
    """Who may write the alerts' sent log now: one row, held by at most one holder (an alert
    run, or the notice of a body's answer) until `expires`.

    Two runs at once would each mail what the other mails. The worker's cache makes that
    rare (one run per period), and this row makes it impossible: taking and renewing the
    lease is one conditional UPDATE, which both databases apply atomically. A run renews it
    before each batch, so a holder that dies blocks the job for at most LEASE_FOR.
    """

    holder = models.CharField(max_length=64, blank=True)
    expires = models.DateTimeField(null=True, blank=True)

    LEASE_FOR = datetime.timedelta(minutes=5)
    ROW = 1

    def __str__(self) -> str:
        return f"Alert lease held by {self.holder or 'nobody'} until {self.expires}"

    @classmethod
    def take(cls, holder: str) -> bool:
        """Take the lease if nobody holds it, or its holder let it expire."""
        now = timezone.now()
        try:
            with transaction.atomic():
                cls.objects.get_or_create(pk=cls.ROW)
        except IntegrityError:
            pass  # another holder created the row first
        free = models.Q(holder="") | models.Q(expires__lt=now)
        taken = cls.objects.filter(free, pk=cls.ROW).update(
            holder=holder, expires=now + cls.LEASE_FOR
        )
        return taken == 1

    @classmethod
    def renew(cls, holder: str) -> bool:
        """Keep the lease for another LEASE_FOR; False if the holder has lost it."""
        renewed = cls.objects.filter(pk=cls.ROW, holder=holder).update(
            expires=timezone.now() + cls.LEASE_FOR
        )
        return renewed == 1

    @classmethod
    def release(cls, holder: str) -> None:
        cls.objects.filter(pk=cls.ROW, holder=holder).update(holder="", expires=None)


class Answer(models.TextChoices):
    FIXED = "fixed", _("Yes, it has been fixed")
    NOT_FIXED = "not_fixed", _("No, it has not been fixed")
    DONT_KNOW = "dont_know", _("I don't know")


class Questionnaire(models.Model):
    """One "has it been fixed?" question put to a report's reporter, and the answer.

    Kept after answering: the answers feed the statistics, and the time of the last one sent
    decides when the reporter is asked again.
    """

    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="questionnaires"
    )
    sent = models.DateTimeField(_("sent"), default=timezone.now)
    # The report's state when the question was sent: a "no" after a body said "fixed" reopens.
    state_when_sent = models.CharField(_("state when sent"), max_length=20)
    answered = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices, blank=True)
    update = models.ForeignKey(
        "reports.Update",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The update written with the answer, if any."),
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        indexes = [
            models.Index(fields=["report", "-sent"], name="questionnaire_report_sent"),
        ]

    def __str__(self) -> str:
        return f"Questionnaire {self.pk} on report {self.report_id}"
