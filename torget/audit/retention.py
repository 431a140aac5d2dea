"""How long the audit log is kept (lib/retention.py): TORGET_AUDIT_KEEP_DAYS. An entry names
staff and, for failed sign-ins, the address typed and the client's address; it is kept
long enough to answer "who did this?" after an incident, and then goes."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from torget.audit.models import Entry
from torget.lib.retention import Rule, days


def old_entries(now: datetime.datetime) -> QuerySet[Entry]:
    return Entry.objects.older_than(now - days(settings.AUDIT_KEEP_DAYS))


@transaction.atomic
def delete(rows: QuerySet[Entry]) -> int:
    return rows.delete()[1].get(Entry._meta.label, 0)


RULES = [
    Rule(
        "audit log entries",
        lambda: f"older than {settings.AUDIT_KEEP_DAYS} days",
        old_entries,
        delete,
    )
]
