"""The daily digest of deliveries that need a person: those that failed for good, and those
still not sent a day after the report was confirmed (a mail server or endpoint that has been
down all day, or a worker that is not running).

It goes to settings.DIGEST_EMAILS, or to the superusers when that is empty, and only on days
when something is wrong. `torget worker` sends it once a day.
"""

import datetime
import itertools
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from torget.accounts.models import User
from torget.delivery import emails
from torget.delivery.models import Delivery, DeliveryState
from torget.mail.actions import record
from torget.places.models import Body

STUCK_AFTER = datetime.timedelta(hours=24)
# A digest is read, not searched: beyond this many the admin's list is the place to look.
MOST_LISTED = 200


@dataclass(frozen=True)
class Entry:
    delivery: Delivery
    admin_url: str


@dataclass(frozen=True)
class BodyEntries:
    body: Body
    failed: list[Entry]
    unsent: list[Entry]


@dataclass(frozen=True)
class Digest:
    bodies: list[BodyEntries]
    failed_count: int
    unsent_count: int
    unlisted_count: int
    failed_url: str
    unsent_url: str

    @property
    def total(self) -> int:
        return self.failed_count + self.unsent_count


def build_digest() -> Digest:
    """What is wrong now, grouped by body, failures first within each body."""
    wrong = Delivery.objects.stuck(STUCK_AFTER)
    failed_count = wrong.filter(state=DeliveryState.FAILED).count()
    unsent_count = wrong.count() - failed_count
    listed = list(
        wrong.select_related("report", "body").order_by("body__name", "body_id", "created")[
            :MOST_LISTED
        ]
    )
    return Digest(
        bodies=[group_of(body_id, list(entries)) for body_id, entries in by_body(listed)],
        failed_count=failed_count,
        unsent_count=unsent_count,
        unlisted_count=failed_count + unsent_count - len(listed),
        failed_url=changelist_url(state__exact=DeliveryState.FAILED),
        unsent_url=changelist_url(
            state__in=",".join(unsent_states()),
            created__lt=(timezone.now() - STUCK_AFTER).isoformat(timespec="seconds"),
        ),
    )


def by_body(deliveries: list[Delivery]) -> "itertools.groupby[int, Delivery]":
    return itertools.groupby(deliveries, key=lambda delivery: delivery.body_id)


def group_of(body_id: int, deliveries: list[Delivery]) -> BodyEntries:
    entries = [Entry(delivery, admin_url(delivery)) for delivery in deliveries]
    return BodyEntries(
        body=deliveries[0].body,
        failed=[e for e in entries if e.delivery.state == DeliveryState.FAILED],
        unsent=[e for e in entries if e.delivery.state != DeliveryState.FAILED],
    )


def unsent_states() -> list[str]:
    return [DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING]


def admin_url(delivery: Delivery) -> str:
    return settings.BASE_URL + reverse("admin:delivery_delivery_change", args=[delivery.pk])


def changelist_url(**filters: str) -> str:
    path = reverse("admin:delivery_delivery_changelist")
    return f"{settings.BASE_URL}{path}?{urlencode(filters)}"


def recipients() -> list[tuple[str, str]]:
    """(address, language) pairs: DIGEST_EMAILS in the site's language, or else every active
    superuser in their own."""
    if settings.DIGEST_EMAILS:
        return [(address, settings.LANGUAGE_CODE) for address in settings.DIGEST_EMAILS]
    admins = User.objects.filter(is_superuser=True, is_active=True).exclude(email="")
    return [(user.email, user.language or settings.LANGUAGE_CODE) for user in admins]


def send_daily_digest() -> int:
    """Send the digest if anything needs a person; returns how many deliveries it names."""
    digest = build_digest()
    if not digest.total:
        return 0
    with transaction.atomic():
        for address, language in recipients():
            record(emails.delivery_digest(address, digest, language=language))
    return digest.total
