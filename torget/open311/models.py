"""What the Open311 server keeps of its own: the clients' API keys, and how each report filed
through the API arrived.

Reports themselves are ordinary `reports.Report` rows: a request filed here goes through the
same flow as one made on the web. A category's extra questions (Open311 attributes) and the
answers to them belong to reports too (`reports.Question`, `Report.answers`), since the web
form asks them as well.
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_key() -> str:
    return secrets.token_urlsafe(24)


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self) -> "ApiKeyQuerySet":
        return self.filter(active=True)


class ApiKey(models.Model):
    """One client (an app, a newsroom, a body's own system) allowed to file requests."""

    name = models.CharField(_("client name"), max_length=200)
    key = models.CharField(_("key"), max_length=100, unique=True, default=new_key)
    trusted = models.BooleanField(
        _("trusted"),
        default=False,
        help_text=_(
            "Requests from a trusted client are published at once. Anyone else's wait until "
            "the reporter confirms them from the e-mail Torget sends."
        ),
    )
    body = models.ForeignKey(
        "places.Body",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("only for this body"),
        help_text=_("Leave empty to let the client file requests for every body."),
    )
    posts_per_hour = models.PositiveIntegerField(
        _("requests per hour"),
        default=100,
        help_text=_("How many service requests the client may file in an hour."),
    )
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Submission(models.Model):
    """How a report arrived through the API: the client, the token it was given while the
    report waits for confirmation, and what else it sent."""

    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, related_name="open311_submission"
    )
    api_key = models.ForeignKey(
        ApiKey, null=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token)
    media_urls = models.JSONField(default=list, blank=True)
    device_id = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("request filed through Open311")
        verbose_name_plural = _("requests filed through Open311")

    def __str__(self) -> str:
        return f"{self.report_id} ({self.token})"
