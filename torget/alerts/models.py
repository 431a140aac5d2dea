"""Who follows what, what they have already been told, and the "is it fixed?" questionnaire.

A Subscription is one person following one thing: a report's updates, new reports within a
radius of a point, in an area, or sent to a body. The last three can be narrowed to
categories and can ask for "fixed" as well as "new". A SentAlert row is written for every item
mailed to a person, so an item is never mailed to the same person twice, however many of their
subscriptions match it and however often the job runs.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
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


class SentAlert(models.Model):
    """One item mailed to one person. `item` names the event, not the subscription:
    "new:<report id>", "fixed:<report id>:<when, as a Unix time>" (a report can be fixed,
    reopened and fixed again) or "update:<update id>"."""

    # A run at 100,000 subscriptions logs about 1.5 million items. Checking two foreign keys
    # for each took a quarter of the logging on PostgreSQL, so the database does not check
    # them: Django's on_delete still removes a person's or a report's rows, and every row is
    # pruned after a few days anyway. The unique constraint, which starts with the user,
    # serves lookups by user, so the user needs no index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    item = models.CharField(max_length=40)
    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    sent = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="sent_alert_once"),
        ]
        indexes = [
            # The alert job's pruning: "rows older than the longest window".
            models.Index(fields=["sent"], name="sent_alert_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.item} to {self.user_id}"


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
