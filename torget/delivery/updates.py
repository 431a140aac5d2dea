"""Status changes from bodies' Open311 systems, posted on the reports as the body's answers.

Each body's endpoint is asked for what changed since the last fetch: mySociety's
`servicerequestupdates` where the server offers it (a stream of updates, each with its own
text), else `requests` by `updated_after` (each request as it is now). A change becomes a
public Update with the body's badge and, through the contact's status mapping, a new state.

Where the last fetch ended is not a model field. The cache holds the newest `updated_datetime`
seen; when the cache has forgotten it (a restart, a local-memory cache), the database knows
it too, as the newest Update a fetch created, whose `created` is the body's own timestamp.
Both are on the body's clock, so a server whose clock differs from ours loses nothing, and
each fetch reaches back OVERLAP further for changes the server listed late. A change is posted
once: one that is not newer than the body's newest fetched update on that report is skipped.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from torget.delivery.models import (
    Contact,
    Delivery,
    DeliveryQuerySet,
    DeliveryState,
    SendMethod,
)
from torget.delivery.open311_client import (
    Endpoint,
    Item,
    Open311Client,
    Open311Error,
    parse_w3c,
    text,
    w3c,
)
from torget.places.models import Body
from torget.reports import actions
from torget.reports.models import PUBLIC_STATES, InvalidTransition, Report, State, Update

log = logging.getLogger(__name__)

OVERLAP = datetime.timedelta(minutes=30)
LONGEST_WINDOW = datetime.timedelta(days=90)  # what the spec lets a server refuse past
# External statuses understood without a mapping: the spec's two, and mySociety's extended
# set. "open" leaves the state as it is: the body has not said anything new.
DEFAULT_STATUSES = {
    "open": "",
    "closed": State.CLOSED,
    "fixed": State.FIXED,
    "acknowledged": State.ACKNOWLEDGED,
    "investigating": State.INVESTIGATING,
    "in_progress": State.IN_PROGRESS,
    "action_scheduled": State.PLANNED,
    "planned": State.PLANNED,
    "not_councils_responsibility": State.NOT_RESPONSIBLE,
    "not_responsible": State.NOT_RESPONSIBLE,
    "internal_referral": State.NOT_RESPONSIBLE,
    "no_further_action": State.NO_FURTHER_ACTION,
}


@dataclass(frozen=True)
class Source:
    """One body's endpoint; the body's contacts that share it are fetched together."""

    body_id: int
    endpoint: Endpoint


@dataclass(frozen=True)
class Change:
    service_request_id: str
    status: str
    text: str
    at: datetime.datetime


def fetch_all_updates() -> int:
    """The periodic job: fetch every endpoint that has updates to give; returns how many
    updates were posted. An endpoint that fails is tried again next time."""
    posted = 0
    for source in sources():
        try:
            posted += fetch_updates(source)
        except Open311Error as error:
            log.warning("Fetching updates from %s failed: %s", source.endpoint.url, error)
    return posted


def sources() -> list[Source]:
    contacts = (
        Contact.objects.filter(send_method=SendMethod.OPEN311, fetch_updates=True)
        .exclude(endpoint="")
        .select_related("category")
    )
    found = {Source(c.category.body_id, Endpoint.of(c)): None for c in contacts}
    return list(found)


def fetch_updates(source: Source) -> int:
    since = window_start(source)
    if since is None:
        return 0  # nothing has been sent there yet
    client = Open311Client(source.endpoint)
    changes = sorted(fetch_changes(client, since, timezone.now()), key=lambda c: c.at)
    posted = sum(post_change(source, change) for change in changes)
    if changes:
        remember_newest(source, changes[-1].at)
    return posted


def fetch_changes(
    client: Open311Client, since: datetime.datetime, until: datetime.datetime
) -> list[Change]:
    try:
        items = client.request_updates(since, until)
    except Open311Error as error:
        if not error.permanent:
            raise
        # No servicerequestupdates here (404, or 400 from servers that say so for any
        # unknown resource): the requests themselves say how they stand now.
        records = client.requests(updated_after=w3c(since))
        return [c for c in map(change_from_record, records) if c]
    return [c for c in map(change_from_update, items) if c]


def change_from_update(item: Item) -> Change | None:
    return change(item, text(item, "description"))


def change_from_record(item: Item) -> Change | None:
    return change(item, text(item, "status_notes"))


def change(item: Item, notes: str) -> Change | None:
    """Items without an id (Chicago lists requests still being processed) or a readable
    time cannot be placed, and are skipped, as FixMyStreet does."""
    service_request_id = text(item, "service_request_id")
    at = parse_w3c(text(item, "updated_datetime"))
    if not service_request_id or at is None:
        return None
    return Change(service_request_id, text(item, "status"), notes, at)


def window_start(source: Source) -> datetime.datetime | None:
    deliveries = deliveries_from(source)
    newest = cache.get(cache_key(source)) or newest_fetched(source, deliveries)
    start = newest or deliveries.aggregate(first=Min("sent_at"))["first"]
    if start is None:
        return None
    return max(start - OVERLAP, timezone.now() - LONGEST_WINDOW)


def deliveries_from(source: Source) -> DeliveryQuerySet:
    return Delivery.objects.filter(
        body_id=source.body_id,
        state=DeliveryState.SENT,
        contact__endpoint=source.endpoint.url,
        contact__jurisdiction=source.endpoint.jurisdiction,
    ).exclude(external_id="")


def newest_fetched(source: Source, deliveries: DeliveryQuerySet) -> datetime.datetime | None:
    fetched = Update.objects.filter(
        author=None, body_id=source.body_id, report__in=deliveries.values("report_id")
    )
    return fetched.aggregate(newest=Max("created"))["newest"]


def remember_newest(source: Source, at: datetime.datetime) -> None:
    known = cache.get(cache_key(source))
    if known is None or at > known:
        cache.set(cache_key(source), at, timeout=None)


def cache_key(source: Source) -> str:
    where = f"{source.endpoint.url} {source.endpoint.jurisdiction}".encode()
    return f"open311-updates:{source.body_id}:{hashlib.sha256(where).hexdigest()[:16]}"


def post_change(source: Source, change: Change) -> int:
    """Post the change on its report, once; returns 1 if an update was posted."""
    delivery = (
        deliveries_from(source)
        .filter(external_id=change.service_request_id)
        .select_related("contact", "body")
        .first()
    )
    if delivery is None:
        return 0  # a request that did not come from Torget
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=delivery.report_id)
        if already_posted(report, source.body_id, change):
            return 0
        contact = delivery.contact
        new_state = state_for(change.status, contact.status_map if contact else {})
        new_state = usable_state(report, new_state)
        if not new_state and not change.text:
            return 0
        return post_update(report, delivery.body, change, new_state)


def already_posted(report: Report, body_id: int, change: Change) -> bool:
    fetched = report.updates.filter(author=None, body_id=body_id)
    newest = fetched.aggregate(newest=Max("created"))["newest"]
    if newest is None or change.at > newest:
        return False
    # Older than what is on the report: the same change fetched again, or one the body has
    # since moved past (the citizen may have reopened the report after it).
    return change.at < newest or fetched.filter(created=change.at, text=change.text).exists()


def state_for(status: str, status_map: dict[str, str]) -> str:
    """The Torget state an external status maps to, or "" for no change."""
    lowered = {str(k).lower(): v for k, v in status_map.items()}
    state = status_map.get(status, lowered.get(status.lower()))
    if state is None:
        state = DEFAULT_STATUSES.get(status.lower(), "")
    if state and state not in PUBLIC_STATES:
        log.warning("Status %r maps to %r, which is not a state; ignored", status, state)
        return ""
    return str(state)


def usable_state(report: Report, new_state: str) -> str:
    """The state to move the report to, or "" if there is no move to make."""
    if not new_state or new_state == report.state:
        return ""
    if new_state == State.DUPLICATE:
        # A duplicate needs its original, which an external status cannot name.
        log.info("Report %s: 'duplicate' from the body's system not applied", report.pk)
        return ""
    return new_state


def post_update(report: Report, body: Body, change: Change, new_state: str) -> int:
    """The body's answer, as one answered on the web or by e-mail would be."""
    # The body's own timestamp, so the next fetch knows where this one ended; never before
    # the report was confirmed, so the timeline still reads in order.
    created = max(change.at, report.confirmed or report.created)
    try:
        actions.record_body_answer(
            report=report, body=body, text=change.text, new_state=new_state, at=created
        )
    except InvalidTransition as error:
        log.info("Report %s: the change from the body's system not applied: %s", report.pk, error)
        return 0
    return 1
