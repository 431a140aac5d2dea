"""What the Open311 server keeps of its own: the clients' API keys, the extra questions a
category asks (Open311 attributes), and how each report filed through the API arrived.

Reports themselves are ordinary `reports.Report` rows: a request filed here goes through the
same flow as one made on the web.
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


class Datatype(models.TextChoices):
    STRING = "string", _("Single line of text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Several lines of text")
    SINGLEVALUELIST = "singlevaluelist", _("One choice from a list")
    MULTIVALUELIST = "multivaluelist", _("Several choices from a list")


LIST_DATATYPES = frozenset({Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST})


class Question(models.Model):
    """An extra question a category asks, published as an attribute of its Open311 service
    definition. For the list datatypes, `values` is a list of {"key": ..., "name": ...}."""

    category = models.ForeignKey(
        "reports.Category",
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("category"),
    )
    code = models.CharField(
        _("code"), max_length=100, help_text=_("What clients send as attribute[code].")
    )
    label = models.CharField(_("question"), max_length=300)
    hint = models.CharField(_("hint"), max_length=300, blank=True)
    datatype = models.CharField(
        _("kind of answer"), max_length=20, choices=Datatype.choices, default=Datatype.STRING
    )
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "1", "name": "Shallow"}, ...].'),
    )
    updated = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("extra question")
        verbose_name_plural = _("extra questions")
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="question_code_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"

    def value_keys(self) -> list[str]:
        return [str(value.get("key", "")) for value in self.values if isinstance(value, dict)]


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Submission(models.Model):
    """How a report arrived through the API: the client, the token it was given while the
    report waits for confirmation, and the answers to the category's questions."""

    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, related_name="open311_submission"
    )
    api_key = models.ForeignKey(
        ApiKey, null=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token)
    attributes = models.JSONField(default=dict, blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    device_id = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("request filed through Open311")
        verbose_name_plural = _("requests filed through Open311")

    def __str__(self) -> str:
        return f"{self.report_id} ({self.token})"
