"""Reading the parameters of GET requests and servicerequestupdates, with spec errors.

Every problem found is collected, so a client that got three parameters wrong hears about all
three at once. An empty parameter counts as absent: the spec says optional means an empty and a
missing parameter give the same answer.
"""

import datetime
import functools
import math
import re
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext

MAX_SPAN = datetime.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000
MAX_RADIUS_M = 50_000
# "2026-11-28T17:42:00 01:00": a '+' sent unencoded in a query string arrives as a space.
SPACE_FOR_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}:)60")
STATUSES = ("open", "closed")


class ApiError(Exception):
    """One or more problems with a request, all with the same HTTP status."""

    def __init__(self, status: int, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def value(params: QueryDict, name: str) -> str:
    return params.get(name, "").strip()


def parse_datetime(name: str, raw: str) -> datetime.datetime:
    """A W3C/ISO 8601 date-time. `Z`, an offset or fractional seconds are fine; without a
    time zone it is read as local time (Europe/Oslo); a date alone means its midnight."""
    text = SPACE_FOR_PLUS.sub(r"\1+\2", raw.strip().upper())
    # RFC 3339 allows a leap second; Python's datetime has none.
    text = LEAP_SECOND.sub(r"\g<1>59", text)
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            gettext("%(name)s is not a date and time such as 2026-11-28T17:42:00+01:00.")
            % {"name": name}
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        # Within hours of year 1 or year 9999: as far as any report is concerned, the same.
        edge = datetime.datetime.min if parsed.year == 1 else datetime.datetime.max
        return edge.replace(tzinfo=datetime.UTC)


def shifted(moment: datetime.datetime, delta: datetime.timedelta) -> datetime.datetime:
    try:
        return moment + delta
    except OverflowError:
        edge = datetime.datetime.max if delta > datetime.timedelta(0) else datetime.datetime.min
        return edge.replace(tzinfo=datetime.UTC)


def local_iso(moment: datetime.datetime | None) -> str | None:
    """Seconds precision, with the offset of the site's time zone."""
    if moment is None:
        return None
    return moment.astimezone(site_zone(settings.TIME_ZONE)).isoformat(timespec="seconds")


@functools.cache
def site_zone(name: str) -> zoneinfo.ZoneInfo:
    # Looked up once: asking Django for the current zone cost more than the conversion.
    return zoneinfo.ZoneInfo(name)


def comma_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_number(name: str, raw: str, low: float, high: float) -> float:
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(gettext("%(name)s must be a number.") % {"name": name}) from None
    # Written so that NaN fails too.
    if not (low <= number <= high) or math.isnan(number):
        raise ValueError(
            gettext("%(name)s must be between %(low)s and %(high)s.")
            % {"name": name, "low": low, "high": high}
        )
    return number


def parse_int(name: str, raw: str, low: int, high: int) -> int:
    try:
        number = int(raw)
    except ValueError:
        raise ValueError(gettext("%(name)s must be a whole number.") % {"name": name}) from None
    if not low <= number <= high:
        raise ValueError(
            gettext("%(name)s must be between %(low)d and %(high)d.")
            % {"name": name, "low": low, "high": high}
        )
    return number


@dataclass
class Window:
    """A range of times, at most MAX_SPAN long."""

    start: datetime.datetime | None = None
    end: datetime.datetime | None = None


@dataclass
class Circle:
    lat: float
    lon: float
    metres: float


@dataclass
class RequestFilters:
    """GET requests: the spec's filters and the common extensions."""

    ids: list[int] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    requested: Window = field(default_factory=Window)
    updated: Window = field(default_factory=Window)
    circle: Circle | None = None
    bbox: tuple[float, float, float, float] | None = None
    page: int = 1
    page_size: int = MAX_PAGE_SIZE
    extensions: bool = False


class Collector:
    """Runs each parser, keeping its result or its message."""

    def __init__(self, params: QueryDict) -> None:
        self.params = params
        self.errors: list[str] = []

    def get(self, name: str) -> str:
        return value(self.params, name)

    def datetime(self, name: str) -> datetime.datetime | None:
        raw = self.get(name)
        if not raw:
            return None
        try:
            return parse_datetime(name, raw)
        except ValueError as error:
            self.errors.append(str(error))
            return None

    def window(self, start_name: str, end_name: str, *, default: bool) -> Window:
        start, end = self.datetime(start_name), self.datetime(end_name)
        if start and end and end < start:
            self.errors.append(
                gettext("%(end)s is before %(start)s.") % {"start": start_name, "end": end_name}
            )
        elif start and end and end - start > MAX_SPAN:
            self.errors.append(
                gettext("%(start)s and %(end)s may be at most 90 days apart.")
                % {"start": start_name, "end": end_name}
            )
        if start and not end and default:
            end = shifted(start, MAX_SPAN)
        elif end and not start and default:
            start = shifted(end, -MAX_SPAN)
        elif not start and not end and default:
            end = timezone.now()
            start = end - MAX_SPAN
        return Window(start, end)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get(name)
        if not raw:
            return default
        try:
            return parse_int(name, raw, low, high)
        except ValueError as error:
            self.errors.append(str(error))
            return default

    def flag(self, name: str) -> bool:
        raw = self.get(name)
        if raw in ("", "false"):
            return False
        if raw == "true":
            return True
        self.errors.append(gettext("%(name)s must be true or false.") % {"name": name})
        return False

    def fail_if_any(self) -> None:
        if self.errors:
            raise ApiError(400, self.errors)


def request_filters(params: QueryDict) -> RequestFilters:
    """The filters of GET requests.json/xml; raises ApiError listing every bad parameter."""
    read = Collector(params)
    filters = RequestFilters(
        extensions=read.flag("extensions"),
        page=read.integer("page", 1, 1, 1_000_000),
        page_size=read.integer("page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    )
    raw_ids = comma_list(read.get("service_request_id"))
    if raw_ids:
        # The spec: a list of ids overrides every other filter (records.filtered_reports).
        # The others are still read, so that a bad one is an error and not silently ignored.
        filters.ids = ids(read, raw_ids)
    filters.service_codes = comma_list(read.get("service_code"))
    filters.statuses = statuses(read)
    updated_given = bool(read.get("updated_after") or read.get("updated_before"))
    dates_given = bool(read.get("start_date") or read.get("end_date"))
    # Asking for what changed recently must reach old reports too, so the default window of
    # the last 90 days applies only when no updated_ range is given.
    filters.requested = read.window(
        "start_date", "end_date", default=dates_given or not updated_given
    )
    filters.updated = read.window("updated_after", "updated_before", default=False)
    filters.circle = circle(read)
    filters.bbox = bbox(read)
    read.fail_if_any()
    return filters


def ids(read: Collector, raw_ids: list[str]) -> list[int]:
    if len(raw_ids) > MAX_IDS:
        read.errors.append(
            gettext("Ask for at most %(max)d service_request_id at a time.") % {"max": MAX_IDS}
        )
        return []
    if not all(raw.isdigit() and len(raw) < 19 for raw in raw_ids):
        read.errors.append(gettext("service_request_id must be a comma-separated list of ids."))
        return []
    return [int(raw) for raw in raw_ids]


def statuses(read: Collector) -> list[str]:
    wanted = [status.lower() for status in comma_list(read.get("status"))]
    if any(status not in STATUSES for status in wanted):
        read.errors.append(gettext("status must be open, closed or open,closed."))
        return []
    return wanted


def circle(read: Collector) -> Circle | None:
    lat, lon, radius = read.get("lat"), read.get("long"), read.get("radius")
    if not (lat or lon or radius):
        return None
    if not (lat and lon and radius):
        read.errors.append(gettext("lat, long and radius must be given together."))
        return None
    try:
        return Circle(
            parse_number("lat", lat, -90, 90),
            parse_number("long", lon, -180, 180),
            parse_number("radius", radius, 1, MAX_RADIUS_M),
        )
    except ValueError as error:
        read.errors.append(str(error))
        return None


def bbox(read: Collector) -> tuple[float, float, float, float] | None:
    raw = read.get("bbox")
    if not raw:
        return None
    parts = raw.split(",")
    message = gettext(
        "bbox must be four numbers: west,south,east,north in degrees, such as 11.9,60.1,12.1,60.3."
    )
    if len(parts) != 4:
        read.errors.append(message)
        return None
    try:
        west = parse_number("bbox", parts[0], -180, 180)
        south = parse_number("bbox", parts[1], -90, 90)
        east = parse_number("bbox", parts[2], -180, 180)
        north = parse_number("bbox", parts[3], -90, 90)
    except ValueError:
        read.errors.append(message)
        return None
    if west > east or south > north:
        read.errors.append(message)
        return None
    return west, south, east, north


@dataclass
class UpdateFilters:
    window: Window
    page: int
    page_size: int


def update_filters(params: QueryDict) -> UpdateFilters:
    read = Collector(params)
    window = read.window("start_date", "end_date", default=True)
    filters = UpdateFilters(
        window=window,
        page=read.integer("page", 1, 1, 1_000_000),
        page_size=read.integer("page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    )
    read.fail_if_any()
    return filters
