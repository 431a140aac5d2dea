"""How long the outbox keeps e-mails to people (lib/retention.py): sent or given up on more
than TORGET_MAIL_KEEP_DAYS ago. The outbox's sweep does this every minute (sending.forget_old);
the rule is listed here so the daily run and its dry run show it with the rest. Login links
are not stored anywhere but in these e-mails."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from torget.lib.retention import Rule, days
from torget.mail.models import Email


def done(now: datetime.datetime) -> QuerySet[Email]:
    return Email.objects.done_before(now - days(settings.MAIL_KEEP_DAYS))


@transaction.atomic
def delete(rows: QuerySet[Email]) -> int:
    return rows.delete()[1].get(Email._meta.label, 0)


RULES = [
    Rule(
        "e-mails to people (with login links)",
        lambda: f"sent or given up on more than {settings.MAIL_KEEP_DAYS} days ago",
        done,
        delete,
    )
]
