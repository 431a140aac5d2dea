"""How long reports keep what is personal (lib/retention.py): reports never confirmed go,
and closed or fixed reports lose their reporter, name and phone after some years."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from torget.lib.retention import Rule, days, years
from torget.places.models import Body
from torget.reports import actions
from torget.reports.models import CLOSED_STATES, FIXED_STATES, Report, State


def unconfirmed_days() -> int:
    # Never while the confirmation link still works.
    return max(settings.KEEP_UNCONFIRMED_DAYS, settings.REPORT_CONFIRMATION_DAYS)


def unconfirmed(now: datetime.datetime) -> QuerySet[Report]:
    cutoff = now - days(unconfirmed_days())
    return Report.objects.filter(state=State.UNCONFIRMED, created__lt=cutoff)


@transaction.atomic
def remove_reports(reports: QuerySet[Report]) -> int:
    return actions.delete_reports(reports)


def contact_periods() -> dict[int | None, int]:
    """Years to keep by body (None: every other body), where they are stricter than the
    installation's TORGET_KEEP_CONTACT_YEARS (0 there: kept until a body says otherwise)."""
    default = settings.KEEP_CONTACT_YEARS
    periods: dict[int | None, int] = {None: default} if default else {}
    for pk, kept in Body.objects.filter(keep_contact_years__isnull=False).values_list(
        "pk", "keep_contact_years"
    ):
        if kept is not None and (not default or kept < default):
            periods[pk] = kept
    return periods


def contact_details(now: datetime.datetime) -> QuerySet[Report]:
    """Closed or fixed reports, past their period since then, that still name a person."""
    periods = contact_periods()
    past = Q()
    for body_id, kept in periods.items():
        cutoff = now - years(kept)
        past |= Q(ended__lt=cutoff) if body_id is None else Q(ended__lt=cutoff, bodies=body_id)
    if not periods:
        return Report.objects.none()
    names = Q(reporter__isnull=False) | ~Q(reporter_name="") | ~Q(reporter_phone="")
    matching = (
        Report.objects.filter(state__in=FIXED_STATES | CLOSED_STATES)
        .alias(ended=Coalesce("closed", "fixed"))
        .filter(names)
        .filter(past)
    )
    # A report of several bodies is matched once per body; count and change it once.
    return Report.objects.filter(pk__in=matching.values("pk"))


@transaction.atomic
def forget_contact_details(reports: QuerySet[Report]) -> int:
    return reports.update(reporter=None, reporter_name="", reporter_phone="", show_name=False)


RULES = [
    Rule(
        "unconfirmed reports",
        lambda: f"never confirmed, made more than {unconfirmed_days()} days ago",
        unconfirmed,
        remove_reports,
    ),
    Rule(
        "reporters' contact details on closed reports",
        lambda: (
            f"closed or fixed more than {settings.KEEP_CONTACT_YEARS} years ago "
            "(less for some bodies)"
        ),
        contact_details,
        forget_contact_details,
        verb="emptied",
    ),
]
