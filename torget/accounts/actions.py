"""Writes and side effects for accounts: the account for an address, login links, the
language a person reads, and a person's data: its export and its erasure."""

import datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from torget.accounts import emails, exports, tasks
from torget.accounts.handlers import EVERYTHING, Scope, handlers
from torget.accounts.models import DataExport, Membership, SignIn, User
from torget.accounts.tokens import login_link_tokens
from torget.audit.actions import record as audit
from torget.audit.models import Action
from torget.lib.signing import BadToken, make_token, read_token
from torget.mail.actions import forget_address, record


def user_for_email(email: str) -> User:
    """The account for this address, made if new (no password, address not verified). An
    existing account is returned as it is: whoever typed the address has not proven it is
    theirs, so nothing they gave with it (a name, a phone number) may change the account."""
    user, created = User.objects.get_or_create(
        email__iexact=email, defaults={"email": email.lower()}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def address_proven(user: User, *, name: str = "", phone: str = "") -> None:
    """A link sent to the address was followed (a report's or an alert's confirmation): the
    address counts as verified, and the name and phone given with what was confirmed fill
    the account's empty fields. What the account already has stands."""
    given = {"name": name, "phone": phone}
    changed = [field for field, value in given.items() if value and not getattr(user, field)]
    for field in changed:
        setattr(user, field, given[field])
    if not user.email_verified:
        user.email_verified = True
        changed.append("email_verified")
    if changed:
        user.save(update_fields=changed)


@transaction.atomic
def request_login_link(*, email: str, next_url: str, language: str) -> None:
    """Send a one-time login link to the account with this address, if there is one.

    The e-mail leaves from the worker, not inside the request: sending here would make the
    form answer slower for addresses that have an account than for those that don't, which
    tells a stranger who uses Torget."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    url = login_link_url(user, next_url)
    record(emails.login_link(user, url, fallback_language=language))


def login_link_url(user: User, next_url: str) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:login_with_link", args=[uidb64, login_link_tokens.make_token(user)])
    if next_url != "/":
        path += "?" + urlencode({"next": next_url})
    return settings.BASE_URL + path


def use_login_link(user: User) -> bool:
    """Mark the address as verified and move `last_login` on, which voids the link.

    The UPDATE only matches while `last_login` is what the token was checked against, so of
    two requests racing with the same link only one logs in.
    """
    now = timezone.now()
    used = User.objects.filter(pk=user.pk, last_login=user.last_login).update(
        last_login=now, email_verified=True
    )
    user.last_login, user.email_verified = now, True
    return used == 1


def remember_language(user: User, language: str | None, *, replace: bool = False) -> None:
    """Keep the language the person uses the site in, for the e-mails sent to them later by
    the worker, which has no request to take it from (alert digests, questionnaires). A
    language they chose stands, unless `replace`: they chose again."""
    known = {code for code, _ in settings.LANGUAGES}
    if language not in known or user.language == language:
        return
    if user.language and not replace:
        return
    user.language = language
    user.save(update_fields=["language"])


def record_sign_in(user: User, method: str, request: HttpRequest | None = None) -> None:
    """The person's own record of the sign-in; a staff member's goes in the audit log too,
    read by the managers of each body they serve."""
    SignIn.objects.create(user=user, method=method)
    if is_staff_account(user):
        audit(
            action=Action.SIGN_IN,
            actor=user,
            target=user,
            bodies=bodies_of(user),
            after={"method": method},
            request=request,
        )


def record_failed_sign_in(*, email: str, request: HttpRequest, step: str = "password") -> None:
    """A sign-in that failed. The address typed is kept only when it is a staff member's:
    a citizen's mistyped password is no one's business, but that it happened, and from
    where, still is (many failures from one client)."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    staff = user if user is not None and is_staff_account(user) else None
    audit(
        action=Action.SIGN_IN_FAILED,
        actor=None,
        target=staff,
        bodies=bodies_of(staff) if staff else (),
        who=staff.email if staff else "",
        after={"step": step},
        request=request,
    )


def is_staff_account(user: User) -> bool:
    """Superusers, site administrators and members of a body: the accounts that must sign
    in with two factors, and whose sign-ins are audited."""
    return user.is_superuser or user.is_staff or user.memberships.exists()


def bodies_of(user: User) -> list[Any]:
    return [membership.body for membership in user.memberships.select_related("body")]


# Memberships: who acts for a body, in which role. Each change is in the audit log.


@transaction.atomic
def set_role(*, user: User, body: Any, role: str, by: User | None) -> Membership:
    """Make the person a member of the body in this role, or change their role there."""
    membership = Membership.objects.select_for_update().filter(user=user, body=body).first()
    before = {"role": membership.role} if membership else {}
    if membership is None:
        membership = Membership.objects.create(user=user, body=body, role=role)
    elif membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    else:
        return membership
    audit(
        action=Action.ROLE,
        actor=by,
        target=membership,
        body=membership.body,
        before=before,
        after={"role": role, "user": user.email},
    )
    return membership


@transaction.atomic
def end_membership(*, membership: Membership, by: User | None) -> None:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "body")
        .get(pk=membership.pk)
    )
    audit(
        action=Action.ROLE,
        actor=by,
        target=membership,
        body=membership.body,
        before={"role": membership.role, "user": membership.user.email},
        after={"role": None},
    )
    membership.delete()


# A person's data: the export, and the erasure.

EXPORT_PURPOSE = "data-export"


class ExportPending(Exception):
    """An export asked for earlier is still being made; one at a time is enough."""


@transaction.atomic
def request_export(*, user: User) -> DataExport:
    """Ask the worker for the person's data. The ZIP is made by the task, not in the request:
    a person with many photos would otherwise hold a web worker for as long as it takes."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if DataExport.objects.filter(user=user, ready__isnull=True).exists():
        raise ExportPending
    export = DataExport.objects.create(user=user)
    transaction.on_commit(partial(tasks.prepare_export.enqueue, export.pk), robust=True)
    return export


def prepare_export(export_id: int) -> str:
    """Make the ZIP, then e-mail its link. The file is written before the transaction that
    records it, so a worker killed in between leaves a file that no row names, which the
    hourly job does not know of; the row stays waiting and the task is tried again."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or not export.waiting:
        return "gone or done"
    name = exports.save_export_file(export)
    with transaction.atomic():
        now = timezone.now()
        ready = DataExport.objects.filter(pk=export.pk, ready__isnull=True).update(
            ready=now, expires=now + export_link_life(), file=name
        )
        if not ready:
            transaction.on_commit(partial(exports.delete_file, name))
            return "made twice; the copy removed"
        url = settings.BASE_URL + reverse(
            "accounts:download_export", args=[make_token(EXPORT_PURPOSE, str(export.pk))]
        )
        record(emails.data_export_ready(export.user, url, expires=now + export_link_life()))
    return "ready"


def export_link_life() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.EXPORT_LINK_HOURS)


class ExportGone(Exception):
    """The link was used already, has run out, or is not this person's."""


def export_for_token(token: str, user: User) -> DataExport:
    try:
        export_id = read_token(
            EXPORT_PURPOSE, token, max_age_seconds=int(export_link_life().total_seconds())
        )
    except BadToken as error:
        raise ExportGone from error
    export = DataExport.objects.filter(pk=export_id, user=user).first()
    if export is None or export.waiting or export.downloaded is not None:
        raise ExportGone
    if export.expires is not None and export.expires < timezone.now():
        raise ExportGone
    return export


def use_export(export: DataExport) -> bool:
    """Mark the export downloaded; of two requests racing with one link, one wins. The hourly
    job removes the file once the download has had time to finish."""
    used = DataExport.objects.filter(pk=export.pk, downloaded__isnull=True).update(
        downloaded=timezone.now()
    )
    return used == 1


def forget_exports(now: datetime.datetime, *, grace: datetime.timedelta) -> int:
    """Remove the exports that were downloaded more than `grace` ago or whose link ran out,
    file and row. Deleting the row first and the file after the commit: a file without a row
    is harmless, a row without its file would be a broken link."""
    return remove_exports(
        DataExport.objects.filter(Q(downloaded__lt=now - grace) | Q(expires__lt=now))
    )


def remove_exports(done: QuerySet[DataExport]) -> int:
    removed = 0
    for pk, name in done.values_list("pk", "file"):
        with transaction.atomic():
            removed += DataExport.objects.filter(pk=pk).delete()[0]
            transaction.on_commit(partial(exports.delete_file, name))
    return removed


@transaction.atomic
def erase_account(*, user: User) -> int:
    """Erase a person: every app removes its links to them (the highest first, since their
    rows reach the person through the core's), then the account goes. The public reports
    and updates stay, without the person. An address erased can sign up again as someone
    new. Returns the number of rows changed or removed."""
    changed = forget(user, EVERYTHING)
    names = list(DataExport.objects.filter(user=user).values_list("file", flat=True))
    for name in names:
        transaction.on_commit(partial(exports.delete_file, name))
    changed += forget_address(user.email)
    # The admin's log names the account in its words ("Kari Nordmann"), with its id.
    user_type = ContentType.objects.get_for_model(User)
    changed += LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).delete()[0]
    try:
        changed += user.delete()[0]
    except ProtectedError as error:
        # A row of an app that registered no erasure still needs the account; the whole
        # erasure is rolled back, and the person is told to ask the administrators.
        raise NotErasable(sorted({row._meta.label for row in error.protected_objects})) from error
    return changed


class NotErasable(Exception):
    """Some rows still need the account (the names of their models are the argument)."""


def forget(user: User, scope: Scope) -> int:
    return sum(erase(user, scope) for erase in reversed(handlers.erase))


@transaction.atomic
def anonymise_within(*, user: User, scope: Scope) -> int:
    """A staff request to anonymise a person within one body's reports: the links from those
    reports (and updates and supports on them) to the person go; the account stays."""
    return forget(user, scope)
