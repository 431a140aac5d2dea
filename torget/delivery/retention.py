"""How long delivery keeps its log (lib/retention.py): the error a body's server or mail
server gave, which may quote the report with the reporter's details, is emptied some time
after the delivery was done with. The delivery itself stays: it is the record of which body
got the report, and when."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from torget.delivery.models import Delivery, DeliveryState
from torget.lib.retention import Rule, days


def logged_errors(now: datetime.datetime) -> QuerySet[Delivery]:
    """A sent delivery keeps no error (Delivery.mark_sent), so these are the failed ones; a
    failure is never due again, so its last due time is when it was last tried."""
    cutoff = now - days(settings.KEEP_DELIVERY_LOG_DAYS)
    failed = Delivery.objects.filter(state=DeliveryState.FAILED, next_attempt_at__lt=cutoff)
    return failed.exclude(last_error="")


@transaction.atomic
def empty(rows: QuerySet[Delivery]) -> int:
    return rows.update(last_error="")


RULES = [
    Rule(
        "delivery errors",
        lambda: f"of deliveries failed more than {settings.KEEP_DELIVERY_LOG_DAYS} days ago",
        logged_errors,
        empty,
        verb="emptied",
    )
]
