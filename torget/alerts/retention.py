"""How long alerts keeps what is personal (lib/retention.py). The alert run forgets its own
log and expired sign-ups as it goes (sending.forget_old_runs); the same rules are listed
here so the daily run and its dry run show them with the rest."""

import datetime

from django.db import transaction
from django.db.models import QuerySet

from torget.alerts import actions
from torget.alerts.models import SentDigest, Subscription
from torget.alerts.sending import KEEP_EXTRA, MAX_LOOKBACK
from torget.lib.retention import Rule, days


def expired_sign_ups(now: datetime.datetime) -> QuerySet[Subscription]:
    expired = now - days(actions.CONFIRMATION_DAYS) - KEEP_EXTRA
    return Subscription.objects.never_confirmed(created_before=expired)


def sent_log(now: datetime.datetime) -> QuerySet[SentDigest]:
    return SentDigest.objects.filter(sent__lt=now - MAX_LOOKBACK - KEEP_EXTRA)


@transaction.atomic
def delete(rows: QuerySet[Subscription] | QuerySet[SentDigest]) -> int:
    return rows.delete()[1].get(rows.model._meta.label, 0)


RULES = [
    Rule(
        "alert sign-ups never confirmed",
        lambda: f"made more than {actions.CONFIRMATION_DAYS + 1} days ago",
        expired_sign_ups,
        delete,
    ),
    Rule("alert e-mails' log", lambda: "older than 4 days", sent_log, delete),
]
