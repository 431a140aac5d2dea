"""How long accounts keeps what is personal (lib/retention.py): sign-ins, sessions that have
ended, data exports whose link is used or gone, and accounts made for an address that nobody
ever proved and that nothing points at any more."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q, QuerySet

from torget.accounts import actions
from torget.accounts.handlers import handlers
from torget.accounts.jobs import DOWNLOAD_GRACE
from torget.accounts.models import DataExport, SignIn, User
from torget.lib.retention import Rule, days


def sign_ins(now: datetime.datetime) -> QuerySet[SignIn]:
    return SignIn.objects.filter(at__lt=now - days(settings.KEEP_SIGN_INS_DAYS))


def ended_sessions(now: datetime.datetime) -> QuerySet[Session]:
    return Session.objects.filter(expire_date__lt=now)


def used_exports(now: datetime.datetime) -> QuerySet[DataExport]:
    return DataExport.objects.filter(Q(downloaded__lt=now - DOWNLOAD_GRACE) | Q(expires__lt=now))


def unproven_accounts(now: datetime.datetime) -> QuerySet[User]:
    """Made when someone typed the address (a report or an alert never confirmed), never
    proven, never logged in, with no password, no staff role, and nothing left that names
    them: the rows that did (an unconfirmed report, a sign-up) are gone by their own rules."""
    found = User.objects.filter(
        email_verified=False,
        last_login__isnull=True,
        is_staff=False,
        is_superuser=False,
        password__startswith=UNUSABLE_PASSWORD_PREFIX,
        date_joined__lt=now - days(settings.KEEP_UNPROVEN_ACCOUNTS_DAYS),
        memberships__isnull=True,
    )
    for referenced in handlers.referenced:
        for ids in referenced():
            found = found.exclude(pk__in=ids)
    return found


@transaction.atomic
def delete(rows: QuerySet[Any]) -> int:
    """Deletes the rows and says how many of them (not counting what went with them)."""
    return rows.delete()[1].get(rows.model._meta.label, 0)


@transaction.atomic
def delete_accounts(users: QuerySet[User]) -> int:
    count = 0
    # Locked as they are read. A form that names one of these addresses at that very moment
    # fails on the missing account (the reporter's key) and can be sent again.
    for user in users.select_for_update(of=("self",)):
        count += 1
        user.delete()
    return count


RULES = [
    Rule(
        "sign-ins",
        lambda: f"older than {settings.KEEP_SIGN_INS_DAYS} days",
        sign_ins,
        delete,
    ),
    Rule("ended sessions", lambda: "past their expiry", ended_sessions, delete),
    Rule(
        "data exports",
        lambda: "downloaded, or their link run out",
        used_exports,
        actions.remove_exports,
    ),
    Rule(
        "accounts whose address was never proven",
        lambda: (
            f"made more than {settings.KEEP_UNPROVEN_ACCOUNTS_DAYS} days ago, with nothing left"
        ),
        unproven_accounts,
        delete_accounts,
    ),
]
