"""The alert job: mails each person, once per run, everything new that their subscriptions
match, and never the same item twice.

A run reads a short window of items (since the last finished run) and matches them against
every live subscription without a query per subscription or per item:

- the items: public reports confirmed in the window ("new"), public reports whose `fixed`
  falls in it ("fixed"), public updates created in it; plus the areas and bodies of those
  reports. Five queries.
- report subscriptions: those on the updated reports, one query.
- area and body subscriptions: those on the areas and bodies of the window's reports, one
  query each; matched in memory through dicts keyed by area and by body.
- radius subscriptions: all live ones, one query. The window's reports go into a grid of
  CELL_DEGREES cells; each circle looks only in the cells its square touches, then checks the
  exact distance.
- categories: one query over the narrowed subscriptions' categories.
- the sent log of the runs whose windows overlap this one: one query.

An item reaches a person only if it is newer than the subscription's confirmation and is not
their own action (their report, their update, their marking it fixed). Each person then gets
one e-mail, grouped by what they follow, in their language, with RFC 8058 one-click
unsubscribe headers. bench/alerts.py measures it with 100,000 subscriptions.
"""

import contextlib
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils import timezone

from torget.accounts.models import User
from torget.alerts import actions
from torget.alerts.digest import (
    AlertDigest,
    Entries,
    Entry,
    Section,
    digest_message,
    mime_bytes,
)
from torget.alerts.models import AlertLease, AlertRun, SentDigest, Subscription, SubscriptionKind
from torget.lib import geo
from torget.lib.smtp import is_permanent
from torget.mail.actions import record_failed
from torget.places.models import Area
from torget.reports.models import Report, State, Update

log = logging.getLogger(__name__)

# Items are read again from a little before the last run's end: an update whose transaction
# began before that moment but committed after it has an older `created` than the run that
# missed it. The sent log makes reading an item twice harmless.
OVERLAP = datetime.timedelta(minutes=10)
# The very first run, and a run after a long stop, look back no further than this: older
# news is no longer news, and a first run must not mail last month to everyone.
FIRST_LOOKBACK = datetime.timedelta(hours=1)
MAX_LOOKBACK = datetime.timedelta(days=3)
# The sent log and the runs are kept this much longer than the longest window, then dropped.
KEEP_EXTRA = datetime.timedelta(days=1)
# Waits between runs once runs keep failing (see retry_at).
BACK_OFF = datetime.timedelta(minutes=15)
BACK_OFF_AT_MOST = datetime.timedelta(hours=2)
# About 5.5 km north-south and 2.8 km east-west in southern Norway: a 1 km circle touches up
# to 4 cells, a 10 km one about 40.
CELL_DEGREES = 0.05
# People per batch: the sent log is written and committed, and their messages sent, a batch
# at a time. A crash between the two loses at most one batch's e-mails for the run.
BATCH = 500
# People whose accounts and subscriptions are read in one go, for several batches: on
# PostgreSQL each read of a batch cost about 8 ms beyond its rows (bench/alerts.py).
READ_BATCH = 4 * BATCH


class Sub(NamedTuple):
    id: int
    user_id: int
    kind: str
    report_id: int | None
    area_id: int | None
    body_id: int | None
    lat: float | None
    lon: float | None
    radius: int | None
    include_new: bool
    include_fixed: bool
    confirmed: datetime.datetime


SUB_FIELDS = Sub._fields


@dataclass(frozen=True)
class Item:
    """One thing to tell: `key` is what the sent log records ("new:12",
    "fixed:12:<when, as a Unix time>", "update:40")."""

    key: str
    kind: str
    report_id: int
    at: datetime.datetime
    # Whose action it is; they are never told of it.
    actor_id: int | None
    update_id: int | None = None
    sets_fixed: bool = False


@dataclass
class Place:
    """What matching needs to know of a report in the window."""

    lat: float
    lon: float
    category_id: int
    areas: list[int] = field(default_factory=list)
    bodies: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    start: datetime.datetime
    until: datetime.datetime


@dataclass
class WindowItems:
    new: dict[int, Item]
    fixed: dict[int, Item]
    updates: dict[int, list[Item]]  # by report
    places: dict[int, Place]

    def report_ids(self) -> set[int]:
        return set(self.new) | set(self.fixed) | set(self.updates)


# What each person is to be told: user id -> item key -> (item, the subscription it came by).
Found = dict[int, dict[str, tuple[Item, int]]]


def send_due_alerts() -> int:
    """Send one e-mail per person with everything new for them; return how many were sent.
    Returns 0 at once while another run holds the lease (see AlertLease), and while the runs
    back off from a mail server that keeps failing (see retry_at)."""
    now = timezone.now()
    wait_until = retry_at()
    if wait_until is not None and now < wait_until:
        log.info("the last alert runs failed; the next one tries again at %s", wait_until)
        return 0
    run = AlertRun.objects.create(started=now, until=now)
    holder = f"run:{run.pk}"
    if not AlertLease.take(holder):
        log.info("another alert run is under way; this one stops")
        run.delete()
        return 0
    try:
        window = window_ending(now)
        items = read_items(window)
        found = match(items)
        drop_already_sent(found, window)
        sent = send(found, stamp=now, holder=holder)
        run.finished = timezone.now()
        run.emails = sent
        run.save(update_fields=["finished", "emails"])
        forget_old_runs(now)
    finally:
        AlertLease.release(holder)
    return sent


def retry_at() -> datetime.datetime | None:
    """When the next run may start, after runs that did not finish (the mail server failed,
    or the process died) since the last one that did. After one such run the next tries at
    once (the worker waits a few minutes before it retries a job that raised); after more,
    each waits twice as long as the one before, from BACK_OFF up to BACK_OFF_AT_MOST, so a
    mail server that is down for hours is not asked every few minutes."""
    finished = AlertRun.objects.filter(finished__isnull=False).order_by("-started").first()
    failed = AlertRun.objects.filter(finished__isnull=True)
    if finished is not None:
        failed = failed.filter(started__gt=finished.started)
    count = failed.count()
    if count < 2:
        return None
    latest = failed.order_by("-started").values_list("started", flat=True).first()
    assert latest is not None  # there are two at least
    return latest + min(BACK_OFF * 2 ** (count - 2), BACK_OFF_AT_MOST)


def forget_old_runs(now: datetime.datetime) -> None:
    """No run reads items older than MAX_LOOKBACK, and an item is logged after it happened,
    so older log rows can never stop a send again. Sign-ups whose confirmation link has
    expired go too: each e-mail sign-up makes a row, and unconfirmed ones would pile up."""
    SentDigest.objects.filter(sent__lt=now - MAX_LOOKBACK - KEEP_EXTRA).delete()
    AlertRun.objects.filter(until__lt=now - MAX_LOOKBACK - KEEP_EXTRA).delete()
    expired = now - datetime.timedelta(days=actions.CONFIRMATION_DAYS) - KEEP_EXTRA
    Subscription.objects.never_confirmed(created_before=expired).delete()


def window_ending(now: datetime.datetime) -> Window:
    last = AlertRun.objects.filter(finished__isnull=False).order_by("-until").first()
    start = now - FIRST_LOOKBACK if last is None else last.until - OVERLAP
    return Window(start=max(start, now - MAX_LOOKBACK), until=now)


# Reading the window


def read_items(window: Window) -> WindowItems:
    span = {"__gt": window.start, "__lte": window.until}

    def within(column: str) -> dict[str, datetime.datetime]:
        return {column + suffix: value for suffix, value in span.items()}

    reports = Report.objects.public()
    new_rows = reports.filter(**within("confirmed")).values_list(
        "pk", "lat", "lon", "category_id", "reporter_id", "confirmed"
    )
    fixed_rows = reports.filter(**within("fixed")).values_list(
        "pk", "lat", "lon", "category_id", "fixed"
    )
    update_rows = (
        Update.objects.public()
        .filter(**within("created"))
        .values_list("pk", "report_id", "author_id", "created", "new_state")
    )
    items = WindowItems(new={}, fixed={}, updates=defaultdict(list), places={})
    for pk, lat, lon, category_id, reporter_id, confirmed in new_rows:
        assert confirmed is not None  # by the filter on it
        items.new[pk] = Item(f"new:{pk}", "new", pk, confirmed, reporter_id)
        items.places[pk] = Place(lat, lon, category_id)
    fixed_at: dict[int, datetime.datetime] = {}
    for pk, lat, lon, category_id, fixed in fixed_rows:
        assert fixed is not None  # by the filter on it
        fixed_at[pk] = fixed
        items.places.setdefault(pk, Place(lat, lon, category_id))
    fixers = who_marked_fixed(fixed_at)
    for pk, fixed in fixed_at.items():
        key = f"fixed:{pk}:{int(fixed.timestamp())}"
        items.fixed[pk] = Item(key, "fixed", pk, fixed, fixers.get(pk))
    for pk, report_id, author_id, created, new_state in update_rows:
        item = Item(
            f"update:{pk}", "update", report_id, created, author_id, pk, new_state == State.FIXED
        )
        items.updates[report_id].append(item)
    read_areas_and_bodies(items.places)
    return items


def who_marked_fixed(fixed_at: dict[int, datetime.datetime]) -> dict[int, int | None]:
    """The author of the latest "fixed" update on each report: the person who said so."""
    rows = (
        Update.objects.filter(report_id__in=list(fixed_at), new_state=State.FIXED)
        .order_by("created", "pk")
        .values_list("report_id", "author_id")
    )
    return dict(rows)


def read_areas_and_bodies(places: dict[int, Place]) -> None:
    ids = list(places)
    for chunk in chunks(ids, 5000):
        area_links = Report.areas.through.objects.filter(report_id__in=chunk)
        for report_id, area_id in area_links.values_list("report_id", "area_id"):
            places[report_id].areas.append(area_id)
        body_links = Report.bodies.through.objects.filter(report_id__in=chunk)
        for report_id, body_id in body_links.values_list("report_id", "body_id"):
            places[report_id].bodies.append(body_id)


def chunks[T](values: list[T], size: int) -> Iterator[list[T]]:
    """Lists short enough for any database's limit on query parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


# Matching


def match(items: WindowItems) -> Found:
    found: Found = defaultdict(dict)
    live = Subscription.objects.live()
    narrowed = categories_of_narrowed()

    def offer(sub: Sub, report_id: int) -> None:
        wanted = narrowed.get(sub.id)
        if wanted is not None and items.places[report_id].category_id not in wanted:
            return
        if sub.include_new and report_id in items.new:
            tell(found, sub, items.new[report_id])
        if sub.include_fixed and report_id in items.fixed:
            tell(found, sub, items.fixed[report_id])

    updated = list(items.updates)
    for chunk in chunks(updated, 5000):
        follows = live.filter(kind=SubscriptionKind.REPORT, report_id__in=chunk)
        for sub in subs(follows):
            for item in items.updates[sub.report_id or 0]:
                tell(found, sub, item)
    by_area: dict[int, list[int]] = defaultdict(list)
    by_body: dict[int, list[int]] = defaultdict(list)
    for report_id, place in items.places.items():
        for area_id in place.areas:
            by_area[area_id].append(report_id)
        for body_id in place.bodies:
            by_body[body_id].append(report_id)
    by_area = with_earlier_generations(by_area)
    for sub in subs(live.filter(kind=SubscriptionKind.AREA, area_id__in=list(by_area))):
        for report_id in by_area[sub.area_id or 0]:
            offer(sub, report_id)
    for sub in subs(live.filter(kind=SubscriptionKind.BODY, body_id__in=list(by_body))):
        for report_id in by_body[sub.body_id or 0]:
            offer(sub, report_id)
    if items.places:
        grid = Grid(items.places)
        for sub in subs(live.filter(kind=SubscriptionKind.RADIUS)):
            for report_id in grid.within(sub):
                offer(sub, report_id)
    return found


def with_earlier_generations(by_area: dict[int, list[int]]) -> dict[int, list[int]]:
    """The reports of each area, listed under every generation of it as well.

    A boundary change (import-areas) makes a new row for the area, with the same kind and
    code, and new reports link to that row. A subscription names the row the person chose,
    which may be an earlier generation: it still means the same kommune or bydel. Two
    queries, over the few hundred areas of a window."""
    if not by_area:
        return by_area
    keys = {
        pk: (kind, code)
        for pk, kind, code in Area.objects.filter(pk__in=list(by_area)).values_list(
            "pk", "kind", "code"
        )
    }
    reports_by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for area_id, report_ids in by_area.items():
        if area_id in keys:
            reports_by_key[keys[area_id]].extend(report_ids)
    generations = Area.objects.filter(code__in={code for _, code in keys.values()})
    widened: dict[int, list[int]] = {}
    for pk, kind, code in generations.values_list("pk", "kind", "code"):
        if (kind, code) in reports_by_key:
            widened[pk] = reports_by_key[kind, code]
    return widened


def subs(subscriptions: Any) -> Iterator[Sub]:
    for row in subscriptions.values_list(*SUB_FIELDS).iterator(chunk_size=5000):
        yield Sub._make(row)


def tell(found: Found, sub: Sub, item: Item) -> None:
    if item.at <= sub.confirmed or item.actor_id == sub.user_id:
        return
    found[sub.user_id].setdefault(item.key, (item, sub.id))


def categories_of_narrowed() -> dict[int, set[int]]:
    """Subscription id -> the categories it is narrowed to, for the live ones that are."""
    through = Subscription.categories.through.objects.filter(
        subscription__active=True, subscription__confirmed__isnull=False
    )
    narrowed: dict[int, set[int]] = defaultdict(set)
    for sub_id, category_id in through.values_list("subscription_id", "category_id"):
        narrowed[sub_id].add(category_id)
    return narrowed


class Grid:
    """The window's reports in cells of CELL_DEGREES, for "which are within this circle"."""

    def __init__(self, places: dict[int, Place]) -> None:
        self.places = places
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for report_id, place in places.items():
            self.cells[cell(place.lat), cell(place.lon)].append(report_id)

    def within(self, sub: Sub) -> Iterator[int]:
        if sub.lat is None or sub.lon is None or not sub.radius:
            return
        south, west, north, east = geo.bounding_box(sub.lat, sub.lon, sub.radius)
        ky, kx = geo.metres_per_degree(sub.lat)
        limit = float(sub.radius) ** 2
        for row in range(cell(south), cell(north) + 1):
            for column in range(cell(west), cell(east) + 1):
                for report_id in self.cells.get((row, column), ()):
                    place = self.places[report_id]
                    north_m = (place.lat - sub.lat) * ky
                    east_m = (place.lon - sub.lon) * kx
                    if north_m * north_m + east_m * east_m <= limit:
                        yield report_id


def cell(degrees: float) -> int:
    return int(degrees // CELL_DEGREES)


def drop_already_sent(found: Found, window: Window) -> None:
    """Remove what the sent log says each person was told already, and a "fixed" item when
    the person hears of the same report's "fixed" update anyway.

    An item of the window happened after its start, and a run tells only what happened
    before the run began (its `sent`), so only the log of runs that began after the window's
    start can hold it: in steady work, the last run's."""
    since = window.start - SentDigest.CLOCK_MARGIN
    told = SentDigest.objects.filter(sent__gt=since).values_list("user_id", "items")
    for user_id, keys in told.iterator(chunk_size=5000):
        keyed = found.get(user_id)
        if keyed:
            for key in keys.split():
                keyed.pop(key, None)
    for user_id in list(found):
        keyed = found[user_id]
        fixed_by_update = {item.report_id for item, _ in keyed.values() if item.sets_fixed}
        for key in [
            key
            for key, (item, _) in keyed.items()
            if item.kind == "fixed" and item.report_id in fixed_by_update
        ]:
            del keyed[key]
        if not keyed:
            del found[user_id]


# Sending


class SendFailed(Exception):
    """The mail server failed in a way that may pass; what was not sent is left for the next
    run."""


def send(found: Found, *, stamp: datetime.datetime, holder: str) -> int:
    """Log, then send, a batch of people at a time. The sent log is written and committed
    *before* the e-mails leave: a crash between the two loses those people's e-mail for this
    run, where logging after sending would mail them twice after a crash, and "never twice" is
    the promise. When the mail server fails in a way that may pass, the log rows of the batch's
    people not yet mailed are taken back, and the run stops: the next run tries them again.

    The lease is renewed before each batch; a run that has lost it (it stalled for longer
    than AlertLease.LEASE_FOR, and another run may have begun) logs and sends no more."""
    if not found:
        return 0
    reports, updates = read_for_rendering(found)
    entries = Entries()
    sent = 0
    for owned, people in batches(found):
        if not AlertLease.renew(holder):
            raise SendFailed("the run lost its lease; it stopped before the next batch")
        log_sent(owned, stamp)
        outcome = send_batch(compose(owned, people, reports, updates, entries))
        sent += len(outcome.sent)
        if outcome.error is not None:
            done = outcome.sent | outcome.refused
            unclaim([user_id for user_id in owned if user_id not in done], stamp)
            raise SendFailed(
                f"alert e-mails stopped after {sent}: {describe(outcome.error)}"
            ) from outcome.error
    return sent


def compose(
    owned: Found,
    people: "Recipients",
    reports: dict[int, Report],
    updates: dict[int, Update],
    entries: Entries,
) -> list[tuple[int, EmailMultiAlternatives]]:
    """Each person's digest as an e-mail, by their id."""
    messages = []
    for user_id in sorted(owned):
        user = people.users.get(user_id)
        if user is None or not user.email:
            continue
        digest = build_digest(owned[user_id], reports, updates, people.subscriptions, entries)
        if digest.sections:
            messages.append((user_id, digest_message(user, digest)))
    return messages


@dataclass
class Outcome:
    """What became of a batch's e-mails, by the person's id."""

    sent: set[int] = field(default_factory=set)
    # Refused for good: trying again every run would not help.
    refused: set[int] = field(default_factory=set)
    # What stopped the batch, when something that may pass did.
    error: Exception | None = None


def send_batch(messages: list[tuple[int, EmailMultiAlternatives]]) -> Outcome:
    """Send the messages over one connection to the configured mail server (in production a
    relay MTA on the same machine, which queues and delivers them). A recipient refused for
    good is recorded and the others go on; anything that may pass stops the batch."""
    outcome = Outcome()
    if not messages:
        return outcome
    connection = mailers.default
    try:
        connection.open()
        for user_id, message in messages:
            try:
                send_one(connection, message)
            # smtplib's errors are OSErrors; Django raises ValueError for an address that no
            # SMTP server could be given.
            except (OSError, ValueError) as error:
                if not is_permanent(error):
                    raise
                refused(user_id, message, error)
                outcome.refused.add(user_id)
            else:
                outcome.sent.add(user_id)
    except (OSError, ValueError) as error:
        outcome.error = error
    finally:
        with contextlib.suppress(OSError):
            connection.close()
    return outcome


def send_one(connection: BaseEmailBackend, message: EmailMultiAlternatives) -> None:
    """Over SMTP, the digest's bytes as digest.mime_bytes writes them, on the backend's open
    connection; any other backend (the demo's outbox, the console, the tests') is given the
    message itself."""
    if not isinstance(connection, SmtpBackend) or connection.connection is None:
        connection.send_messages([message])
        return
    smtp = connection.connection
    # The addresses as Django's SMTP backend gives them: ASCII, or a ValueError.
    sender = connection.prep_address(message.from_email)
    [to] = [connection.prep_address(address) for address in message.recipients()]
    smtp.ehlo_or_helo_if_needed()  # what the server offers is known after its EHLO reply
    eight_bit = smtp.has_extn("8bitmime")
    content = mime_bytes(message, eight_bit=eight_bit, to=to)
    smtp.sendmail(sender, [to], content, mail_options=["BODY=8BITMIME"] if eight_bit else [])


def refused(user_id: int, message: EmailMultiAlternatives, error: Exception) -> None:
    """Kept in the outbox as failed, where staff see it beside the other e-mails to people
    and can send it again once the address is fixed."""
    log.warning("alert e-mail to user %s refused for good: %s", user_id, describe(error))
    record_failed(message, error=describe(error))


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def read_for_rendering(found: Found) -> tuple[dict[int, Report], dict[int, Update]]:
    report_ids: set[int] = set()
    update_ids: set[int] = set()
    for keyed in found.values():
        for item, _ in keyed.values():
            report_ids.add(item.report_id)
            if item.update_id is not None:
                update_ids.add(item.update_id)
    reports: dict[int, Report] = {}
    for chunk in chunks(sorted(report_ids), 5000):
        reports.update(Report.objects.select_related("category").in_bulk(chunk))
    updates: dict[int, Update] = {}
    for chunk in chunks(sorted(update_ids), 5000):
        updates.update(Update.objects.select_related("body").in_bulk(chunk))
    return reports, updates


@dataclass
class Recipients:
    """The people of some batches, as their digests need them: active accounts, and the
    subscriptions their items came by."""

    users: dict[int, User]
    subscriptions: dict[int, Subscription]

    @classmethod
    def of(cls, found: Found) -> "Recipients":
        people = User.objects.filter(pk__in=list(found), is_active=True)
        return cls(
            users=people.only("email", "name", "language").in_bulk(),
            subscriptions=subscriptions_for_digests().in_bulk(
                {sub_id for keyed in found.values() for _, sub_id in keyed.values()}
            ),
        )


def batches(found: Found) -> Iterator[tuple[Found, Recipients]]:
    """The people BATCH at a time, each batch with the Recipients of its group: accounts and
    subscriptions are read READ_BATCH people at a time."""
    for group in chunks(sorted(found), READ_BATCH):
        people = Recipients.of({user_id: found[user_id] for user_id in group})
        for batch in chunks(group, BATCH):
            yield {user_id: found[user_id] for user_id in batch}, people


def subscriptions_for_digests() -> Any:
    """With only what a digest shows of them: a digest builds 100,000 of these a run, and
    whole rows (a report's text, an area's boundary) made that a tenth of the rendering."""
    return Subscription.objects.select_related("report", "area", "body").only(*DIGEST_FIELDS)


DIGEST_FIELDS = [
    "user_id",
    "kind",
    "lat",
    "lon",
    "radius",
    "label",
    "report__title",
    "area__name",
    "area__min_lat",
    "area__max_lat",
    "area__min_lon",
    "area__max_lon",
    "body__name",
    "body__slug",
]


def log_sent(found: Found, stamp: datetime.datetime) -> None:
    """Write the batch's sent log, one row per person, and commit it."""
    SentDigest.objects.bulk_create(
        (
            SentDigest(user_id=user_id, sent=stamp, items=" ".join(keyed))
            for user_id, keyed in found.items()
        ),
        batch_size=ROWS_PER_INSERT,
    )


# Rows per INSERT: three parameters each, well within SQLite's 32,766 and PostgreSQL's 65,535.
ROWS_PER_INSERT = 500


def unclaim(user_ids: list[int], stamp: datetime.datetime) -> None:
    for chunk in chunks(user_ids, 5000):
        SentDigest.objects.filter(user_id__in=chunk, sent=stamp).delete()


# The digest


def in_order(pair: tuple[Item, int]) -> tuple[datetime.datetime, str]:
    return pair[0].at, pair[0].key


def build_digest(
    keyed: dict[str, tuple[Item, int]],
    reports: dict[int, Report],
    updates: dict[int, Update],
    subscriptions: dict[int, Subscription],
    entries: Entries,
) -> AlertDigest:
    sections: dict[int, Section] = {}
    for item, sub_id in sorted(keyed.values(), key=in_order):
        section = sections.get(sub_id)
        if section is None:
            subscription = subscriptions.get(sub_id)
            if subscription is None:
                continue
            section = sections[sub_id] = Section(subscription=subscription)
        report = reports.get(item.report_id)
        if report is None:
            continue
        if section.full:
            # Counted, not listed: a kommune's section can count a hundred new reports.
            section.more += 1
        elif item.update_id is not None:
            if item.update_id in updates:
                section.add(Entry("update", report, updates[item.update_id]))
        else:
            section.add(Entry(item.kind, report))
    return AlertDigest(sections=[s for s in sections.values() if s.entries], entries=entries)


def digests_for(found: Found) -> Iterable[AlertDigest]:
    """For the benchmark: the digests a run would send, without sending."""
    reports, updates = read_for_rendering(found)
    subscriptions = subscriptions_for_digests().in_bulk(
        {sub_id for keyed in found.values() for _, sub_id in keyed.values()}
    )
    entries = Entries()
    for keyed in found.values():
        yield build_digest(keyed, reports, updates, subscriptions, entries)
