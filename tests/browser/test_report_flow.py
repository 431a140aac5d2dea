"""The whole life of a report, in a real Chromium, as the people involved would go through it:
a newcomer reports a broken street light with a photo from their phone, a neighbour adds an
update, the municipality answers, and the reporter says it is fixed.

Run in bokmål and English, on a phone and on a desktop screen. Every field is found by its
label in the visitor's language, looked up in the same catalogues the server uses, and each
main page is saved to var/screenshots/ for a person to look at.
"""

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import FilePayload, expect

from tests.browser.conftest import (
    CITIZEN_PASSWORD,
    PHOTO_LATITUDE,
    STAFF_PASSWORD,
    Scene,
    Visitor,
    gps_of,
    metadata_segments,
    photo_with_gps,
)
from torget.reports.models import Report, State, Update

pytestmark = pytest.mark.browser

REPORTER_EMAIL = "ny.innbygger@example.org"
REPORTER_PHONE = "+47 912 34 567"
TITLE = "Gatelyset blinker og slukker"
DETAIL = "Lyset ved gangfeltet slukker hvert annet minutt, så det er mørkt når barna går."


# Each language once and each width once: the flow is the same code either way, and a
# browser flow is among the slowest tests there are.
@pytest.mark.parametrize(("language", "width"), [("nb", 360), ("en", 1280)])
def test_a_newcomer_reports_a_problem_and_follows_it_until_it_is_fixed(
    visitor, scene: Scene, language: str, width: int
):
    newcomer = visitor(language, width)
    find_the_place(newcomer)
    pick_the_location(newcomer, scene)
    see_the_possible_duplicate(newcomer, scene)
    choose_the_category(newcomer, scene)
    fill_in_the_form(newcomer)
    report_path = confirm_from_the_email(newcomer)
    find_it_public_with_a_clean_photo(newcomer)

    neighbour = visitor(language, width)
    neighbour.log_in(scene.neighbour.email, CITIZEN_PASSWORD, report_path)
    add_an_update(neighbour)

    staff = visitor(language, width)
    staff.log_in(scene.staff.email, STAFF_PASSWORD, report_path)
    answer_as_staff(staff, scene)

    reporter = visitor(language, width)
    log_in_with_a_link(reporter, report_path)
    mark_it_fixed(reporter)
    see_it_listed(reporter)

    report = Report.objects.get(title=TITLE)
    assert report.state == State.FIXED
    assert report.photos.count() == 1
    updates = Update.objects.filter(report=report).order_by("created", "id")
    assert [update.body_id for update in updates] == [None, scene.body.pk, None]


def find_the_place(visitor: Visitor) -> None:
    """1. Search for the town from the front page."""
    page = visitor.page
    visitor.go("/")
    expect(page.locator("html")).to_have_attribute("lang", visitor.language)
    visitor.settle()
    visitor.shoot("01-front")
    page.get_by_label(visitor.t("Street address, place name or postcode")).fill("Kongsvinger")
    page.get_by_role("button", name=visitor.t("Search"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kongsvinger")
    visitor.settle()
    visitor.shoot("02-around")


def pick_the_location(visitor: Visitor, scene: Scene) -> None:
    """2. On a phone, the big "Report a problem here" link; on a desktop, a click on the map
    where the problem is (its centre, the place searched for)."""
    page = visitor.page
    if visitor.width < 800:
        page.get_by_role("link", name=visitor.t("Report a problem here")).click()
    else:
        drawn_map = page.locator("[data-map].leaflet-container")
        expect(drawn_map).to_be_visible()
        drawn_map.click()
    page.wait_for_url(re.compile(r"/report/new\?lat=[0-9.]+&lon=[0-9.]+$"))
    query = parse_qs(urlsplit(page.url).query)
    lat, lon = float(query["lat"][0]), float(query["lon"][0])
    # Within a few metres of the place searched for, whichever way it was chosen.
    assert abs(lat - scene.lat) < 0.0002
    assert abs(lon - scene.lon) < 0.0004


def see_the_possible_duplicate(visitor: Visitor, scene: Scene) -> None:
    """3. The report already made about 100 m away is offered before a new one."""
    page = visitor.page
    nearby = page.get_by_role("region", name=visitor.t("Is it one of these?"))
    expect(nearby.get_by_role("link", name=scene.existing.title)).to_be_visible()
    expect(nearby.get_by_role("button", name=visitor.t("I have this problem too"))).to_be_visible()
    visitor.shoot("03-new-place")


def choose_the_category(visitor: Visitor, scene: Scene) -> None:
    """4. Choosing "Street light" shows its urgent notice at once, and again above the form."""
    page = visitor.page
    category = scene.street_light
    name = getattr(category, f"name_{visitor.language}")
    notice = getattr(category, f"urgent_notice_{visitor.language}")
    expect(page.get_by_text(notice)).to_be_hidden()
    page.get_by_label(name, exact=True).check()
    expect(page.get_by_text(notice)).to_be_visible()
    page.get_by_role("button", name=visitor.t("Continue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(visitor.t("Report a problem"))
    urgent = page.get_by_role("note")
    expect(urgent).to_contain_text(visitor.t("Is it urgent or dangerous?"))
    expect(urgent).to_contain_text(notice)
    visitor.shoot("04-new-form")


def fill_in_the_form(visitor: Visitor) -> None:
    """5. Title, details, a photo that says where it was taken, and who is reporting."""
    page = visitor.page
    photo = photo_with_gps()
    assert gps_of(photo)[2] == PHOTO_LATITUDE, "the test photo must carry GPS to be a test"
    page.get_by_label(visitor.t("Title")).fill(TITLE)
    page.get_by_label(visitor.t("Details")).fill(DETAIL)
    upload: FilePayload = {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo}
    page.get_by_label(visitor.t("Photos (optional)")).set_input_files([upload])
    expect(page.get_by_text(visitor.t("1 photo chosen."))).to_be_visible()
    page.get_by_label(visitor.t("Your name")).fill("Nina Nykommer")
    page.get_by_label(visitor.t("Your e-mail address")).fill(REPORTER_EMAIL)
    page.get_by_label(visitor.t("Phone number (optional)")).fill(REPORTER_PHONE)
    expect(page.get_by_label(visitor.t("Show my name publicly"))).not_to_be_checked()
    visitor.shoot("05-new-form-filled")
    page.get_by_role("button", name=visitor.t("Send report")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        visitor.t("Check your e-mail to confirm the report")
    )
    expect(page.get_by_role("main")).to_contain_text(REPORTER_EMAIL)
    visitor.shoot("06-sent")


def confirm_from_the_email(visitor: Visitor) -> str:
    """6 and 7. The e-mail, in the reporter's language, links to a page whose button
    publishes the report."""
    [message] = [m for m in mail.outbox if m.to == [REPORTER_EMAIL]]
    assert message.subject == visitor.t("Confirm your report: %(title)s") % {"title": TITLE}
    link = re.search(r"/report/confirm/\S+", str(message.body))
    assert link is not None, message.body
    visitor.go(link[0])
    visitor.shoot("07-confirm")
    visitor.page.get_by_role("button", name=visitor.t("Confirm my report")).click()
    visitor.page.wait_for_url(re.compile(r"/report/\d+$"))
    return visitor.page.url.removeprefix(visitor.site)


def find_it_public_with_a_clean_photo(visitor: Visitor) -> None:
    """8. Still not logged in, the visitor sees the report with its photo; the full-size photo
    has lost its EXIF, GPS position included. The reporter's e-mail and phone are nowhere."""
    page = visitor.page
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".report-state")).to_contain_text(visitor.t("Open"))
    photos = page.get_by_role("region", name=visitor.t("Photos"))
    image = photos.get_by_role("img")
    image.scroll_into_view_if_needed()
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0
    expect(page.get_by_role("link", name=visitor.t("Log in to add an update"))).to_be_visible()
    content = page.content()
    assert REPORTER_EMAIL not in content
    assert REPORTER_PHONE not in content
    page.evaluate("window.scrollTo(0, 0)")
    visitor.shoot("08-report")

    full_size = photos.get_by_role("link").first.get_attribute("href")
    assert full_size is not None
    photo_page = page.context.new_page()
    response = photo_page.goto(visitor.site + full_size)
    assert response is not None and response.ok
    served = response.body()
    photo_page.close()
    assert Image.open(io.BytesIO(served)).format == "JPEG"
    assert len(Image.open(io.BytesIO(served)).getexif()) == 0
    assert b"Exif" not in served
    assert not any(b"GPS" in segment for segment in metadata_segments(served))


def add_an_update(visitor: Visitor) -> None:
    """9. A neighbour, logged in, adds what they have seen."""
    page = visitor.page
    form = page.locator("#add-update")
    form.get_by_label(visitor.t("Your update")).fill("Jeg ser det samme hver kveld.")
    form.get_by_role("button", name=visitor.t("Add update")).click()
    expect(page.get_by_text(visitor.t("Thank you. Your update is on the report."))).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Jeg ser det samme hver kveld.")


def answer_as_staff(visitor: Visitor, scene: Scene) -> None:
    """10. Kongsvinger's staff answer and change the state; the answer carries the body's
    name as a badge."""
    page = visitor.page
    answer = page.locator("#answer")
    expect(answer.get_by_role("heading", level=2)).to_have_text(visitor.t("Answer as staff"))
    visitor.shoot("09-report-staff")
    answer.get_by_label(visitor.t("Public answer")).fill("Vi bytter lyset i morgen.")
    answer.get_by_label(visitor.t("State"), exact=True).select_option(
        label=visitor.t("In progress")
    )
    answer.get_by_role("button", name=visitor.t("Publish the answer")).click()
    timeline = page.locator("#timeline")
    staff_entry = timeline.locator(".timeline-entry-staff")
    expect(staff_entry.locator(".badge")).to_have_text(scene.body.name)
    expect(staff_entry).to_contain_text(visitor.t("In progress"))
    expect(staff_entry).to_contain_text("Vi bytter lyset i morgen.")
    expect(page.locator(".report-state")).to_contain_text(visitor.t("In progress"))


def log_in_with_a_link(visitor: Visitor, report_path: str) -> None:
    """The reporter has no password: they ask for a login link and follow it."""
    page = visitor.page
    visitor.go(f"/accounts/login/link/?next={report_path}")
    page.get_by_label(visitor.t("E-mail address")).fill(REPORTER_EMAIL)
    page.get_by_role("button", name=visitor.t("Send me a link")).click()
    expect(page.get_by_role("main")).to_contain_text(REPORTER_EMAIL)
    [message] = [
        m
        for m in mail.outbox
        if m.to == [REPORTER_EMAIL] and m.subject == visitor.t("Your login link for Torget")
    ]
    link = re.search(r"/accounts/login/link/\S+", str(message.body))
    assert link is not None, message.body
    visitor.go(link[0])
    page.get_by_role("button", name=visitor.t("Log in"), exact=True).click()
    page.wait_for_url(visitor.site + report_path)


def mark_it_fixed(visitor: Visitor) -> None:
    """11. The reporter ticks "this problem is fixed" in an update."""
    page = visitor.page
    form = page.locator("#add-update")
    form.get_by_label(visitor.t("Your update")).fill("Lyset virker igjen. Takk!")
    form.get_by_label(visitor.t("This problem is fixed")).check()
    form.get_by_role("button", name=visitor.t("Add update")).click()
    expect(
        page.get_by_text(visitor.t("Thank you. The report is now marked as fixed."))
    ).to_be_visible()
    expect(page.locator(".report-state")).to_contain_text(visitor.t("Fixed"))
    page.evaluate("window.scrollTo(0, 0)")
    visitor.shoot("10-report-fixed")


def see_it_listed(visitor: Visitor) -> None:
    """The report on the reporter's own page, and in the municipality's list."""
    page = visitor.page
    visitor.go("/my")
    mine = page.get_by_role("region", name=visitor.t("My reports"))
    expect(mine.get_by_role("link", name=TITLE)).to_be_visible()
    visitor.shoot("11-my")
    visitor.go("/reports")
    expect(page.get_by_role("link", name=re.compile("Kongsvinger"))).to_be_visible()
    visitor.shoot("12-all-reports")
    visitor.go("/reports/kongsvinger")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    visitor.settle()
    visitor.shoot("13-body-reports")
