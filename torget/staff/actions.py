"""Every write of the staff workspace: one keyword-only function each, in one transaction.

The workspace writes only its own tables here. What staff do to the report itself (answer,
set the state, move it to another category) goes through `reports.actions`, the one owner of
those writes, so the reporter and the followers are told as for any answer of a body.

The first three functions are the handlers this app registers with `reports.handlers` (see
apps.py): they keep each body's `Handling` of a report up to date whatever channel the
change came through.
"""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from torget.accounts.models import Membership, User
from torget.audit.actions import record as audit
from torget.audit.models import Action
from torget.places.models import Body
from torget.reports import actions as report_actions
from torget.reports.models import Category, Report, State, Update
from torget.staff.models import EntryKind, Handling, InternalEntry, Priority, SavedFilter


class NotAllowed(Exception):
    """The change is refused; the message says why."""


# The handlers: a report reached a body, a citizen wrote, a body answered.


def open_handlings(report: Report) -> None:
    """Each body that has the report gets its handling row, once: the inbox starts there."""
    body_ids = report.bodies.values_list("pk", flat=True)
    Handling.objects.bulk_create(
        [Handling(report=report, body_id=pk) for pk in body_ids], ignore_conflicts=True
    )


def open_missing_handlings(batch: int = 5000) -> int:
    """Handlings for every public report a body has and has no handling of yet: for reports
    written in bulk, past the handlers (the demo, the benchmarks). Returns how many."""
    links = Report.bodies.through.objects.exclude(report__state=State.UNCONFIRMED)
    missing = links.filter(
        ~Exists(
            Handling.objects.filter(report_id=OuterRef("report_id"), body_id=OuterRef("body_id"))
        )
    ).values_list("report_id", "body_id")
    opened = 0
    while pairs := list(missing[:batch]):
        Handling.objects.bulk_create(
            [Handling(report_id=r, body_id=b) for r, b in pairs], ignore_conflicts=True
        )
        opened += len(pairs)
    return opened


def citizen_wrote(update: Update) -> None:
    """A citizen's update or reopening waits for each body that has the report, until its
    staff act. Staff who write on the public page as themselves are acting, not waiting."""
    report = update.report
    open_handlings(report)
    bodies = set(report.bodies.values_list("pk", flat=True))
    own = set(
        Membership.objects.filter(user=update.author, body_id__in=bodies).values_list(
            "body_id", flat=True
        )
    )
    handlings = Handling.objects.filter(report=report)
    if own:
        handlings.filter(body_id__in=own).update(staff_acted=update.created)
    waiting = handlings.filter(body_id__in=bodies - own)
    if update.new_state == State.OPEN:
        waiting.update(citizen_updated=update.created, reopened=update.created)
    else:
        waiting.update(citizen_updated=update.created)


def body_answered(update: Update) -> None:
    """An answer by any channel (the web, e-mail, the body's own system) is the body acting."""
    if update.body is not None:
        stamp_acted(update.report, update.body, at=update.created)


def stamp_acted(report: Report, body: Body, at: datetime.datetime | None = None) -> Handling:
    handling, _ = Handling.objects.get_or_create(report=report, body=body)
    handling.staff_acted = at or timezone.now()
    handling.save(update_fields=["staff_acted"])
    return handling


# Handling one report.


def is_member(user: User, body: Body) -> bool:
    return Membership.objects.filter(user=user, body=body).exists()


def responsible(report: Report, body: Body) -> None:
    if not report.bodies.filter(pk=body.pk).exists():
        raise NotAllowed("The body does not have this report.")


@transaction.atomic
def assign(*, report: Report, body: Body, by: User, assignee: User | None) -> Handling:
    """Give the report to a colleague at the body (or to nobody). Unchanged, nothing is
    written; a change is a line in the internal history."""
    responsible(report, body)
    if assignee is not None and not is_member(assignee, body):
        raise NotAllowed("Only staff of the body can be given its reports.")
    handling = Handling.objects.select_for_update().get_or_create(report=report, body=body)[0]
    if handling.assignee_id == (assignee.pk if assignee else None):
        return handling
    audit(
        action=Action.ASSIGN,
        actor=by,
        target=report,
        body=body,
        before={"assignee": handling.assignee},
        after={"assignee": assignee},
    )
    handling.assignee = assignee
    handling.staff_acted = timezone.now()
    handling.save(update_fields=["assignee", "staff_acted"])
    InternalEntry.objects.create(
        report=report, body=body, author=by, kind=EntryKind.ASSIGNED, assignee=assignee
    )
    return handling


@transaction.atomic
def set_priority(*, report: Report, body: Body, by: User, priority: Priority | None) -> Handling:
    responsible(report, body)
    if priority is not None and priority.body_id != body.pk:
        raise NotAllowed("A priority belongs to its own body.")
    handling = Handling.objects.select_for_update().get_or_create(report=report, body=body)[0]
    if handling.priority_id == (priority.pk if priority else None):
        return handling
    audit(
        action=Action.PRIORITY,
        actor=by,
        target=report,
        body=body,
        before={"priority": handling.priority},
        after={"priority": priority},
    )
    handling.priority = priority
    handling.staff_acted = timezone.now()
    handling.save(update_fields=["priority", "staff_acted"])
    InternalEntry.objects.create(
        report=report,
        body=body,
        author=by,
        kind=EntryKind.PRIORITY,
        priority_name=priority.name if priority else "",
    )
    return handling


@transaction.atomic
def add_note(*, report: Report, body: Body, by: User, text: str) -> InternalEntry:
    """A note for the body's staff only; never public (see models.py)."""
    responsible(report, body)
    note = InternalEntry.objects.create(
        report=report, body=body, author=by, kind=EntryKind.NOTE, text=text
    )
    stamp_acted(report, body, at=note.created)
    audit(action=Action.NOTE, actor=by, target=report, body=body, after={"text": text})
    return note


@transaction.atomic
def move_to_category(*, report: Report, body: Body, by: User, category: Category) -> Update:
    """reports.actions.change_category (another body's category sends the report there too), as an
    act of this body's staff."""
    responsible(report, body)
    update = report_actions.change_category(report=report, category=category, by=by, body=body)
    stamp_acted(report, body)
    return update


# Many reports at once. Each function is one transaction: when one report cannot be changed
# (say a moderator hid it a moment ago), none is, and the message names the report.


@transaction.atomic
def assign_many(*, reports: list[Report], body: Body, by: User, assignee: User | None) -> None:
    for report in reports:
        assign(report=report, body=body, by=by, assignee=assignee)


@transaction.atomic
def set_priority_many(
    *, reports: list[Report], body: Body, by: User, priority: Priority | None
) -> None:
    for report in reports:
        set_priority(report=report, body=body, by=by, priority=priority)


@transaction.atomic
def answer_many(
    *, reports: list[Report], body: Body, by: User, text_for: Callable[[Report], str], state: str
) -> None:
    """Each report answered through reports.actions.answer_as_body, so each reporter and the
    followers are told as for any answer. `text_for` gives each report its own text (a
    template's placeholders differ from report to report)."""
    for report in reports:
        text, new_state = text_for(report), "" if state == report.state else state
        if not text and not new_state:
            continue  # Already in that state, and nothing to say: no empty answer.
        try:
            report_actions.answer_as_body(
                report=report, staff=by, body=body, text=text, new_state=new_state
            )
        except report_actions.NotAllowed as error:
            raise NotAllowed(f"#{report.pk}: {error}") from error


# Saved filters.


@transaction.atomic
def save_filter(*, user: User, name: str, query: str) -> SavedFilter:
    """Saving under a name already used replaces that filter."""
    saved, _ = SavedFilter.objects.update_or_create(user=user, name=name, defaults={"query": query})
    return saved


@transaction.atomic
def delete_filter(*, user: User, saved_filter_id: int) -> None:
    SavedFilter.objects.filter(user=user, pk=saved_filter_id).delete()
