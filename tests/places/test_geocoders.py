"""Geocoding: Kartverket and Nominatim over real HTTP against a local server that speaks their
documented formats, the offline geocoder over real postcodes and boundaries, the fallback from
one to the other, the /geocode view and the `geocode` command."""

import datetime
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import shapely
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import KOMMUNER_2024, KONGSVINGER_CENTRE, KONGSVINGER_GEOJSON, POSTCODES_2026
from torget.places.geocoders import (
    Address,
    Candidate,
    FallbackGeocoder,
    GeocoderUnavailable,
    KartverketGeocoder,
    NominatimGeocoder,
    OfflineGeocoder,
    get_geocoder,
    title_case,
)
from torget.places.models import Area, AreaKind, Postcode

TIMEOUT = 0.3
SLOW_ANSWER_SECONDS = 3.0
SEARCH_NOTICE = (
    "The address search is not answering right now, so only place names and postcodes are searched."
)
REVERSE_NOTICE = (
    "The address search is not answering right now, so only the area around the point is named."
)


def kartverket_address(
    text: str, postcode: str, poststed: str, kommune: str, lat: float, lon: float
) -> dict[str, Any]:
    """One address as Kartverket's /sok and /punktsok describe it (places in capitals)."""
    street, _, number = text.rpartition(" ")
    return {
        "adressenavn": street,
        "adressetekst": text,
        "adressetilleggsnavn": None,
        "adressetekstutenadressetilleggsnavn": text,
        "adressekode": 12345,
        "nummer": int(number),
        "bokstav": "",
        "kommunenummer": "0000",
        "kommunenavn": kommune,
        "gardsnummer": 12,
        "bruksnummer": 3,
        "festenummer": 0,
        "undernummer": None,
        "bruksenhetsnummer": [],
        "objtype": "Vegadresse",
        "postnummer": postcode,
        "poststed": poststed,
        "representasjonspunkt": {"epsg": "EPSG:4258", "lat": lat, "lon": lon},
        "stedfestingverifisert": True,
        "oppdateringsdato": "2024-03-01T10:00:00",
    }


KARTVERKET_ADDRESSES = [
    kartverket_address("Storgata 1", "0155", "OSLO", "OSLO", 59.9127, 10.7461),
    kartverket_address("Rådhusplassen 29", "1430", "ÅS", "ÅS", 59.6625, 10.7954),
    kartverket_address("Sirastraen 2", "4420", "ÅNA-SIRA", "SOKNDAL", 58.2931, 6.4122),
    kartverket_address("Fridtjof Nansens gate 3", "8622", "MO I RANA", "RANA", 66.3128, 14.1427),
]

NOMINATIM_PLACES = [
    {
        "place_id": 132817465,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "way",
        "osm_id": 4395389,
        "lat": "60.1899543",
        "lon": "11.9984771",
        "category": "highway",
        "type": "pedestrian",
        "place_rank": 26,
        "importance": 0.053,
        "addresstype": "road",
        "name": "Storgata",
        "display_name": "Storgata, Øvrebyen, Kongsvinger, Innlandet, 2211, Norge",
        "boundingbox": ["60.1893", "60.1906", "11.9966", "12.0004"],
    },
    {
        "place_id": 98765,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "node",
        "osm_id": 1234,
        "lat": "59.6625",
        "lon": "10.7954",
        "category": "place",
        "type": "town",
        "place_rank": 16,
        "importance": 0.4,
        "addresstype": "town",
        "name": "Ås",
        "display_name": "Ås, Akershus, 1430, Norge",
        "boundingbox": ["59.6", "59.7", "10.7", "10.9"],
    },
]


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    params: dict[str, str]
    user_agent: str | None


@dataclass
class FakeGeocodingApi:
    """What the local server answers, and the requests it received.

    `behaviour` is "answer", or one of the ways a remote service lets Torget down: "sleep" (past
    the timeout), "fail" (HTTP 500), "garbage" (not JSON) or "wrong-shape" (JSON, but not the
    documented format).
    """

    url: str = ""
    behaviour: str = "answer"
    kartverket_addresses: list[dict[str, Any]] = field(
        default_factory=lambda: list(KARTVERKET_ADDRESSES)
    )
    nominatim_places: list[dict[str, Any]] = field(default_factory=lambda: list(NOMINATIM_PLACES))
    requests: list[ReceivedRequest] = field(default_factory=list)
    wake: threading.Event = field(default_factory=threading.Event)

    @property
    def kartverket_url(self) -> str:
        return f"{self.url}/adresser/v1"

    def answer(self, path: str, params: dict[str, str]) -> Any:
        if path == "/adresser/v1/sok":
            return self.kartverket_page(self.kartverket_addresses, params)
        if path == "/adresser/v1/punktsok":
            nearest = [{**a, "meterDistanseTilPunkt": 12.3} for a in self.kartverket_addresses]
            return self.kartverket_page(nearest, params)
        if path == "/search":
            return self.nominatim_places[: int(params["limit"])]
        if path == "/reverse":
            return self.nominatim_places[0] if self.nominatim_places else NOMINATIM_NO_ADDRESS
        return None

    def kartverket_page(self, addresses: list[dict[str, Any]], params: dict[str, str]) -> Any:
        per_page = int(params.get("treffPerSide", 10))
        metadata = {
            "totaltAntallTreff": len(addresses),
            "treffPerSide": per_page,
            "side": 0,
            "viserFra": 0,
            "viserTil": per_page,
            "sokeStreng": "&".join(f"{k}={v}" for k, v in params.items()),
            "asciiKompatibel": params.get("asciiKompatibel") != "false",
        }
        return {"metadata": metadata, "adresser": addresses[:per_page]}


NOMINATIM_NO_ADDRESS = {"error": "Unable to geocode"}


class FakeApiServer(ThreadingHTTPServer):
    api: FakeGeocodingApi


class FakeApiHandler(BaseHTTPRequestHandler):
    server: FakeApiServer

    def do_GET(self) -> None:
        api = self.server.api
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        api.requests.append(ReceivedRequest(url.path, params, self.headers.get("User-Agent")))
        if api.behaviour == "sleep":
            api.wake.wait(SLOW_ANSWER_SECONDS)
        if api.behaviour == "fail":
            self.reply(500, b'{"message": "Internal Server Error"}')
        elif api.behaviour == "garbage":
            self.reply(200, b"<html><body>Service Unavailable</body></html>")
        elif api.behaviour == "wrong-shape":
            self.reply(200, json.dumps({"treff": [{"tekst": "Storgata 1"}]}).encode())
        else:
            answer = api.answer(url.path, params)
            status = 404 if answer is None else 200
            self.reply(status, json.dumps(answer, ensure_ascii=False).encode())

    def reply(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:
            pass  # the client gave up waiting, as it should when the answer is too slow

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def english(settings) -> Iterator[None]:
    """Messages are compared in English, the source language, whatever catalogues exist."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def fake_api(settings) -> Iterator[FakeGeocodingApi]:
    """A local geocoding server, with Torget's settings pointing at it."""
    server = FakeApiServer(("127.0.0.1", 0), FakeApiHandler)
    server.api = FakeGeocodingApi(url=f"http://127.0.0.1:{server.server_port}")
    # A short poll interval makes shutdown() quick at teardown.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    settings.GEOCODER = "kartverket"
    settings.GEOCODER_TIMEOUT = TIMEOUT
    settings.KARTVERKET_ADDRESS_URL = server.api.kartverket_url
    settings.NOMINATIM_URL = server.api.url
    yield server.api
    server.api.wake.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def area_from_feature(feature: dict[str, Any], kind: str = AreaKind.KOMMUNE) -> Area:
    properties = feature["properties"]
    area = Area(name=properties["kommunenavn"], kind=kind, code=properties["kommunenummer"])
    area.set_geometry(shapely.geometry.shape(feature["geometry"]))
    area.save()
    return area


@pytest.fixture
def kongsvinger(db) -> Area:
    feature = json.loads(KONGSVINGER_GEOJSON.read_text())["features"][0]
    area = Area(name="Kongsvinger", kind="kommune", code="3401")
    area.set_geometry(shapely.geometry.shape(feature["geometry"]))
    area.save()
    return area


@pytest.fixture
def aas(db) -> Area:
    features = json.loads(KOMMUNER_2024.read_text())["features"]
    return area_from_feature(next(f for f in features if f["properties"]["name"] == "Ås"))


@pytest.fixture
def postcodes(db) -> None:
    entries = json.loads(POSTCODES_2026.read_text())
    Postcode.objects.bulk_create(
        Postcode(code=e["code"], place=e["place"], municipality_code=e["id"]) for e in entries
    )


def inside(area: Area) -> tuple[float, float]:
    point = area.geometry.representative_point()
    return point.y, point.x


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Kartverket


@pytest.mark.django_db
def test_it_turns_kartverket_addresses_into_candidates(fake_api):
    """Each address becomes a candidate at its representasjonspunkt."""
    candidates = get_geocoder().search("Storgata 1")
    assert candidates[0] == Candidate("Storgata 1, 0155 Oslo", 59.9127, 10.7461, "kartverket")
    assert len(candidates) == 4


@pytest.mark.django_db
def test_it_title_cases_kartverket_place_names_and_keeps_norwegian_letters(fake_api):
    """Kartverket spells places in capitals; labels read as people write them, with æøå."""
    labels = [candidate.label for candidate in get_geocoder().search("gate")]
    assert labels == [
        "Storgata 1, 0155 Oslo",
        "Rådhusplassen 29, 1430 Ås",
        "Sirastraen 2, 4420 Åna-Sira",
        "Fridtjof Nansens gate 3, 8622 Mo i Rana",
    ]


@pytest.mark.django_db
def test_it_asks_kartverket_for_fuzzy_utf8_matches_in_etrs89(fake_api, settings):
    """The search asks for æøå (not ASCII), fuzzy matching, EPSG:4258 and the limit."""
    get_geocoder().search("Rådhusplassen 29, Ås", limit=5)
    request = fake_api.requests[-1]
    assert request.path == "/adresser/v1/sok"
    assert request.params == {
        "sok": "Rådhusplassen 29, Ås",
        "fuzzy": "true",
        "treffPerSide": "5",
        "asciiKompatibel": "false",
        "utkoordsys": "4258",
    }
    assert request.user_agent == f"Torget/0.1 (+{settings.BASE_URL})"


@pytest.mark.django_db
def test_it_leaves_out_fuzzy_matching_when_the_text_has_a_wildcard(fake_api):
    """Kartverket refuses fuzzy=true together with a * wildcard."""
    get_geocoder().search("Storg*")
    assert "fuzzy" not in fake_api.requests[-1].params
    assert fake_api.requests[-1].params["sok"] == "Storg*"


@pytest.mark.django_db
def test_it_finds_the_nearest_address_with_kartverket_punktsok(fake_api):
    """Reverse geocoding asks /punktsok for one address near the point and keeps its distance."""
    address, notice = get_geocoder().reverse_with_notice(*KONGSVINGER_CENTRE)
    assert address == Address("Storgata 1, 0155 Oslo", 59.9127, 10.7461, 12.3, "kartverket")
    assert notice == ""
    request = fake_api.requests[-1]
    assert request.path == "/adresser/v1/punktsok"
    assert request.params == {
        "lat": "60.1905",
        "lon": "11.9977",
        "radius": "250",
        "treffPerSide": "1",
        "asciiKompatibel": "false",
        "utkoordsys": "4258",
    }


@pytest.mark.django_db
def test_kartverket_reverse_is_none_when_no_address_is_near(fake_api):
    """An empty answer is an answer: no address, and no fallback notice."""
    fake_api.kartverket_addresses = []
    assert get_geocoder().reverse_with_notice(*KONGSVINGER_CENTRE) == (None, "")


# Nominatim


@pytest.mark.django_db
def test_it_turns_nominatim_results_into_candidates(fake_api, settings):
    """The label is display_name; jsonv2's string coordinates become floats."""
    settings.GEOCODER = "nominatim"
    candidates, notice = get_geocoder().search_with_notice("Storgata Kongsvinger", limit=2)
    assert candidates == [
        Candidate(
            "Storgata, Øvrebyen, Kongsvinger, Innlandet, 2211, Norge",
            60.1899543,
            11.9984771,
            "nominatim",
        ),
        Candidate("Ås, Akershus, 1430, Norge", 59.6625, 10.7954, "nominatim"),
    ]
    assert notice == ""


@pytest.mark.django_db
def test_it_asks_nominatim_for_jsonv2_with_a_user_agent(fake_api, settings):
    """Nominatim's usage policy requires an identifying User-Agent."""
    settings.GEOCODER = "nominatim"
    get_geocoder().search("Storgata Kongsvinger", limit=3)
    request = fake_api.requests[-1]
    assert request.path == "/search"
    assert request.params == {
        "q": "Storgata Kongsvinger",
        "format": "jsonv2",
        "limit": "3",
        "addressdetails": "0",
    }
    assert request.user_agent == f"Torget/0.1 (+{settings.BASE_URL})"


@pytest.mark.django_db
def test_it_finds_the_address_at_a_point_with_nominatim_reverse(fake_api, settings):
    """The distance is measured from the point asked about to the place found."""
    settings.GEOCODER = "nominatim"
    address = get_geocoder().reverse(*KONGSVINGER_CENTRE)
    assert address is not None
    assert address.label == "Storgata, Øvrebyen, Kongsvinger, Innlandet, 2211, Norge"
    assert (address.lat, address.lon, address.source) == (60.1899543, 11.9984771, "nominatim")
    assert address.distance_m == pytest.approx(74.5, abs=1)
    request = fake_api.requests[-1]
    assert request.path == "/reverse"
    assert request.params == {"lat": "60.1905", "lon": "11.9977", "format": "jsonv2"}


@pytest.mark.django_db
def test_nominatim_reverse_is_none_when_it_answers_with_an_error(fake_api, settings):
    """{"error": "Unable to geocode"} means there is no address there, not a failure."""
    settings.GEOCODER = "nominatim"
    fake_api.nominatim_places = []
    geocoder = get_geocoder()
    assert geocoder.reverse_with_notice(0.0, -30.0) == (None, "")
    assert isinstance(geocoder, FallbackGeocoder)
    assert geocoder.failure is None


# Falling back to the offline geocoder


def assert_searched_offline_for_2211(kongsvinger: Area) -> None:
    geocoder = get_geocoder()
    candidates, notice = geocoder.search_with_notice("2211")
    assert candidates == [Candidate("2211 Kongsvinger", *inside(kongsvinger), "offline")]
    assert notice == SEARCH_NOTICE
    assert isinstance(geocoder, FallbackGeocoder)
    assert geocoder.notice == SEARCH_NOTICE
    assert isinstance(geocoder.failure, GeocoderUnavailable)


def test_it_falls_back_to_offline_when_kartverket_times_out(fake_api, kongsvinger, postcodes):
    """A slow answer is abandoned after GEOCODER_TIMEOUT, not waited for."""
    fake_api.behaviour = "sleep"
    started = time.monotonic()
    assert_searched_offline_for_2211(kongsvinger)
    assert time.monotonic() - started < SLOW_ANSWER_SECONDS / 2


def test_it_falls_back_to_offline_when_kartverket_answers_500(fake_api, kongsvinger, postcodes):
    """A server error sends the search to the offline geocoder, with a notice."""
    fake_api.behaviour = "fail"
    assert_searched_offline_for_2211(kongsvinger)


def test_it_falls_back_to_offline_when_kartverket_answers_garbage(fake_api, kongsvinger, postcodes):
    """An answer that is not JSON counts as no answer."""
    fake_api.behaviour = "garbage"
    assert_searched_offline_for_2211(kongsvinger)


def test_it_falls_back_to_offline_when_kartverket_answers_json_of_another_shape(
    fake_api, kongsvinger, postcodes
):
    """JSON without the documented 'adresser' list counts as no answer."""
    fake_api.behaviour = "wrong-shape"
    assert_searched_offline_for_2211(kongsvinger)


def test_it_falls_back_to_offline_when_kartverket_cannot_be_reached(
    fake_api, kongsvinger, postcodes, settings
):
    """A refused connection sends the search to the offline geocoder too."""
    settings.KARTVERKET_ADDRESS_URL = f"http://127.0.0.1:{free_port()}/adresser/v1"
    assert_searched_offline_for_2211(kongsvinger)


@pytest.mark.parametrize("behaviour", ["sleep", "fail", "garbage", "wrong-shape"])
def test_it_falls_back_to_offline_when_nominatim_fails(
    fake_api, kongsvinger, postcodes, settings, behaviour
):
    """Nominatim has the same safety net as Kartverket."""
    settings.GEOCODER = "nominatim"
    fake_api.behaviour = behaviour
    assert_searched_offline_for_2211(kongsvinger)


@pytest.mark.parametrize("geocoder", ["kartverket", "nominatim"])
def test_reverse_falls_back_to_naming_the_area_when_the_remote_geocoder_fails(
    fake_api, kongsvinger, settings, geocoder
):
    """Without the address service, a point is named after the area containing it."""
    settings.GEOCODER = geocoder
    fake_api.behaviour = "fail"
    address, notice = get_geocoder().reverse_with_notice(*KONGSVINGER_CENTRE)
    assert address == Address("Kongsvinger", *KONGSVINGER_CENTRE, None, "offline")
    assert notice == REVERSE_NOTICE


def test_it_logs_a_warning_when_falling_back(fake_api, kongsvinger, caplog):
    """Operators see why the remote geocoder was skipped."""
    fake_api.behaviour = "fail"
    with caplog.at_level(logging.WARNING, logger="torget.places.geocoders"):
        get_geocoder().search("2211")
    assert "KartverketGeocoder failed" in caplog.text
    assert "500" in caplog.text


@pytest.mark.django_db
def test_the_notice_is_cleared_when_the_remote_geocoder_answers_again(fake_api):
    """One geocoder object used twice reports each call's own notice."""
    geocoder = get_geocoder()
    assert isinstance(geocoder, FallbackGeocoder)
    fake_api.behaviour = "fail"
    geocoder.search("Storgata 1")
    fake_api.behaviour = "answer"
    assert geocoder.search_with_notice("Storgata 1")[1] == ""
    assert (geocoder.notice, geocoder.failure) == ("", None)


# The offline geocoder


def test_offline_search_finds_kongsvinger_by_postcode(kongsvinger, postcodes):
    """A postcode leads to a point inside its municipality."""
    [candidate] = OfflineGeocoder().search("2211")
    assert candidate == Candidate("2211 Kongsvinger", *inside(kongsvinger), "offline")
    assert kongsvinger.geometry.contains(shapely.Point(candidate.lon, candidate.lat))


def test_offline_search_finds_kongsvinger_by_name_once(kongsvinger, postcodes):
    """The kommune and its postcodes' place name are one result, not two."""
    label = f"Kongsvinger ({AreaKind.KOMMUNE.label})"
    expected = [Candidate(label, *inside(kongsvinger), "offline")]
    assert OfflineGeocoder().search("Kongsvinger") == expected
    assert OfflineGeocoder().search("  kongs ") == expected
    assert OfflineGeocoder().search("KONGSVINGER") == expected


def test_offline_search_finds_a_municipality_by_a_postcode_place_name(kongsvinger, postcodes):
    """Lundersæter is a poststed in Kongsvinger; searching it leads to Kongsvinger."""
    assert OfflineGeocoder().search("lundersæter") == [
        Candidate("Lundersæter", *inside(kongsvinger), "offline")
    ]


def test_offline_search_matches_norwegian_initials_in_any_case(aas, postcodes):
    """SQLite folds only ASCII case; "ås" must still find Ås."""
    expected = [Candidate(f"Ås ({AreaKind.KOMMUNE.label})", *inside(aas), "offline")]
    assert OfflineGeocoder().search("ås") == expected
    assert OfflineGeocoder().search("ÅS") == expected


def test_offline_search_leaves_out_postcodes_in_municipalities_without_an_area(
    kongsvinger, postcodes
):
    """0155 is in Oslo, which is not loaded: there is no point to show."""
    assert OfflineGeocoder().search("0155") == []


def test_offline_search_finds_nothing_for_unknown_or_empty_text(kongsvinger, postcodes):
    """No match is an empty list, not an error."""
    assert OfflineGeocoder().search("Atlantis") == []
    assert OfflineGeocoder().search("   ") == []
    assert OfflineGeocoder().search("9999") == []


def test_offline_search_ignores_areas_that_are_no_longer_current(kongsvinger):
    """An old generation of a boundary is history, not a search result."""
    old = Area(name="Kongsvinger", kind="kommune", code="3401")
    old.valid_from, old.valid_to = datetime.date(1964, 1, 1), datetime.date(2019, 12, 31)
    old.set_geometry(shapely.box(11.0, 60.0, 11.1, 60.1))
    old.save()
    assert [c.lat for c in OfflineGeocoder().search("Kongsvinger")] == [inside(kongsvinger)[0]]


def test_offline_search_respects_the_limit(kongsvinger, postcodes):
    """The limit caps the list like the remote geocoders' treffPerSide and limit do."""
    inner = Area(name="Kongsvinger sentrum", kind="bydel", code="340101")
    inner.set_geometry(shapely.box(11.99, 60.18, 12.01, 60.20))
    inner.save()
    assert len(OfflineGeocoder().search("Kongsvinger")) == 2
    assert len(OfflineGeocoder().search("Kongsvinger", limit=1)) == 1


def test_offline_reverse_names_the_area_containing_the_point(kongsvinger):
    """The point itself is kept; there is no distance, since no address was found."""
    assert OfflineGeocoder().reverse(*KONGSVINGER_CENTRE) == Address(
        "Kongsvinger", *KONGSVINGER_CENTRE, None, "offline"
    )


def test_offline_reverse_prefers_the_smallest_area(kongsvinger):
    """A city district says more about a point than its municipality does."""
    inner = Area(name="Kongsvinger sentrum", kind="bydel", code="340101")
    inner.set_geometry(shapely.box(11.99, 60.18, 12.01, 60.20))
    inner.save()
    address = OfflineGeocoder().reverse(*KONGSVINGER_CENTRE)
    assert address is not None
    assert address.label == "Kongsvinger sentrum"


def test_offline_reverse_is_none_outside_every_area(kongsvinger):
    """A point in the North Sea belongs to no area."""
    assert OfflineGeocoder().reverse(59.0, 3.0) is None


# Choosing the geocoder


@pytest.mark.parametrize(
    ("name", "remote"), [("kartverket", KartverketGeocoder), ("nominatim", NominatimGeocoder)]
)
def test_get_geocoder_wraps_the_remote_geocoder_in_an_offline_fallback(settings, name, remote):
    """The setting is read when the geocoder is asked for, not at import."""
    settings.GEOCODER = name
    settings.KARTVERKET_ADDRESS_URL = "http://kartverket.invalid/adresser/v1"
    settings.NOMINATIM_URL = "http://nominatim.invalid"
    settings.GEOCODER_TIMEOUT = 1.5
    geocoder = get_geocoder()
    assert isinstance(geocoder, FallbackGeocoder)
    assert isinstance(geocoder.primary, remote)
    assert geocoder.primary.base_url.endswith(".invalid" if name == "nominatim" else "/v1")
    assert geocoder.primary.timeout == 1.5
    assert isinstance(geocoder.fallback, OfflineGeocoder)


def test_get_geocoder_is_offline_alone_when_so_configured(settings):
    """GEOCODER=offline never touches the network and never shows a notice."""
    settings.GEOCODER = "offline"
    assert isinstance(get_geocoder(), OfflineGeocoder)


def test_an_unknown_geocoder_setting_is_improperly_configured(settings):
    """A typo in TORGET_GEOCODER is named, with the choices."""
    settings.GEOCODER = "gogle"
    with pytest.raises(ImproperlyConfigured, match=r"TORGET_GEOCODER='gogle'.*kartverket"):
        get_geocoder()


@pytest.mark.parametrize(
    ("capitals", "expected"),
    [
        ("OSLO", "Oslo"),
        ("ÅS", "Ås"),
        ("HAMARØY", "Hamarøy"),
        ("ÅNA-SIRA", "Åna-Sira"),
        ("MO I RANA", "Mo i Rana"),
        ("VÅLER I ØSTFOLD", "Våler i Østfold"),
        ("I", "I"),
    ],
)
def test_title_case_writes_place_names_as_people_do(capitals, expected):
    """Each word and each hyphenated part is capitalised; joining words stay small."""
    assert title_case(capitals) == expected


# The /geocode view


@pytest.mark.django_db
def test_the_geocode_view_returns_candidates_as_json(client, fake_api):
    """Each result has a label, lat and lon; the notice is empty when Kartverket answered."""
    response = client.get("/geocode", {"q": "Storgata 1"})
    assert response.status_code == 200
    assert response.json()["notice"] == ""
    assert response.json()["results"][1] == {
        "label": "Rådhusplassen 29, 1430 Ås",
        "lat": 59.6625,
        "lon": 10.7954,
    }


def test_the_geocode_view_answers_200_with_a_notice_when_falling_back(
    client, fake_api, kongsvinger, postcodes
):
    """The page can tell the user why only places and postcodes were found."""
    fake_api.behaviour = "sleep"
    response = client.get("/geocode", {"q": "2211"})
    assert response.status_code == 200
    lat, lon = inside(kongsvinger)
    assert response.json() == {
        "results": [{"label": "2211 Kongsvinger", "lat": lat, "lon": lon}],
        "notice": SEARCH_NOTICE,
    }


def test_the_geocode_view_gives_the_notice_in_the_users_language(client, fake_api, kongsvinger):
    """The notice is translated per request, not once at import."""
    fake_api.behaviour = "fail"
    with translation.override("nb"):
        in_bokmal = translation.gettext(SEARCH_NOTICE)
    response = client.get("/geocode", {"q": "2211"}, headers={"accept-language": "nb"})
    assert response.json()["notice"] == in_bokmal


@pytest.mark.django_db
def test_the_geocode_view_returns_the_address_at_a_point(client, fake_api):
    """?lat&lon gives the nearest address."""
    response = client.get("/geocode", {"lat": "60.1905", "lon": "11.9977"})
    assert response.status_code == 200
    assert response.json() == {
        "address": {
            "label": "Storgata 1, 0155 Oslo",
            "lat": 59.9127,
            "lon": 10.7461,
            "distance_m": 12.3,
            "source": "kartverket",
        },
        "notice": "",
    }


def test_the_geocode_view_names_the_area_when_falling_back(client, fake_api, kongsvinger):
    """Reverse geocoding falls back too, and says so."""
    fake_api.behaviour = "fail"
    response = client.get("/geocode", {"lat": "60.1905", "lon": "11.9977"})
    assert response.status_code == 200
    assert response.json()["address"]["label"] == "Kongsvinger"
    assert response.json()["notice"] == REVERSE_NOTICE


def test_the_geocode_view_returns_null_outside_every_area(client, kongsvinger, settings):
    """A point with nothing known about it is not an error."""
    settings.GEOCODER = "offline"
    response = client.get("/geocode", {"lat": "59.0", "lon": "3.0"})
    assert response.status_code == 200
    assert response.json() == {"address": None, "notice": ""}


@pytest.mark.django_db
def test_the_geocode_view_accepts_a_query_of_200_characters(client, settings):
    """200 characters is the longest search text."""
    settings.GEOCODER = "offline"
    response = client.get("/geocode", {"q": "x" * 200})
    assert response.status_code == 200
    assert response.json() == {"results": [], "notice": ""}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({}, "Give q, the text to search for", id="no-q"),
        pytest.param({"q": ""}, "Give q, the text to search for", id="empty-q"),
        pytest.param({"q": "   "}, "Give q, the text to search for", id="blank-q"),
        pytest.param({"q": "x" * 201}, "too long: at most 200 characters", id="long-q"),
        pytest.param({"lat": "north", "lon": "11.9"}, "decimal degrees", id="lat-not-number"),
        pytest.param({"lat": "60.1", "lon": "11,9"}, "decimal degrees", id="lon-not-number"),
        pytest.param({"lat": "60.1"}, "decimal degrees", id="lon-missing"),
        pytest.param({"lon": "11.9"}, "decimal degrees", id="lat-missing"),
        pytest.param({"lat": "91", "lon": "11.9"}, "between -90 and 90", id="lat-out-of-range"),
        pytest.param({"lat": "60", "lon": "-181"}, "between -180 and 180", id="lon-out-of-range"),
        pytest.param({"lat": "nan", "lon": "11.9"}, "between -90 and 90", id="lat-nan"),
        pytest.param({"lat": "60", "lon": "inf"}, "between -180 and 180", id="lon-infinite"),
        pytest.param({"q": "Oslo", "lat": "60", "lon": "11"}, "not both", id="q-and-point"),
    ],
)
def test_the_geocode_view_rejects_bad_parameters_with_400(client, settings, params, message):
    """Bad input gets a 400 with a message that says what to send, never a 500."""
    settings.GEOCODER = "offline"
    response = client.get("/geocode", params)
    assert response.status_code == 400
    assert message in response.json()["error"]


# The geocode command


def test_the_geocode_command_prints_one_candidate_per_line(fake_api):
    """Each line is 'lat lon label'."""
    out = StringIO()
    call_command("geocode", "Storgata", "1", stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0] == "59.912700 10.746100 Storgata 1, 0155 Oslo"
    assert len(lines) == 4
    assert fake_api.requests[-1].params["sok"] == "Storgata 1"


def test_the_geocode_command_prints_the_address_at_a_point(fake_api):
    """--reverse LAT LON prints the nearest address."""
    out = StringIO()
    call_command("geocode", "--reverse", "60.1905", "11.9977", stdout=out, stderr=StringIO())
    assert out.getvalue() == "59.912700 10.746100 Storgata 1, 0155 Oslo\n"


def test_the_geocode_command_prints_the_fallback_notice_on_stderr(fake_api, kongsvinger, postcodes):
    """The answer stays on stdout; why it is coarse goes to stderr."""
    fake_api.behaviour = "fail"
    out, err = StringIO(), StringIO()
    call_command("geocode", "2211", stdout=out, stderr=err)
    lat, lon = inside(kongsvinger)
    assert out.getvalue() == f"{lat:.6f} {lon:.6f} 2211 Kongsvinger\n"
    assert SEARCH_NOTICE in err.getvalue()


def test_the_geocode_command_fails_when_nothing_is_found(kongsvinger, settings):
    """Nothing found is exit status 1 with a message."""
    settings.GEOCODER = "offline"
    with pytest.raises(CommandError, match="Nothing found for 'Atlantis'") as raised:
        call_command("geocode", "Atlantis", stdout=StringIO())
    assert raised.value.returncode == 1


def test_the_geocode_command_fails_outside_every_area(kongsvinger, settings):
    """A reverse lookup that finds nothing is exit status 1 too."""
    settings.GEOCODER = "offline"
    with pytest.raises(CommandError, match=r"No address or area found at 59\.0, 3\.0"):
        call_command("geocode", "--reverse", "59", "3", stdout=StringIO())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "Give the TEXT to search for", id="nothing"),
        pytest.param(["Oslo", "--reverse", "60", "11"], "not both", id="both"),
        pytest.param(["--reverse", "95", "11"], "is not a position", id="out-of-range"),
    ],
)
def test_the_geocode_command_explains_bad_arguments(settings, args, message):
    """Each misuse gets its own message."""
    settings.GEOCODER = "offline"
    with pytest.raises(CommandError, match=message):
        call_command("geocode", *args, stdout=StringIO())
