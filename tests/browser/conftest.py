"""Real Chromium against pytest-django's live server, and the scene the browser tests walk
through: Kongsvinger with two categories, one of its staff, a citizen, and a report already
made close to where a search for "Kongsvinger" leads.

The live server is a thread of this process, so a test reads the e-mail the server sends from
django.core.mail.outbox and the photos it stores from the same in-memory storage.
"""

import io
import mimetypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils import translation
from PIL import ExifTags, Image, ImageDraw
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Response,
    Route,
    expect,
    sync_playwright,
)

from torget.accounts.models import Membership, Role, User
from torget.places.geocoders import OfflineGeocoder
from torget.places.models import Body
from torget.reports import actions
from torget.reports.models import Category, Report

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
LOCALES = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}
ACCEPT_LANGUAGE = {"nb": "nb-NO,nb;q=0.9,no;q=0.8", "nn": "nn-NO,nn;q=0.9", "en": "en-GB,en;q=0.9"}
# Generous for a loaded CI machine running the suite in parallel; still quick to fail.
TIMEOUT_MS = 15_000
STAFF_PASSWORD = "staff password 42"
CITIZEN_PASSWORD = "correct horse battery"  # the `citizen` fixture's
# About 100 m north of the searched point: inside the 250 m the new-report page looks for
# possible duplicates.
EXISTING_REPORT_OFFSET = 0.0009
# Where the test photo claims it was taken: Kongsvinger, as degrees, minutes, seconds.
PHOTO_LATITUDE = (60.0, 11.0, 24.0)
PHOTO_LONGITUDE = (11.0, 59.0, 52.0)


def translated(language: str, text: str) -> str:
    """`text` as the site shows it in `language`, from the same catalogues the server uses,
    so the tests find fields by their label without spelling out every translation."""
    with translation.override(language):
        return translation.gettext(text)


# The browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread, and Django refuses database
    # access from a thread with a running loop unless told it is safe. Here it is: the test
    # and the loop never touch the database at the same time.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        expect.set_options(timeout=TIMEOUT_MS)
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        expect.set_options(timeout=None)  # back to Playwright's default for other modules


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Cached figures live in the cache the live server shares; each test starts with none.
    (Rate-limit counters are rows, emptied with the rest of the database after each test.)"""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Visitor:
    """One person at one browser: their own cookies, language and window width."""

    page: Page
    site: str
    language: str
    width: int

    def go(self, path: str) -> Response | None:
        return self.page.goto(self.site + path)

    def t(self, text: str) -> str:
        return translated(self.language, text)

    def shoot(self, step: str) -> None:
        """A full-page screenshot in var/screenshots/, for a person to look at; and the page
        must fit the window's width, as nobody scrolls sideways on a phone."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = f"{self.language}-{self.width}-{step}.png"
        self.page.screenshot(path=SCREENSHOTS / name, full_page=True)
        assert self.fits_the_screen(), f"{name}: wider than the window"

    def fits_the_screen(self) -> bool:
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    def settle(self) -> None:
        """Wait until the page has stopped fetching: the map asks for its pins after load, and
        the server shares one database connection between its threads."""
        self.page.wait_for_load_state("networkidle")

    def log_in(self, email: str, password: str, next_path: str) -> None:
        self.go(f"/accounts/login/?next={next_path}")
        self.page.get_by_label(self.t("E-mail address")).fill(email)
        self.page.get_by_label(self.t("Password")).fill(password)
        self.page.get_by_role("button", name=self.t("Log in"), exact=True).click()
        self.page.wait_for_url(self.site + next_path)


@pytest.fixture
def visitor(browser: Browser, live_server) -> Iterator[Callable[..., Visitor]]:
    """Opens a fresh browser context per call, as `visitor(language, width)`. Only the live
    server is reached: map tiles and anything else outside are refused at once, so no page
    waits for a network this machine does not have."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def open_visitor(language: str, width: int) -> Visitor:
        context = browser.new_context(
            viewport={"width": width, "height": 800},
            locale=LOCALES[language],
            extra_http_headers={"Accept-Language": ACCEPT_LANGUAGE[language]},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", only_the_site(live_server.url))
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: note_csp_refusal(message.text, problems))
        page.on("pageerror", lambda error: problems.append(f"Script error: {error}"))
        return Visitor(page=page, site=live_server.url, language=language, width=width)

    yield open_visitor
    for context in contexts:
        context.close()
    assert problems == []


def note_csp_refusal(text: str, problems: list[str]) -> None:
    if "Content Security Policy" in text:
        problems.append(text)


def only_the_site(site: str) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        url = urlsplit(route.request.url)
        if f"{url.scheme}://{url.netloc}" != site:
            route.abort("blockedbyclient")
        elif url.path.startswith(settings.MEDIA_URL):
            serve_media(route, unquote(url.path.removeprefix(settings.MEDIA_URL)))
        else:
            route.continue_()

    return handle


def serve_media(route: Route, name: str) -> None:
    """Uploaded photos, straight from the storage the live server wrote them to. Django serves
    media only in debug mode; in production the web server in front of Torget does it."""
    if not default_storage.exists(name):
        route.fulfill(status=404, body="")
        return
    with default_storage.open(name) as file:
        body = file.read()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    route.fulfill(status=200, body=body, content_type=content_type)


# The scene


@dataclass(frozen=True)
class Scene:
    lat: float  # where a search for "Kongsvinger" leads
    lon: float
    body: Body
    street_light: Category  # carries an urgent notice
    pothole: Category
    staff: User
    neighbour: User  # a citizen with a password, who did not make the new report
    existing: Report  # already open, about 100 m from (lat, lon)


@pytest.fixture
def scene(transactional_db, kommuner, citizen, django_user_model) -> Scene:
    [place] = OfflineGeocoder().search("Kongsvinger")
    body = Body.objects.get(slug="kongsvinger")
    street_light = Category.objects.create(
        body=body,
        slug="gatelys",
        name_nb="Gatelys",
        name_nn="Gatelys",
        name_en="Street light",
        urgent_notice_nb="Henger ledninger løse, eller har en stolpe falt? Ring 112 først.",
        urgent_notice_nn="Heng leidningar laust, eller har ein stolpe falle? Ring 112 først.",
        urgent_notice_en="Are wires hanging loose, or has a pole fallen? Call 112 first.",
    )
    pothole = Category.objects.create(
        body=body,
        slug="hull-i-vegen",
        name_nb="Hull i veien",
        name_nn="Hol i vegen",
        name_en="Pothole",
    )
    staff = django_user_model.objects.create_user(
        "saksbehandler@kongsvinger.example", STAFF_PASSWORD, name="Sara Saksbehandler"
    )
    Membership.objects.create(user=staff, body=body, role=Role.HANDLER)
    existing = actions.submit_report(
        reporter=actions.Reporter(user=citizen, email=citizen.email),
        category=pothole,
        lat=place.lat + EXISTING_REPORT_OFFSET,
        lon=place.lon,
        title="Dypt hull ved gangfeltet",
        detail="Hullet er fylt med vann og vanskelig å se.",
        show_name=False,
        photos=[],
        address="Kongsvinger",
    )
    return Scene(
        lat=place.lat,
        lon=place.lon,
        body=body,
        street_light=street_light,
        pothole=pothole,
        staff=staff,
        neighbour=citizen,
        existing=existing,
    )


def photo_with_gps() -> bytes:
    """A JPEG of a street light at night whose EXIF says where and with what it was taken,
    as a phone's would."""
    image = Image.new("RGB", (1200, 900), (24, 32, 64))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 700, 1200, 900), fill=(70, 70, 70))
    draw.rectangle((580, 200, 620, 700), fill=(150, 150, 160))
    draw.rectangle((540, 170, 700, 215), fill=(90, 90, 100))
    draw.ellipse((640, 210, 690, 250), fill=(60, 60, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefon"
    exif[ExifTags.Base.Model] = "Testmodell 3"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = PHOTO_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = PHOTO_LONGITUDE
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def gps_of(jpeg: bytes) -> dict[int, object]:
    return dict(Image.open(io.BytesIO(jpeg)).getexif().get_ifd(ExifTags.IFD.GPSInfo))


def metadata_segments(jpeg: bytes) -> list[bytes]:
    """The JPEG's segments before its image data: where EXIF, XMP, ICC and comments live.
    Looking for b"GPS" only here keeps compressed pixels from matching by chance."""
    assert jpeg[:2] == b"\xff\xd8", "not a JPEG"
    segments, position = [], 2
    while position + 4 <= len(jpeg) and jpeg[position] == 0xFF:
        marker = jpeg[position + 1]
        length = int.from_bytes(jpeg[position + 2 : position + 4], "big")
        segments.append(jpeg[position : position + 2 + length])
        if marker == 0xDA:  # start of scan: the pixels follow
            break
        position += 2 + length
    return segments
