"""Geocoders: from text to places (search), and from a point to an address (reverse).

Kartverket's address API covers Norway and Nominatim covers everywhere else. Both are remote,
so each is paired with the offline geocoder, which searches the areas and postcodes already in
the database. When the remote service is down, address search still finds places and postcodes,
and the caller gets a notice to pass on to the user.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.translation import gettext

from torget.lib.geo import distance_m
from torget.places.models import Area, AreaKind, Postcode

logger = logging.getLogger(__name__)

type Params = dict[str, str | int | float]

# A map click far from any building should not be labelled with an address a kilometre away.
KARTVERKET_REVERSE_RADIUS_M = 250

# Kartverket answers in EPSG:4258 (ETRS89), which differs from WGS84 by well under a metre in
# Norway: asking for it explicitly keeps the answer stable if the API's default ever changes.
KARTVERKET_SRID = "4258"

POSTCODE_RE = re.compile(r"^([0-9]{4})\b")

# Joining words in Norwegian place names stay lower case: "Mo i Rana", "Våler i Østfold".
LOWER_CASE_WORDS = {"i", "på", "og", "ved"}


@dataclass(frozen=True)
class Candidate:
    label: str
    lat: float
    lon: float
    source: str


@dataclass(frozen=True)
class Address:
    label: str
    lat: float
    lon: float
    distance_m: float | None
    source: str


class GeocoderUnavailable(Exception):
    """The remote geocoder timed out, could not be reached, failed, or answered nonsense."""


class Geocoder(Protocol):
    def search(self, text: str, limit: int = 10) -> list[Candidate]: ...

    def reverse(self, lat: float, lon: float) -> Address | None: ...


def title_case(name: str) -> str:
    """Place names as people write them: MO I RANA -> Mo i Rana, NORD-ODAL -> Nord-Odal."""
    words = name.lower().split()
    return " ".join(
        word if index and word in LOWER_CASE_WORDS else capitalize_parts(word)
        for index, word in enumerate(words)
    )


def capitalize_parts(word: str) -> str:
    # str.title() would also capitalise after an apostrophe or a digit; only hyphens start a part.
    return "-".join(part.capitalize() for part in word.split("-"))


def user_agent() -> str:
    # Nominatim's usage policy requires an identifying User-Agent; Kartverket gets one as well.
    return f"Torget/0.1 (+{settings.BASE_URL})"


def get_json(base_url: str, path: str, params: Params, timeout: float) -> Any:
    url = f"{base_url.rstrip('/')}/{path}"
    headers = {"User-Agent": user_agent()}
    try:
        response = httpx.get(url, params=params, headers=headers, timeout=timeout)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise GeocoderUnavailable(f"{url}: {error!r}") from error


class KartverketGeocoder:
    """Kartverket's address API (ws.geonorge.no/adresser/v1): every address in Norway."""

    source = "kartverket"

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        params: Params = {"sok": text, "treffPerSide": limit, **self.common_params()}
        # Fuzzy matching forgives typos, but the API refuses it together with a * wildcard.
        if "*" not in text:
            params["fuzzy"] = "true"
        answer = get_json(self.base_url, "sok", params, self.timeout)
        return [self.candidate(address) for address in addresses_in(answer)]

    def reverse(self, lat: float, lon: float) -> Address | None:
        params: Params = {
            "lat": lat,
            "lon": lon,
            "radius": KARTVERKET_REVERSE_RADIUS_M,
            "treffPerSide": 1,
            **self.common_params(),
        }
        answer = get_json(self.base_url, "punktsok", params, self.timeout)
        found = addresses_in(answer)
        return self.address(found[0]) if found else None

    def common_params(self) -> Params:
        # asciiKompatibel defaults to true, which turns "Ås" into "As".
        return {"asciiKompatibel": "false", "utkoordsys": KARTVERKET_SRID}

    def candidate(self, address: dict[str, Any]) -> Candidate:
        lat, lon = kartverket_point(address)
        label = malformed_guard(lambda: kartverket_label(address))
        return Candidate(label, lat, lon, self.source)

    def address(self, address: dict[str, Any]) -> Address:
        lat, lon = kartverket_point(address)
        label = malformed_guard(lambda: kartverket_label(address))
        distance = kartverket_distance(address)
        return Address(label, lat, lon, distance, self.source)


def addresses_in(answer: Any) -> list[dict[str, Any]]:
    found = malformed_guard(lambda: answer["adresser"])
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise GeocoderUnavailable(f"Kartverket's 'adresser' is not a list of objects: {found!r}")
    return found


def kartverket_point(address: dict[str, Any]) -> tuple[float, float]:
    point = malformed_guard(lambda: address["representasjonspunkt"])
    return malformed_guard(lambda: (float(point["lat"]), float(point["lon"])))


def kartverket_distance(address: dict[str, Any]) -> float | None:
    # Only /punktsok answers carry the distance.
    distance: Any = address.get("meterDistanseTilPunkt")
    return None if distance is None else malformed_guard(lambda: float(distance))


def kartverket_label(address: dict[str, Any]) -> str:
    """Storgata 1, 0155 Oslo. The API spells poststed and kommunenavn in capitals."""
    street = address.get("adressetekst") or ""
    place = title_case(address.get("poststed") or address.get("kommunenavn") or "")
    town = " ".join(part for part in (address.get("postnummer") or "", place) if part)
    return ", ".join(part for part in (street, town) if part)


def malformed_guard[T](read: Callable[[], T]) -> T:
    """Run `read` over a remote answer, turning a surprise in its shape into unavailability."""
    try:
        return read()
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
        raise GeocoderUnavailable(f"Malformed answer from the geocoder: {error!r}") from error


class NominatimGeocoder:
    """OpenStreetMap's Nominatim: worldwide, for deployments outside Norway."""

    source = "nominatim"

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        params: Params = {
            "q": text,
            "format": "jsonv2",
            "limit": limit,
            "addressdetails": 0,
        }
        answer = get_json(self.base_url, "search", params, self.timeout)
        if not isinstance(answer, list):
            raise GeocoderUnavailable(f"Nominatim's search answer is not a list: {answer!r}")
        return [self.candidate(place) for place in answer]

    def reverse(self, lat: float, lon: float) -> Address | None:
        params: Params = {"lat": lat, "lon": lon, "format": "jsonv2"}
        answer = get_json(self.base_url, "reverse", params, self.timeout)
        # Nominatim answers 200 with {"error": "Unable to geocode"} for a point with no address.
        if isinstance(answer, dict) and "error" in answer:
            return None
        found = self.candidate(answer)
        distance = distance_m(lat, lon, found.lat, found.lon)
        return Address(found.label, found.lat, found.lon, distance, self.source)

    def candidate(self, place: Any) -> Candidate:
        # jsonv2 gives coordinates as strings.
        return malformed_guard(
            lambda: Candidate(
                str(place["display_name"]), float(place["lat"]), float(place["lon"]), self.source
            )
        )


class OfflineGeocoder:
    """Searches the postcodes and current areas in the database. Never touches the network.

    It finds places, not addresses: a postcode or a town name leads to its municipality.
    """

    source = "offline"

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        query = " ".join(text.split())
        if not query:
            return []
        found = self.by_postcode(query) + self.by_area_name(query) + self.by_postcode_place(query)
        return distinct_points(found)[:limit]

    def reverse(self, lat: float, lon: float) -> Address | None:
        areas = list(Area.objects.covering(lat, lon))
        if not areas:
            return None
        # The smallest area is the most specific answer: a bydel rather than its kommune.
        smallest = min(areas, key=lambda area: area.geometry.area)
        return Address(smallest.name, lat, lon, None, self.source)

    def search_with_notice(self, text: str, limit: int = 10) -> tuple[list[Candidate], str]:
        return self.search(text, limit), ""

    def reverse_with_notice(self, lat: float, lon: float) -> tuple[Address | None, str]:
        return self.reverse(lat, lon), ""

    def by_postcode(self, query: str) -> list[Candidate]:
        match = POSTCODE_RE.match(query)
        if not match:
            return []
        postcodes = Postcode.objects.filter(code=match.group(1))
        return self.at_municipalities(
            [(f"{p.code} {title_case(p.place)}", p.municipality_code) for p in postcodes]
        )

    def by_area_name(self, query: str) -> list[Candidate]:
        areas = Area.objects.current().filter(name_starts_with(query, "name"))
        # Exact names first, so "Os" puts Os before Oslo.
        ordered = sorted(areas, key=lambda a: (a.name.casefold() != query.casefold(), a.name))
        return [self.at_area(area, f"{area.name} ({area.get_kind_display()})") for area in ordered]

    def by_postcode_place(self, query: str) -> list[Candidate]:
        places = (
            Postcode.objects.filter(name_starts_with(query, "place"))
            .values_list("place", "municipality_code")
            .distinct()
            .order_by("place", "municipality_code")
        )
        return self.at_municipalities([(title_case(place), code) for place, code in places])

    def at_municipalities(self, labelled_codes: list[tuple[str, str]]) -> list[Candidate]:
        """A candidate at each (label, kommunenummer)'s municipality. A municipality that is not
        loaded here has no known place, so its postcodes are left out."""
        codes = {code for _, code in labelled_codes}
        current = Area.objects.current().filter(kind=AreaKind.KOMMUNE, code__in=codes)
        kommuner = {area.code: area for area in current}
        return [
            self.at_area(kommuner[code], label)
            for label, code in labelled_codes
            if code in kommuner
        ]

    def at_area(self, area: Area, label: str) -> Candidate:
        # representative_point, unlike the centroid, is always inside the polygon.
        point = area.geometry.representative_point()
        return Candidate(label, point.y, point.x, self.source)


def name_starts_with(query: str, field: str) -> Q:
    # SQLite's LIKE folds case for ASCII letters only, so "ås" would never find "Ås" there;
    # asking for the title-cased spelling too covers Norwegian initials on every database.
    return Q(**{f"{field}__istartswith": query}) | Q(**{f"{field}__startswith": title_case(query)})


def distinct_points(candidates: list[Candidate]) -> list[Candidate]:
    """The first candidate at each point: "Kongsvinger" the kommune and the postcode place
    are the same place to the person searching."""
    seen: set[tuple[float, float]] = set()
    result = []
    for candidate in candidates:
        if (candidate.lat, candidate.lon) not in seen:
            seen.add((candidate.lat, candidate.lon))
            result.append(candidate)
    return result


class FallbackGeocoder:
    """The primary (remote) geocoder, or the fallback when the primary is unavailable.

    After each call, `notice` says in the user's language why the answer came from the fallback
    ("" when the primary answered), so a page can explain why no street addresses were found;
    `failure` keeps the error itself for logs and tests.
    """

    def __init__(self, primary: Geocoder, fallback: Geocoder) -> None:
        self.primary = primary
        self.fallback = fallback
        self.notice = ""
        self.failure: GeocoderUnavailable | None = None

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        return self.search_with_notice(text, limit)[0]

    def reverse(self, lat: float, lon: float) -> Address | None:
        return self.reverse_with_notice(lat, lon)[0]

    def search_with_notice(self, text: str, limit: int = 10) -> tuple[list[Candidate], str]:
        self.record(None, "")
        try:
            return self.primary.search(text, limit), ""
        except GeocoderUnavailable as error:
            notice = gettext(
                "The address search is not answering right now, "
                "so only place names and postcodes are searched."
            )
            self.record(error, notice)
            return self.fallback.search(text, limit), notice

    def reverse_with_notice(self, lat: float, lon: float) -> tuple[Address | None, str]:
        self.record(None, "")
        try:
            return self.primary.reverse(lat, lon), ""
        except GeocoderUnavailable as error:
            notice = gettext(
                "The address search is not answering right now, "
                "so only the area around the point is named."
            )
            self.record(error, notice)
            return self.fallback.reverse(lat, lon), notice

    def record(self, failure: GeocoderUnavailable | None, notice: str) -> None:
        if failure is not None:
            logger.warning("%s failed, falling back: %s", type(self.primary).__name__, failure)
        self.failure = failure
        self.notice = notice


def get_geocoder() -> FallbackGeocoder | OfflineGeocoder:
    """The geocoder chosen by TORGET_GEOCODER, read at call time so tests can change it."""
    name = settings.GEOCODER
    timeout = settings.GEOCODER_TIMEOUT
    if name == "offline":
        return OfflineGeocoder()
    if name == "kartverket":
        primary: Geocoder = KartverketGeocoder(settings.KARTVERKET_ADDRESS_URL, timeout)
    elif name == "nominatim":
        primary = NominatimGeocoder(settings.NOMINATIM_URL, timeout)
    else:
        raise ImproperlyConfigured(
            f"TORGET_GEOCODER={name!r} is not a geocoder Torget knows; "
            "use kartverket (Norway), nominatim (anywhere) or offline (no network)."
        )
    return FallbackGeocoder(primary, OfflineGeocoder())
