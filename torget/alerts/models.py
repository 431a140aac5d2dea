"""Who follows what. For now: people following one report's updates (the reporter from the
moment of confirming). Areas, radii and bodies come with the alerts issue."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubscriptionKind(models.TextChoices):
    REPORT = "report", _("Updates on a report")


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
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(default=timezone.now)

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

    def __str__(self) -> str:
        return f"{self.user} follows {self.kind} {self.report_id or ''}"
