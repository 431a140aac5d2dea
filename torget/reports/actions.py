"""Every write to reports with a side effect: one keyword-only function each, in one
transaction, with the e-mails it calls for recorded in the outbox in that transaction."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from torget.accounts import actions as accounts
from torget.accounts.handlers import Scope
from torget.accounts.models import User
from torget.audit.actions import record as audit
from torget.audit.models import Action
from torget.lib.images import CheckedUpload
from torget.lib.names import norwegian_slug
from torget.lib.signing import make_token, read_token
from torget.mail.actions import record
from torget.places.models import Area, Body
from torget.reports import emails, personal_data, tasks
from torget.reports.handlers import handlers
from torget.reports.models import (
    Category,
    InvalidTransition,
    Photo,
    PhotoUpload,
    Report,
    State,
    Support,
    Update,
)
from torget.reports.photos import REQUEUE_AFTER

CONFIRMATION = "report-confirmation"
# What lock_lifecycle() reads again: the fields the state changes decide on and write.
LIFECYCLE_FIELDS = (
    "state",
    "hidden",
    "confirmed",
    "acknowledged",
    "fixed",
    "closed",
    "answered",
    "duplicate_of_id",
)


class NotAllowed(Exception):
    """The person may not do this to this report; the message says why."""


@dataclass(frozen=True)
class Reporter:
    """Who is reporting: a logged-in user, or the details typed into the form. The name and
    phone belong to the report (see submit_report)."""

    user: User | None
    email: str
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class FiledFor:
    """Staff of `body` file the report for a citizen (on the phone, at the service desk)."""

    body: Body
    staff: User


@transaction.atomic
def submit_report(
    *,
    reporter: Reporter,
    category: Category,
    lat: float,
    lon: float,
    title: str,
    detail: str,
    show_name: bool,
    photos: list[CheckedUpload],
    address: str = "",
    language: str = "nb",
    answers: Mapping[str, str | list[str]] | None = None,
    filed_for: FiledFor | None = None,
) -> Report:
    """A new report. A logged-in reporter's is public at once; anyone else's waits for the
    e-mailed confirmation link, and is neither public nor sent until then.

    The name and phone given are kept on the report and used for it (its delivery to the
    body). They reach the account only when the address is proven (confirm_report): anyone
    can type anyone's address into the form.

    Filed by staff for a citizen (`filed_for`), the report is public at once (the body
    vouches for it), the citizen's name is never shown, and a citizen who gave an address is
    its reporter, is told by e-mail and follows it; without an address it has no reporter."""
    if filed_for is not None:
        return submit_for_citizen(
            reporter,
            filed_for,
            category=category,
            lat=lat,
            lon=lon,
            title=title,
            detail=detail,
            photos=photos,
            address=address,
            language=language,
            answers=answers,
        )
    user = reporter.user or accounts.user_for_email(reporter.email)
    confirmed = reporter.user is not None
    now = timezone.now()
    report = Report.objects.create(
        lat=lat,
        lon=lon,
        address=address,
        category=category,
        title=title,
        detail=detail,
        reporter=user,
        reporter_name=reporter.name,
        reporter_phone=reporter.phone,
        show_name=show_name,
        answers=dict(answers or {}),
        state=State.OPEN if confirmed else State.UNCONFIRMED,
        created=now,
        confirmed=now if confirmed else None,
    )
    report.areas.set(Area.objects.covering(lat, lon))
    report.bodies.set([category.body_id])
    save_photos(report, photos)
    if confirmed:
        made_public(report)
    else:
        # In this transaction: a report is never saved without its confirmation e-mail.
        url = confirmation_url(report)
        record(emails.report_confirmation(report, url, fallback_language=language))
    return report


def submit_for_citizen(
    reporter: Reporter,
    filed_for: FiledFor,
    *,
    category: Category,
    lat: float,
    lon: float,
    title: str,
    detail: str,
    photos: list[CheckedUpload],
    address: str,
    language: str,
    answers: Mapping[str, str | list[str]] | None,
) -> Report:
    if not filed_for.body.memberships.filter(user=filed_for.staff).exists():
        raise NotAllowed("Only staff of the body can file a report for a citizen.")
    if category.body_id != filed_for.body.pk:
        raise NotAllowed("A body files reports in its own categories.")
    user = accounts.user_for_email(reporter.email) if reporter.email else None
    now = timezone.now()
    report = Report.objects.create(
        lat=lat,
        lon=lon,
        address=address,
        category=category,
        title=title,
        detail=detail,
        reporter=user,
        reporter_name=reporter.name,
        reporter_phone=reporter.phone,
        show_name=False,
        answers=dict(answers or {}),
        state=State.OPEN,
        created=now,
        confirmed=now,
        filed_by_body=filed_for.body,
        filed_by=filed_for.staff,
    )
    report.areas.set(Area.objects.covering(lat, lon))
    report.bodies.set([category.body_id])
    save_photos(report, photos)
    if user is not None:
        took_part(user, report)
        record(emails.report_filed_for_citizen(report, user, fallback_language=language))
    for handle in handlers.report_due:
        handle(report)
    return report


def save_photos(
    report: Report, uploads: list[CheckedUpload], update: Update | None = None
) -> list[Photo]:
    """Each upload kept as received, its photo pending until the worker has made it ready
    (reports/photos.py): in the caller's transaction, so the report and its photos are saved
    together or not at all, and nothing is decoded in the web request."""
    # Until then the task queued on commit has the photo; after, the sweep queues another.
    queued_until = timezone.now() + REQUEUE_AFTER
    saved = []
    for position, upload in enumerate(uploads):
        photo = Photo.objects.create(
            report=report, update=update, position=position, queued_until=queued_until
        )
        PhotoUpload.objects.create(photo=photo, data=upload.read())
        # robust: the commit has happened, so a failure to queue must not make it an error.
        transaction.on_commit(partial(tasks.queue_photo, photo.pk), robust=True)
        saved.append(photo)
    return saved


def confirmation_url(report: Report) -> str:
    token = make_token(CONFIRMATION, str(report.pk))
    return settings.BASE_URL + reverse("reports:confirm", args=[token])


def report_for_confirmation(token: str) -> Report:
    """The report a confirmation link names; raises lib.signing.BadToken / ExpiredToken, or
    Report.DoesNotExist when it has gone."""
    max_age = settings.REPORT_CONFIRMATION_DAYS * 24 * 3600
    report_id = read_token(CONFIRMATION, token, max_age_seconds=max_age)
    return Report.objects.select_related("reporter").get(pk=int(report_id))


@transaction.atomic
def confirm_report(*, report: Report) -> None:
    """Make the report public and due for delivery, and sign the reporter up for updates on
    it. The link proved the address: it counts as verified, and the name and phone given
    with the report fill the account's empty fields."""
    locked = Report.objects.select_for_update().get(pk=report.pk)
    locked.confirm()
    report.refresh_from_db()
    accounts.address_proven(
        report.known_reporter(), name=report.reporter_name, phone=report.reporter_phone
    )
    made_public(report)


def made_public(report: Report) -> None:
    """The reporter follows their report, and the bodies are sent it (through the features'
    handlers; see handlers.py)."""
    took_part(report.known_reporter(), report)
    for handle in handlers.report_due:
        handle(report)


def took_part(user: User, report: Report) -> None:
    for handle in handlers.took_part:
        handle(user, report)


def tell_bodies(update: Update) -> None:
    for handle in handlers.citizen_update:
        handle(update)


@transaction.atomic
def add_update(
    *,
    report: Report,
    author: User,
    text: str,
    photos: list[CheckedUpload],
    mark_fixed: bool = False,
    show_name: bool = False,
) -> Update:
    """A citizen's entry on the timeline, optionally saying the problem is fixed."""
    lock_lifecycle(report)
    if not report.is_public:
        raise NotAllowed("Only a public report can be updated.")
    new_state = ""
    if mark_fixed:
        try:
            report.mark_fixed()
        except InvalidTransition as error:
            raise NotAllowed(str(error)) from error
        new_state = State.FIXED
    update = Update.objects.create(
        report=report, author=author, text=text, new_state=new_state, show_name=show_name
    )
    save_photos(report, photos, update=update)
    took_part(author, report)
    tell_bodies(update)
    return update


@transaction.atomic
def add_support(*, report: Report, user: User) -> Support:
    """ "I have this problem too". Saying it twice counts once."""
    if not report.is_public:
        raise NotAllowed("Only a public report can be supported.")
    support, created = Support.objects.get_or_create(report=report, user=user)
    if created:
        Report.objects.filter(pk=report.pk).update(supporters=F("supporters") + 1)
    took_part(user, report)
    return support


@transaction.atomic
def reopen_report(*, report: Report, by: User, reason: str) -> Update:
    lock_lifecycle(report)
    if report.hidden:
        # Reopening tells the body; a report a moderator hid is not to be sent again.
        raise NotAllowed("A report hidden by a moderator cannot be reopened.")
    try:
        report.reopen(by=by)
    except InvalidTransition as error:
        raise NotAllowed(str(error)) from error
    update = Update.objects.create(report=report, author=by, text=reason, new_state=State.OPEN)
    tell_bodies(update)
    return update


def lock_lifecycle(report: Report) -> None:
    """Hold the report's row until the transaction ends and read its state afresh, so two
    people changing the state at the same moment do it one after the other, each seeing the
    other's change. (SQLite has no row locks; its transactions are serialised already.)"""
    current = Report.objects.select_for_update().values(*LIFECYCLE_FIELDS).get(pk=report.pk)
    for field, value in current.items():
        setattr(report, field, value)


def bodies_answering(user: User, report: Report) -> list[Body]:
    """The bodies responsible for the report that this user may answer for."""
    return list(
        Body.objects.filter(memberships__user=user, reports=report).distinct().order_by("name")
    )


@transaction.atomic
def answer_as_body(
    *,
    report: Report,
    staff: User,
    body: Body,
    text: str,
    new_state: str = "",
    duplicate_of: Report | None = None,
) -> Update:
    """Staff answering on the web for a body responsible for the report."""
    if body not in bodies_answering(staff, report):
        raise NotAllowed("You do not act for a body responsible for this report.")
    lock_lifecycle(report)
    if report.hidden:
        raise NotAllowed("A report hidden by a moderator cannot be answered.")
    state_before = report.state
    try:
        update = record_body_answer(
            report=report,
            body=body,
            author=staff,
            text=text,
            new_state=new_state,
            duplicate_of=duplicate_of,
        )
    except InvalidTransition as error:
        raise NotAllowed(str(error)) from error
    moved = report.state != state_before
    audit(
        action=Action.STATE if moved else Action.ANSWER,
        actor=staff,
        target=report,
        body=body,
        before={"state": state_before} if moved else {},
        after={"state": report.state, "text": text} if moved else {"text": text},
    )
    return update


@transaction.atomic
def record_body_answer(
    *,
    report: Report,
    body: Body,
    text: str,
    author: User | None = None,
    new_state: str = "",
    duplicate_of: Report | None = None,
    at: datetime.datetime | None = None,
) -> Update:
    """A body's answer, whatever it came through: staff on the web (answer_as_body), a reply
    by e-mail (delivery/inbound.py), a status change in the body's own system
    (delivery/updates.py). It moves the state when asked to, stamps the first answer, writes
    the timeline entry with the body's badge, and tells the reporter at once and the
    followers with the next alert run (alerts' handlers). `at` is when the body answered, if
    not now. Raises InvalidTransition for an unconfirmed report or a move the lifecycle
    does not allow."""
    lock_lifecycle(report)
    if report.state == State.UNCONFIRMED:
        # Not even a comment: the reporter may never confirm, and an answer would be public.
        raise InvalidTransition("An unconfirmed report cannot be answered yet.")
    when = at or timezone.now()
    if new_state and new_state != report.state:
        report.set_state_by_body(new_state, duplicate_of=duplicate_of, at=when)
    if report.answered is None:
        report.answered = when
        report.save(update_fields=["answered", "updated"])
    update = Update.objects.create(
        report=report, author=author, body=body, text=text, new_state=new_state, created=when
    )
    if author is not None:
        # Whoever writes on a report follows it, staff too; each can turn it off on My alerts.
        took_part(author, report)
    for handle in handlers.body_answered:
        handle(update)
    return update


class Unchanged(NotAllowed):
    """The report is in that category already: nothing to move, and no timeline entry."""


@transaction.atomic
def change_category(*, report: Report, category: Category, by: User, body: Body) -> Update:
    """Staff of a responsible body move the report to the right category, which may be
    another body's: that body then gets the report too (delivery's handler), and the earlier
    deliveries stay on record. The move is a timeline entry with the body's badge.

    Whether it is a move is read with the report's row locked: two staff members who move it
    to the same category at the same moment make one move and one entry, and the second is
    told (Unchanged) rather than writing a second "moved to" for nothing."""
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.category_id == category.pk:
        raise Unchanged("The report is in that category already.")
    audit(
        action=Action.CATEGORY,
        actor=by,
        target=report,
        body=body,
        before={"category": locked.category},
        after={"category": category},
    )
    locked.category = category
    locked.save(update_fields=["category", "updated"])
    report.category = category
    report.bodies.add(category.body_id)
    update = Update.objects.create(report=report, author=by, body=body, new_category=category)
    if report.confirmed:
        for handle in handlers.report_due:
            handle(report)
    return update


@transaction.atomic
def category_for_service(
    *, body: Body, category: Category | None, code: str, name: str, group: str
) -> Category:
    """The body's category for a kind of report its own system takes (a service on its
    Open311 server, `torget sync-services`): `category` named after it and active again, or
    a new category when there is none. `name` and `group` are in bokmål, the body's language
    there; the nynorsk and English ones follow them until someone translates them, and are
    left alone after that. `code` gives the slug when the name gives none."""
    if category is None:
        category = Category(body=body, slug=free_slug(body, name, code))
    for prefix, value in (("name", name), ("group", group)):
        old = getattr(category, f"{prefix}_nb")
        for language in ("nn", "en"):
            if getattr(category, f"{prefix}_{language}") in ("", old):
                setattr(category, f"{prefix}_{language}", value)
        setattr(category, f"{prefix}_nb", value)
    category.active = True
    category.save()
    return category


def free_slug(body: Body, name: str, code: str) -> str:
    slug = norwegian_slug(name)[:90] or norwegian_slug(code)[:90]
    if Category.objects.filter(body=body, slug=slug).exists():
        slug = f"{slug}-{norwegian_slug(code)}"[:100]
    return slug


@transaction.atomic
def withdraw_categories(*, categories: list[Category]) -> None:
    """The body's own system no longer takes these kinds of report: no new reports are made
    in them, which it would refuse. The categories and their reports stay."""
    for category in categories:
        # One save() each, not an UPDATE, so the category's history records it.
        category.active = False
        category.save(update_fields=["active"])


def record_delivered(*, report_id: int, at: datetime.datetime) -> None:
    """One of the report's deliveries reached its body at `at` (delivery calls this when a
    send succeeds). The first time is kept: a second body, or a delivery sent again, does
    not move it. One conditional UPDATE, so two workers sending at once cannot both win."""
    Report.objects.filter(pk=report_id, delivered__isnull=True).update(delivered=at)


@transaction.atomic
def hide_reporter_name(*, report: Report, by: User) -> None:
    if by.pk != report.reporter_id:
        raise NotAllowed("Only the reporter can hide their name.")
    report.show_name = False
    report.save(update_fields=["show_name", "updated"])
    report.updates.filter(author=by).update(show_name=False)


@transaction.atomic
def request_takedown(*, report: Report, by: User, reason: str) -> None:
    """The reporter asks moderators to take the report down; it stays up until they do."""
    if by.pk != report.reporter_id:
        raise NotAllowed("Only the reporter can ask for the report to be taken down.")
    report.takedown_requested = timezone.now()
    report.takedown_reason = reason
    report.save(update_fields=["takedown_requested", "takedown_reason", "updated"])
    tell_moderators_of_takedown(report)


def tell_moderators_of_takedown(report: Report) -> None:
    """Moderators hide reports in the admin, so the site's administrators are the ones told."""
    admin_url = reverse("admin:reports_report_change", args=[report.pk])
    moderators = User.objects.filter(is_superuser=True, is_active=True).exclude(email="")
    for moderator in moderators:
        language = moderator.language or settings.LANGUAGE_CODE
        record(
            emails.takedown_request(report, moderator.email, language=language, admin_url=admin_url)
        )


# A person's data (accounts/handlers.py): erasing them, and removing what retention says.


@transaction.atomic
def forget_person(user: User, scope: Scope) -> int:
    """Remove every link from reports to the person, within the scope: the reports and
    updates stay as they were made public, without a reporter, name or phone; supports go;
    reports never confirmed (never public) go. Returns the rows changed or removed."""
    reports = personal_data.within(Report.objects.filter(reporter=user), scope)
    updates = personal_data.within(Update.objects.filter(author=user), scope, "report__")
    supports = personal_data.within(Support.objects.filter(user=user), scope, "report__")
    changed = delete_reports(Report.objects.filter(pk__in=reports.filter(state=State.UNCONFIRMED)))
    changed += Report.objects.filter(pk__in=reports).update(
        reporter=None, reporter_name="", reporter_phone="", show_name=False
    )
    changed += Update.objects.filter(pk__in=updates).update(author=None, show_name=False)
    supported = list(supports.values_list("report_id", flat=True))
    changed += Support.objects.filter(pk__in=supports).delete()[0]
    # One support per person and report, so each of those reports counts one fewer.
    Report.objects.filter(pk__in=supported).update(supporters=Greatest(F("supporters") - 1, 0))
    return changed


def delete_reports(reports: QuerySet[Report]) -> int:
    """Delete reports with everything on them, and their photos' files once that commits."""
    files = [
        name
        for names in Photo.objects.filter(report__in=reports).values_list(
            "image", "medium", "thumbnail"
        )
        for name in names
        if name
    ]
    deleted = reports.delete()[1].get(Report._meta.label, 0)
    storage = Photo._meta.get_field("image").storage
    transaction.on_commit(partial(delete_files, storage, files))
    return deleted


def delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)
