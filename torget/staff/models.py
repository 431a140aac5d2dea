"""How a body handles the reports it has: who has one, how urgent it is, what staff noted
among themselves, and the body's own priorities, answer templates and staff's saved filters.

Why these live here and not on `reports.Report`:

- A report can be with several bodies at once (a category change sends it on, and the first
  body keeps it). Each body assigns its own staff and ranks it by its own priorities, so the
  handling is one row per report *and body* (`Handling`), not a field on the report.
- Internal notes must never reach a public page, feed, GeoJSON, export or the Open311 API.
  Everything public is built by `reports`, `alerts` and `open311`, which sit below or beside
  this app and may not import it (tests/test_layers.py), so they cannot read these tables even
  by mistake.
- The state, the public answers and the category stay with `reports`: staff change them
  through `reports.actions`, like any other channel, so the reporter and followers are told.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from torget.places.models import Body
from torget.reports.models import Category, Report, State


class Priority(models.Model):
    """How urgent a report is, in the body's own words ("Akutt", "Innen en uke")."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="staff_priorities", verbose_name=_("body")
    )
    name = models.CharField(_("name"), max_length=100)
    # The most urgent first, in lists and in the inbox's sort by priority.
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower numbers are more urgent and come first.")
    )

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["body", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="priority_name_per_body")
        ]

    def __str__(self) -> str:
        return self.name


class ResponseTemplate(models.Model):
    """A prepared public answer, for one of the body's categories or for all of them, in
    bokmål and nynorsk. It may also set the report's state. Its text may hold placeholders
    (see staff/templating.py), filled in for each report."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="response_templates", verbose_name=_("body")
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Empty: offered for all of the body's categories."),
    )
    title = models.CharField(_("title"), max_length=100)
    text_nb = models.TextField(_("text (bokmål)"))
    text_nn = models.TextField(_("text (nynorsk)"), blank=True)
    new_state = models.CharField(
        _("sets the state to"), max_length=20, choices=State.choices, blank=True
    )
    active = models.BooleanField(_("in use"), default=True)
    updated = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["body", "title", "id"]

    def __str__(self) -> str:
        return self.title

    def text_in(self, language: str) -> str:
        """The text in nb or nn; bokmål where the nynorsk is missing."""
        return self.text_nn if language == "nn" and self.text_nn else self.text_nb


def overdue(now: datetime.datetime) -> Q:
    """Past the target that still applies (staff/targets.py). `due` is kept up to date by the
    handlers, so this reads one indexed column."""
    return Q(due__lt=now)


class Handling(models.Model):
    """One body's handling of one report it has. Made when the report reaches the body (the
    handler on `reports.handlers.report_due`), so the inbox can start from this table."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="handlings")
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="handlings")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_handlings",
        verbose_name=_("assigned to"),
    )
    priority = models.ForeignKey(
        Priority,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handlings",
        verbose_name=_("priority"),
    )
    # When staff of this body last did something with the report (answered by any channel,
    # assigned, prioritised, noted): "citizens' updates since" is measured from here.
    staff_acted = models.DateTimeField(_("staff last acted"), null=True, blank=True)
    # The latest citizen update or reopening, and the latest reopening.
    citizen_updated = models.DateTimeField(_("citizen last wrote"), null=True, blank=True)
    reopened = models.DateTimeField(_("reopened"), null=True, blank=True)
    # The body's targets (staff/targets.py): when the report reached the body, when the first
    # answer and the fix are due by the targets in force then, and `due`, the one of those
    # that still applies (none once the report is fixed or closed), for the inbox's
    # "overdue" and its sort by target.
    arrived = models.DateTimeField(_("reached the body"), null=True, blank=True)
    answer_due = models.DateTimeField(_("answer due"), null=True, blank=True)
    fix_due = models.DateTimeField(_("fix due"), null=True, blank=True)
    due = models.DateTimeField(_("next target"), null=True, blank=True)

    class Meta:
        verbose_name = _("handling")
        verbose_name_plural = _("handlings")
        constraints = [
            models.UniqueConstraint(fields=["report", "body"], name="handling_once_per_body")
        ]
        indexes = [
            # The inbox's "assigned to me / to X / to nobody" within a body.
            models.Index(fields=["body", "assignee"], name="handling_body_assignee"),
            models.Index(fields=["body", "priority"], name="handling_body_priority"),
            # "Citizens wrote since staff acted": only rows with a citizen update are read.
            models.Index(
                fields=["body", "citizen_updated"],
                name="handling_body_citizen",
                condition=Q(citizen_updated__isnull=False),
            ),
            # "Reopened by the reporter": few rows ever have it.
            models.Index(
                fields=["body", "reopened"],
                name="handling_body_reopened",
                condition=Q(reopened__isnull=False),
            ),
            # "Overdue" and the sort by target within a body; rows without a target are left
            # out of the index, and most rows (fixed and closed reports) have none.
            models.Index(
                fields=["body", "due", "id"],
                name="handling_body_due",
                condition=Q(due__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} at {self.body_id}"

    @property
    def due_day(self) -> datetime.date | None:
        """The last day before the target passes (`due` is the midnight that ends it)."""
        if self.due is None:
            return None
        return timezone.localdate(self.due - datetime.timedelta(microseconds=1))

    @property
    def due_kind(self) -> str:
        """Which target `due` is: "answer" (the first answer) or "fix"; "" for none."""
        if self.due is None:
            return ""
        first = self.report.answered is None and self.due == self.answer_due
        return "answer" if first else "fix"


class EntryKind(models.TextChoices):
    NOTE = "note", _("Internal note")
    ASSIGNED = "assigned", _("Assigned")
    PRIORITY = "priority", _("Priority changed")


class InternalEntry(models.Model):
    """One line of a report's internal history at one body: a note, or a change of assignee
    or priority. Seen only by that body's staff, beside the public timeline."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="internal_entries")
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    text = models.TextField(_("text"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The priority's name as it was: a priority renamed or removed later does not rewrite
    # the history.
    priority_name = models.CharField(_("priority"), max_length=100, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("internal entry")
        verbose_name_plural = _("internal entries")
        ordering = ["created", "id"]
        indexes = [
            # The staff view: one report's entries at one body, in order.
            models.Index(fields=["report", "body", "created"], name="internal_entry_report"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_kind_display()}"


class SavedFilter(models.Model):
    """An inbox filter a person named, to come back to with one click."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=100)
    # The inbox's query string, cleaned by the filter form before it was saved.
    query = models.CharField(_("filter"), max_length=2000)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["user", "name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """How soon the body means to give its first answer and to have the problem fixed, in
    working days (staff/targets.py counts them), for one of its categories or for all those
    that have no target of their own."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="staff_targets", verbose_name=_("body")
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Empty: for all of the body's categories that have no target of their own."),
    )
    answer_days = models.PositiveSmallIntegerField(
        _("first answer within (working days)"), null=True, blank=True
    )
    fix_days = models.PositiveSmallIntegerField(
        _("fixed within (working days)"), null=True, blank=True
    )
    updated = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["body", "category", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "category"],
                name="target_once_per_category",
                condition=Q(category__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["body"], name="target_once_per_body", condition=Q(category__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.category or '*'}"
