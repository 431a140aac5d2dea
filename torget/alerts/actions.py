"""Signing up for alerts, confirming, changing and stopping them: one function each.

Links in alert e-mails carry signed tokens (lib/signing.py), so confirming and unsubscribing
need no login. A confirmation link names one subscription and expires; an unsubscribe link
names a person and the subscriptions an e-mail was about, and lasts as long as anyone keeps
an old e-mail.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from torget.accounts.actions import address_proven, user_for_email
from torget.accounts.handlers import Scope
from torget.accounts.models import User
from torget.alerts import emails, personal_data
from torget.alerts.models import SentDigest, Subscription, SubscriptionKind
from torget.lib.signing import make_token, read_token
from torget.mail.actions import record
from torget.places.models import Area, AreaKind, Body, Postcode
from torget.reports.models import Category, Report

CONFIRM = "alert-confirm"
UNSUBSCRIBE = "alert-unsubscribe"
CONFIRMATION_DAYS = 7
# Unsubscribe links must keep working in old e-mails: RFC 8058 expects the link in any
# message the person still has to stop the mail. The signature, not the age, protects it.
UNSUBSCRIBE_MAX_AGE = 10 * 365 * 24 * 3600

# The default radius of a "near this place" alert follows the population density, so that a
# circle holds about as many people in Oslo as in Eidskog. Torget stores no population, but
# it does store the postcodes (`import-postcodes`): Posten draws them by the number of
# addresses served, so postcodes per km² of the kommune is a fair stand-in for people per km².
# The radius is the circle that holds about POSTCODES_IN_CIRCLE postcodes: Oslo (633
# postcodes on 454 km²) gets about 1 km, Kongsvinger (23 on 1,036 km²) about 8.5 km, Eidskog
# (8 on 642 km²) the maximum. Without postcodes or outside every kommune, FALLBACK_RADIUS.
POSTCODES_IN_CIRCLE = 5
MIN_RADIUS = 500
MAX_RADIUS = 10_000
FALLBACK_RADIUS = 2_000
KM_PER_DEGREE = 111.32


def default_radius(lat: float, lon: float) -> int:
    """Metres, rounded to 100 m; see POSTCODES_IN_CIRCLE for the rule."""
    kommune = Area.objects.covering(lat, lon).filter(kind=AreaKind.KOMMUNE).first()
    if kommune is None:
        return FALLBACK_RADIUS
    postcodes = Postcode.objects.filter(municipality_code=kommune.code).count()
    return radius_for_density(postcodes, area_in_square_km(kommune))


def radius_for_density(postcodes: int, square_km: float) -> int:
    if not postcodes or square_km <= 0:
        return FALLBACK_RADIUS
    radius_km = math.sqrt(POSTCODES_IN_CIRCLE / (math.pi * postcodes / square_km))
    return int(min(max(round(radius_km * 10) * 100, MIN_RADIUS), MAX_RADIUS))


def area_in_square_km(area: Area) -> float:
    """Near enough for a density: degrees² scaled by the length of a degree at the middle."""
    geometry = area.geometry
    middle = math.radians((area.min_lat + area.max_lat) / 2)
    return float(geometry.area) * KM_PER_DEGREE**2 * math.cos(middle)


@dataclass
class Target:
    """What a new subscription follows: a report, a circle, an area or a body."""

    kind: str
    report: Report | None = None
    area: Area | None = None
    body: Body | None = None
    lat: float | None = None
    lon: float | None = None
    radius: int | None = None
    label: str = ""
    categories: list[Category] = field(default_factory=list)
    include_new: bool = True
    include_fixed: bool = False

    def same_as(self) -> dict[str, object]:
        """The fields that make two subscriptions of one person the same subscription."""
        if self.kind == SubscriptionKind.REPORT:
            return {"kind": self.kind, "report": self.report}
        if self.kind == SubscriptionKind.AREA:
            return {"kind": self.kind, "area": self.area}
        if self.kind == SubscriptionKind.BODY:
            return {"kind": self.kind, "body": self.body}
        return {"kind": self.kind, "lat": self.lat, "lon": self.lon}


@transaction.atomic
def subscribe(*, user: User, target: Target) -> Subscription:
    """A person whose address is proven (logged in and verified) follows at once. The same
    thing followed again is the same subscription, switched on with the new choices."""
    subscription = (
        Subscription.objects.select_for_update()
        .filter(user=user, **target.same_as())
        .order_by("-active", "pk")
        .first()
    )
    existing = subscription is not None
    if subscription is None:
        subscription = Subscription(user=user)
    apply_target(subscription, target)
    subscription.active = True
    if subscription.confirmed is None:
        subscription.confirmed = timezone.now()
    if existing:
        subscription.save(update_fields=[*TARGET_FIELDS, "active", "confirmed"])
    else:
        subscription.save()
    subscription.categories.set(target.categories)
    return subscription


@transaction.atomic
def sign_up_by_email(*, email: str, target: Target, language: str) -> Subscription:
    """Anyone else gives an address and confirms from the e-mail sent to it. Nothing that
    exists is changed before then: the form is open to anyone who types any address."""
    user = user_for_email(email)
    subscription: Subscription | None = None
    if target.kind == SubscriptionKind.REPORT:
        subscription = Subscription.objects.filter(user=user, **target.same_as()).first()
        if subscription is not None and not subscription.active:
            # Turned off earlier: back on only once the address confirms again.
            subscription.active = True
            subscription.confirmed = None
            subscription.save(update_fields=["active", "confirmed"])
    if subscription is None:
        subscription = Subscription(user=user)
        apply_target(subscription, target)
        subscription.save()
        subscription.categories.set(target.categories)
    url = confirmation_url(subscription)
    message = emails.alert_confirmation(
        subscription, url, days=CONFIRMATION_DAYS, fallback_language=language
    )
    record(message)
    return subscription


def follow_report(user: User, report: Report) -> Subscription:
    """Whoever takes part in a report (reports it, writes on it, supports it, answers it)
    follows it; registered with reports' handlers (took_part). Taking part is an act that
    already proved the address, so the subscription is confirmed at once. One switched off
    stays off: the person chose that."""
    subscription, _ = Subscription.objects.get_or_create(
        user=user,
        kind=SubscriptionKind.REPORT,
        report=report,
        defaults={"active": True, "confirmed": timezone.now()},
    )
    return subscription


def follow_original(duplicate: Report, original: Report) -> None:
    """Whoever follows a report that staff marked a duplicate follows the original too;
    registered with reports' handlers (duplicate_marked). Only subscriptions that are on and
    confirmed carry over, and one the person switched off on the original stays off."""
    followers = Subscription.objects.filter(
        kind=SubscriptionKind.REPORT, report=duplicate, active=True, confirmed__isnull=False
    ).values_list("user_id", flat=True)
    for user_id in followers:
        Subscription.objects.get_or_create(
            user_id=user_id,
            kind=SubscriptionKind.REPORT,
            report=original,
            defaults={"active": True, "confirmed": timezone.now()},
        )


# What apply_target sets.
TARGET_FIELDS = [
    "kind",
    "report",
    "area",
    "body",
    "lat",
    "lon",
    "radius",
    "label",
    "include_new",
    "include_fixed",
]


def apply_target(subscription: Subscription, target: Target) -> None:
    subscription.kind = target.kind
    subscription.report = target.report
    subscription.area = target.area
    subscription.body = target.body
    subscription.lat = target.lat
    subscription.lon = target.lon
    subscription.radius = target.radius
    subscription.label = target.label[:200]
    subscription.include_new = target.include_new
    subscription.include_fixed = target.include_fixed


def confirmation_url(subscription: Subscription) -> str:
    token = make_token(CONFIRM, str(subscription.pk))
    return settings.BASE_URL + reverse("alerts:confirm", args=[token])


def subscription_for_confirmation(token: str) -> Subscription:
    """Raises lib.signing.BadToken / ExpiredToken, or Subscription.DoesNotExist."""
    value = read_token(CONFIRM, token, max_age_seconds=CONFIRMATION_DAYS * 24 * 3600)
    return Subscription.objects.select_related("user", "report", "area", "body").get(pk=int(value))


@transaction.atomic
def confirm_subscription(*, subscription: Subscription) -> None:
    """The address is proven: alerts start from now, and the account counts as verified."""
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if locked.confirmed is None:
        locked.confirmed = timezone.now()
        locked.active = True
        locked.save(update_fields=["confirmed", "active"])
    address_proven(subscription.user)
    subscription.refresh_from_db()


def unsubscribe_token(user_id: int, subscription_ids: Iterable[int] = ()) -> str:
    """For the given subscriptions of the person, or all of them when none are given."""
    ids = ",".join(str(pk) for pk in sorted(set(subscription_ids))) or "all"
    return make_token(UNSUBSCRIBE, f"{user_id}:{ids}")


def unsubscribe_url(user_id: int, subscription_ids: Iterable[int] = ()) -> str:
    token = unsubscribe_token(user_id, subscription_ids)
    return settings.BASE_URL + reverse("alerts:unsubscribe", args=[token])


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link names: a person, and some of their subscriptions or all."""

    user_id: int
    subscription_ids: tuple[int, ...]  # empty: all of them

    def subscriptions(self) -> QuerySet[Subscription]:
        mine = Subscription.objects.filter(user_id=self.user_id)
        return mine.filter(pk__in=self.subscription_ids) if self.subscription_ids else mine


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """Raises lib.signing.BadToken when the token was not made here."""
    value = read_token(UNSUBSCRIBE, token, max_age_seconds=UNSUBSCRIBE_MAX_AGE)
    user_part, _, ids_part = value.partition(":")
    ids = () if ids_part == "all" else tuple(int(pk) for pk in ids_part.split(","))
    return Unsubscribe(user_id=int(user_part), subscription_ids=ids)


def unsubscribe(*, request: Unsubscribe) -> int:
    """Switch the named subscriptions off; returns how many were on."""
    return request.subscriptions().filter(active=True).update(active=False)


@dataclass(frozen=True)
class Changes:
    radius: int | None
    categories: list[Category]
    include_new: bool
    include_fixed: bool
    active: bool


@transaction.atomic
def change_subscription(*, subscription: Subscription, changes: Changes) -> None:
    fields = ["include_new", "include_fixed", "active"]
    subscription.include_new = changes.include_new
    subscription.include_fixed = changes.include_fixed
    subscription.active = changes.active
    if subscription.kind == SubscriptionKind.RADIUS and changes.radius:
        subscription.radius = changes.radius
        fields.append("radius")
    subscription.save(update_fields=fields)
    if subscription.kind != SubscriptionKind.REPORT:
        subscription.categories.set(changes.categories)


@transaction.atomic
def forget_person(user: User, scope: Scope) -> int:
    """The person's alerts stop and go, within the scope; the log of what they were mailed
    goes with the account (it is only ever read per person)."""
    subscriptions = Subscription.objects.filter(
        pk__in=personal_data.subscriptions_of(user, scope).values("pk")
    )
    removed = subscriptions.delete()[0]
    if scope.everything:
        removed += SentDigest.objects.filter(user=user).delete()[0]
    return removed
