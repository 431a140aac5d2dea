"""The audit log: what staff and administrators did, who did it, when, to what, and the
values before and after. Rows are written by `audit.actions.record` and never changed; the
retention rule removes them after TORGET_AUDIT_KEEP_DAYS.

The people and bodies an entry names are kept as ids with the words they had at the time,
not as foreign keys: the log must outlive an account or a body that is deleted, and this app
sits below accounts and places (tests/test_layers.py).
"""

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    ANSWER = "answer", _("Answer")
    STATE = "state", _("State change")
    ASSIGN = "assign", _("Assignment")
    PRIORITY = "priority", _("Priority")
    NOTE = "note", _("Internal note")
    CATEGORY = "category", _("Category change")
    MODERATION = "moderation", _("Moderation")
    EDIT = "edit", _("Edit")
    TEMPLATE = "template", _("Response template")
    TARGET = "target", _("Targets")
    ADMIN = "admin", _("Change in the admin")
    SIGN_IN = "sign_in", _("Sign-in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Sign-out")
    TWO_FACTOR = "two_factor", _("Two-factor set-up")
    ROLE = "role", _("Role change")
    EXPORT = "export", _("Export of personal data")
    ANONYMISE = "anonymise", _("Anonymisation")


class EntryQuerySet(models.QuerySet["Entry"]):
    def of_body(self, body_id: int) -> "EntryQuerySet":
        return self.filter(body_id=body_id)

    def older_than(self, cutoff: datetime.datetime) -> "EntryQuerySet":
        return self.filter(at__lt=cutoff)


class Entry(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # Who: the account's id and its address at the time; empty for the system or a stranger.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor = models.CharField(_("who"), max_length=320, blank=True)
    # The body the action was taken for, if any: its managers read the entry.
    body_id = models.BigIntegerField(_("body id"), null=True, blank=True)
    body = models.CharField(_("body"), max_length=200, blank=True)
    # The object: "reports.report" and its primary key, and how it read at the time.
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    # The client's address, for sign-ins and failed sign-ins.
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [
            # A manager's page: their body's entries, newest first.
            models.Index(fields=["body_id", "-at"], name="audit_body_at"),
            # A superuser's page (all, newest first) and the retention rule (older than N).
            models.Index(fields=["-at"], name="audit_at"),
            # "What did this person do": the filter by person.
            models.Index(fields=["actor_id", "-at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor or '-'} {self.action} {self.target}"
