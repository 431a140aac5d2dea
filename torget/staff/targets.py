"""A body's targets: how many working days it means to take to answer a report first, and to
have it fixed, for each of its categories or for all of them.

Each `Handling` carries its deadlines, worked out once (the working days are Norway's, from
lib/workdays.py) when the report reaches the body, when it moves to another category, and
again for the open reports when a manager changes a target. `Handling.due` is the one that
still applies: the first answer's until the body has answered, then the fix's while the
report is open, and none once it is fixed or closed. The handlers below keep it so, whatever
channel the answer or the state change came through, so that the inbox's "overdue" and its
sort by target read one indexed column.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from torget.accounts.models import Role, User
from torget.audit.actions import record as audit
from torget.audit.models import Action
from torget.lib import workdays
from torget.mail.actions import record
from torget.places.models import Body
from torget.reports.models import OPEN_STATES, Category, Report, Update
from torget.staff import emails
from torget.staff.emails import OverdueList
from torget.staff.models import Handling, Target, overdue

# Open reports are recomputed this many at a time when a target changes.
BATCH = 1000
DUE_FIELDS = ["arrived", "answer_due", "fix_due", "due"]


@dataclass(frozen=True)
class Days:
    answer: int | None
    fix: int | None


NO_TARGET = Days(None, None)


def targets_of(body: Body) -> dict[int | None, Days]:
    """The body's targets by category id; None for the one for all categories."""
    return {
        row.category_id: Days(row.answer_days, row.fix_days)
        for row in Target.objects.filter(body=body)
    }


def days_for(targets: dict[int | None, Days], body: Body, category: Category) -> Days:
    """The category's own target, else the body's target for all categories. A report that
    was moved to another body's category keeps, at the first body, that body's general one."""
    own = targets.get(category.pk) if category.body_id == body.pk else None
    return own or targets.get(None) or NO_TARGET


def next_due(handling: Handling, report: Report) -> datetime.datetime | None:
    """The deadline that still applies to this report at this body."""
    if report.state not in OPEN_STATES:
        return None
    pending = [handling.fix_due]
    if report.answered is None:
        pending.append(handling.answer_due)
    found = [due for due in pending if due is not None]
    return min(found) if found else None


def set_deadlines(handling: Handling, report: Report, days: Days) -> None:
    start = handling.arrived or report.confirmed or report.created
    handling.answer_due = workdays.deadline(start, days.answer) if days.answer else None
    handling.fix_due = workdays.deadline(start, days.fix) if days.fix else None
    handling.due = next_due(handling, report)


# The handlers (registered in apps.py).


def report_reached(report: Report) -> None:
    """The report reached a body, or moved to another category: each body's deadlines from
    the targets of the report's category. Registered after actions.open_handlings, which
    makes the rows."""
    now = timezone.now()
    rows = list(Handling.objects.filter(report=report).select_related("body"))
    for handling in rows:
        if handling.arrived is None:
            handling.arrived = now
        days = days_for(targets_of(handling.body), handling.body, report.category)
        set_deadlines(handling, report, days)
    Handling.objects.bulk_update(rows, DUE_FIELDS)


def report_changed(update: Update) -> None:
    """A body answered, or a citizen wrote, fixed or reopened: which deadline applies now."""
    report = update.report
    for handling in Handling.objects.filter(report=report):
        due = next_due(handling, report)
        if due != handling.due:
            handling.due = due
            handling.save(update_fields=["due"])


# A manager's change.


@dataclass(frozen=True)
class TargetChange:
    """One row of the targets form: a category (None for all) and its days (None: none)."""

    category: Category | None
    days: Days


@transaction.atomic
def set_targets(*, body: Body, changes: Iterable[TargetChange], by: User | None = None) -> int:
    """Save the body's targets and work out the deadlines of its open reports again, from
    when each reached the body. Returns how many open reports were recomputed."""
    changes = list(changes)
    was = targets_of(body)
    before, after = {}, {}
    for change in changes:
        key = change.category.pk if change.category else None
        old = was.get(key, NO_TARGET)
        if old != change.days:
            name = str(change.category) if change.category else "all"
            before[name] = [old.answer, old.fix]
            after[name] = [change.days.answer, change.days.fix]
    if after:
        audit(action=Action.TARGET, actor=by, target=body, body=body, before=before, after=after)
    for change in changes:
        if change.category is not None and change.category.body_id != body.pk:
            raise ValueError("A target is for one of the body's own categories.")
        where = Q(body=body) & (
            Q(category=change.category) if change.category else Q(category__isnull=True)
        )
        if change.days == NO_TARGET:
            Target.objects.filter(where).delete()
        else:
            Target.objects.update_or_create(
                body=body,
                category=change.category,
                defaults={"answer_days": change.days.answer, "fix_days": change.days.fix},
            )
    return recompute_open(body)


def recompute_open(body: Body) -> int:
    targets = targets_of(body)
    rows = (
        Handling.objects.filter(body=body, report__state__in=OPEN_STATES)
        .select_related("report__category")
        .order_by("pk")
    )
    done, last = 0, 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        for handling in batch:
            days = days_for(targets, body, handling.report.category)
            set_deadlines(handling, handling.report, days)
        Handling.objects.bulk_update(batch, DUE_FIELDS)
        done += len(batch)
        last = batch[-1].pk
    return done


def soon(now: datetime.datetime) -> datetime.datetime:
    """A target before this is near: the end of the next working day."""
    return workdays.deadline(now, 1)


def due_state(handling: Handling, now: datetime.datetime) -> str:
    """ "overdue", "soon" or "later" for a handling with a target; "" without one."""
    if handling.due is None:
        return ""
    if handling.due < now:
        return "overdue"
    return "soon" if handling.due <= soon(now) else "later"


# The managers' daily list.

# An e-mail is read, not searched: past this many, the inbox is the place to look.
MOST_LISTED = 50


def overdue_lists(now: datetime.datetime) -> list[OverdueList]:
    """Per body with anything overdue: the most overdue reports, and how many there are."""
    overdue_rows = Handling.objects.filter(
        overdue(now), report__hidden=False, report__state__in=OPEN_STATES
    )
    body_ids = set(overdue_rows.values_list("body_id", flat=True).distinct())
    found = []
    for body in Body.objects.filter(pk__in=body_ids).order_by("name"):
        rows = overdue_rows.filter(body=body)
        listed = list(
            rows.select_related("report__category", "assignee").order_by("due", "id")[:MOST_LISTED]
        )
        url = (
            settings.BASE_URL
            + reverse("staff:inbox")
            + "?"
            + urlencode({"body": body.slug, "waiting": "overdue", "sort": "target"})
        )
        found.append(OverdueList(body=body, rows=listed, count=rows.count(), inbox_url=url))
    return found


def send_overdue_lists(now: datetime.datetime | None = None) -> int:
    """E-mail each manager of each body with overdue reports its list, on working days (on
    a weekend or a holiday the list would greet nobody, and Monday's has it all); returns
    how many e-mails were recorded."""
    now = now or timezone.now()
    if not workdays.is_working_day(timezone.localdate(now)):
        return 0
    sent = 0
    for overdue_list in overdue_lists(now):
        managers = User.objects.filter(
            memberships__body=overdue_list.body,
            memberships__role=Role.MANAGER,
            is_active=True,
        ).exclude(email="")
        with transaction.atomic():
            for manager in managers:
                record(emails.overdue_reports(manager, overdue_list))
                sent += 1
    return sent
