"""What staff of a responsible body do to the report itself beyond answering it: mark it a
duplicate of another, move its pin, and, as moderators, edit its words or hide it. Each is
one keyword-only function in one transaction, like those in actions.py (this is that module's
continuation, kept apart for its size); each checks that the person acts for a body that has
the report, and leaves a public timeline entry or a `Moderation` row with the reason."""

from django.db import transaction
from django.utils import timezone

from torget.accounts.models import User
from torget.places.models import Area, Body
from torget.reports.actions import NotAllowed, bodies_answering, lock_lifecycle, record_body_answer
from torget.reports.handlers import handlers
from torget.reports.models import (
    OPEN_STATES,
    HeldReply,
    HeldReplyState,
    InvalidTransition,
    Moderation,
    ModerationKind,
    Report,
    State,
    Support,
    Update,
)


def acting_for(staff: User, body: Body, report: Report) -> None:
    if body not in bodies_answering(staff, report):
        raise NotAllowed("You do not act for a body responsible for this report.")


# Duplicates.


def may_be_original(report: Report, original: Report, body: Body) -> bool:
    """An open, public report of the same body, not the report itself nor a duplicate."""
    return (
        original.pk != report.pk
        and original.is_public
        and original.state in OPEN_STATES
        and original.bodies.filter(pk=body.pk).exists()
    )


@transaction.atomic
def mark_duplicate(
    *, report: Report, original: Report, staff: User, body: Body, text: str = ""
) -> Update:
    """The report is a duplicate of `original`: its state says so (and its reporter is told,
    as for any answer), the original's timeline says which report joined it, the original
    gains the duplicate's supporters (its reporter among them, who has the problem too) and,
    through the features' handlers, its followers. Duplicates of the duplicate move to the
    original, so no chain of duplicates forms."""
    acting_for(staff, body, report)
    lock_lifecycle(report)
    if report.hidden:
        raise NotAllowed("A report hidden by a moderator cannot be answered.")
    if not may_be_original(report, original, body):
        raise NotAllowed("The original must be another open report of the same body.")
    try:
        update = record_body_answer(
            report=report,
            body=body,
            author=staff,
            text=text,
            new_state=State.DUPLICATE,
            duplicate_of=original,
        )
    except InvalidTransition as error:
        raise NotAllowed(str(error)) from error
    Report.objects.filter(duplicate_of=report).update(duplicate_of=original)
    Update.objects.create(report=original, author=staff, body=body, duplicate=report)
    move_supporters(report, original)
    for handle in handlers.duplicate_marked:
        handle(report, original)
    return update


def move_supporters(duplicate: Report, original: Report) -> None:
    people = set(Support.objects.filter(report=duplicate).values_list("user_id", flat=True))
    if duplicate.reporter_id is not None:
        people.add(duplicate.reporter_id)
    people.discard(original.reporter_id)
    Support.objects.bulk_create(
        [Support(report=original, user_id=pk) for pk in people], ignore_conflicts=True
    )
    # Counted again rather than added to: some may have supported the original already.
    Report.objects.filter(pk=original.pk).update(
        supporters=Support.objects.filter(report=original).count()
    )


# The pin.


@transaction.atomic
def move_report(
    *,
    report: Report,
    staff: User,
    body: Body,
    lat: float,
    lon: float,
    address: str = "",
    reason: str = "",
) -> Update:
    """Put the pin where the problem is. The new place must still be within the area of the
    body whose category the report is in (another body's place calls for a change of
    category, which sends it there); the areas are found again. Where the pin was is kept
    for moderators, since a reporter may have put it on their own home."""
    acting_for(staff, body, report)
    if not report.is_public:
        raise NotAllowed("Only a public report can be moved.")
    if not Body.objects.covering(lat, lon).filter(pk=report.category.body_id).exists():
        raise NotAllowed("The new place is outside the area of the body of the category.")
    Moderation.objects.create(
        report=report,
        body=body,
        author=staff,
        kind=ModerationKind.MOVED,
        reason=reason,
        old_lat=report.lat,
        old_lon=report.lon,
        old_address=report.address,
    )
    report.lat, report.lon, report.address = lat, lon, address
    report.save(update_fields=["lat", "lon", "address", "updated"])
    report.areas.set(Area.objects.covering(lat, lon))
    return Update.objects.create(report=report, author=staff, body=body, moved=True)


# Moderation.


@transaction.atomic
def edit_report(
    *, report: Report, staff: User, body: Body, title: str, detail: str, reason: str
) -> Moderation:
    """A moderator's edit of the reporter's words (personal data, abuse). The words before
    and the reason are kept for moderators."""
    acting_for(staff, body, report)
    moderation = Moderation.objects.create(
        report=report,
        body=body,
        author=staff,
        kind=ModerationKind.EDITED,
        reason=reason,
        old_title=report.title,
        old_detail=report.detail,
    )
    report.title, report.detail = title, detail
    report.save(update_fields=["title", "detail", "updated"])
    return moderation


@transaction.atomic
def set_hidden(*, report: Report, staff: User, body: Body, hidden: bool, reason: str) -> Moderation:
    """Hide the report from every public page, feed and API (or show it again), with the
    reason. A hidden report cannot be answered, updated or supported."""
    acting_for(staff, body, report)
    lock_lifecycle(report)
    if report.hidden == hidden:
        raise NotAllowed("The report is hidden already." if hidden else "The report is shown.")
    report.hidden = hidden
    report.save(update_fields=["hidden", "updated"])
    return Moderation.objects.create(
        report=report,
        body=body,
        author=staff,
        kind=ModerationKind.HIDDEN if hidden else ModerationKind.SHOWN,
        reason=reason,
    )


# Replies by e-mail that the body reviews first.


@transaction.atomic
def hold_body_answer(*, report: Report, body: Body, text: str) -> HeldReply:
    """Keep a body's e-mailed reply back until a moderator of the body publishes it. Raises
    InvalidTransition for an unconfirmed report, as record_body_answer does."""
    lock_lifecycle(report)
    if report.state == State.UNCONFIRMED:
        raise InvalidTransition("An unconfirmed report cannot be answered yet.")
    return HeldReply.objects.create(report=report, body=body, text=text)


def decide(held: HeldReply, staff: User) -> HeldReply:
    locked = HeldReply.objects.select_for_update().select_related("report", "body").get(pk=held.pk)
    acting_for(staff, locked.body, locked.report)
    if locked.state != HeldReplyState.WAITING:
        raise NotAllowed("The reply was published or discarded already.")
    locked.decided_by, locked.decided = staff, timezone.now()
    return locked


@transaction.atomic
def publish_held_reply(*, held: HeldReply, staff: User, text: str) -> Update:
    """The reply, as the moderator left it (a name or a phone number taken out), becomes the
    body's answer: public, and the reporter and followers are told."""
    locked = decide(held, staff)
    lock_lifecycle(locked.report)
    if locked.report.hidden:
        raise NotAllowed("A report hidden by a moderator cannot be answered.")
    update = record_body_answer(report=locked.report, body=locked.body, text=text)
    locked.state, locked.update = HeldReplyState.PUBLISHED, update
    locked.save(update_fields=["state", "update", "decided_by", "decided"])
    return update


@transaction.atomic
def discard_held_reply(*, held: HeldReply, staff: User) -> None:
    locked = decide(held, staff)
    locked.state = HeldReplyState.DISCARDED
    locked.save(update_fields=["state", "decided_by", "decided"])
