"""The staff tools in real Chromium: a handler marks a duplicate from the nearby picker, a
service-desk handler files a report for a citizen and a moderator hides a report with a
reason, each with the keyboard alone; axe-core finds nothing to fault on the tools' pages, in
bokmål and nynorsk, on a phone and a desktop."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import STAFF_PASSWORD, Scene, Visitor
from tests.browser.test_accessibility import assert_no_violations
from torget.accounts.models import Membership, Role
from torget.reports import actions, moderation
from torget.reports.models import Report, State

pytestmark = pytest.mark.browser


@pytest.fixture
def duplicate(scene: Scene) -> Report:
    """A new report of the same pothole as `scene.existing`, about 100 m away."""
    return actions.submit_report(
        reporter=actions.Reporter(user=scene.neighbour, email=scene.neighbour.email),
        category=scene.pothole,
        lat=scene.lat,
        lon=scene.lon,
        title="Stort hull i gangfeltet",
        detail="Det samme hullet, tror jeg.",
        show_name=False,
        photos=[],
        address="Kongsvinger",
    )


def as_role(scene: Scene, role: Role) -> None:
    Membership.objects.filter(user=scene.staff).update(role=role)


def press(visitor: Visitor, key: str, times: int = 1) -> None:
    for _ in range(times):
        visitor.page.keyboard.press(key)


def test_a_handler_marks_a_duplicate_from_the_nearby_picker_by_keyboard(
    visitor, scene: Scene, duplicate: Report
):
    path = f"/staff/report/{duplicate.pk}"
    staff = visitor("nb", 360)
    staff.log_in(scene.staff.email, STAFF_PASSWORD, path)
    page = staff.page
    page.get_by_role("link", name=staff.t("Mark as a duplicate of a nearby report")).focus()
    press(staff, "Enter")
    page.wait_for_url(f"**/staff/report/{duplicate.pk}/duplicate**")
    staff.settle()
    choice = page.get_by_role("radio", name=scene.existing.title)
    expect(choice).to_be_visible()
    choice.focus()
    press(staff, "Space")
    expect(choice).to_be_checked()
    page.get_by_role("button", name=staff.t("Mark as a duplicate")).focus()
    press(staff, "Enter")
    page.wait_for_url(f"**/staff/report/{duplicate.pk}?body=kongsvinger")
    staff.shoot("staff-duplicate-marked")
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.duplicate_of) == (State.DUPLICATE, scene.existing)


def test_a_service_desk_handler_files_a_report_for_a_citizen_by_keyboard(visitor, scene: Scene):
    path = "/staff/body/kongsvinger/new-report"
    staff = visitor("nn", 1280)
    staff.log_in(scene.staff.email, STAFF_PASSWORD, path)
    page = staff.page
    search = page.get_by_label(staff.t("Where is the problem? Address, place name or postcode"))
    search.fill("Kongsvinger")
    press(staff, "Enter")
    place = page.locator(".place-list a").first
    place.focus()
    press(staff, "Enter")
    page.get_by_label(staff.t("Category")).select_option(label="Hol i vegen")
    page.get_by_label(staff.t("Title")).fill("Hol ved skulen")
    page.get_by_label(staff.t("Details")).fill("Meldt på telefon.")
    page.get_by_label(staff.t("The citizen's name")).fill("Astrid Innbyggjar")
    page.get_by_label(staff.t("The citizen's e-mail address (optional)")).fill("astrid@example.org")
    page.get_by_label(staff.t("The citizen's phone number (optional)")).focus()
    press(staff, "Tab")
    press(staff, "Enter")
    page.wait_for_url("**/staff/report/*")
    staff.shoot("staff-filed-for-citizen")
    report = Report.objects.get(title="Hol ved skulen")
    assert report.filed_by_body == scene.body and report.reporter_name == "Astrid Innbyggjar"


def test_a_moderator_hides_a_report_with_a_reason_by_keyboard(
    visitor, scene: Scene, duplicate: Report
):
    as_role(scene, Role.MODERATOR)
    path = f"/staff/report/{duplicate.pk}"
    staff = visitor("nb", 1280)
    staff.log_in(scene.staff.email, STAFF_PASSWORD, path)
    page = staff.page
    page.get_by_role("link", name=staff.t("Hide the report")).focus()
    press(staff, "Enter")
    page.wait_for_url(f"**/staff/report/{duplicate.pk}/hide**")
    page.get_by_label(staff.t("Reason")).focus()
    page.keyboard.type("Personopplysninger om en nabo")
    press(staff, "Tab")
    press(staff, "Enter")
    page.wait_for_url(f"**/staff/report/{duplicate.pk}?body=kongsvinger")
    expect(page.get_by_role("link", name=staff.t("Show the report again"))).to_be_visible()
    duplicate.refresh_from_db()
    assert duplicate.hidden
    anonymous = visitor("nb", 360)
    response = anonymous.go(duplicate.get_absolute_url())
    assert response is not None and response.status == 404


@pytest.mark.parametrize(("language", "width"), [("nb", 360), ("nn", 1280)])
def test_the_tools_pages_have_no_accessibility_violations(
    visitor, scene: Scene, duplicate: Report, language: str, width: int, subtests
):
    as_role(scene, Role.MANAGER)
    moderation.hold_body_answer(report=duplicate, body=scene.body, text="Vi ser på det.")
    staff = visitor(language, width)
    base = f"/staff/report/{duplicate.pk}"
    staff.log_in(scene.staff.email, STAFF_PASSWORD, base)
    for name, path in [
        ("report with tools", base),
        ("duplicate", f"{base}/duplicate"),
        ("move", f"{base}/move"),
        ("edit", f"{base}/edit"),
        ("hide", f"{base}/hide"),
        ("targets", "/staff/body/kongsvinger/targets"),
        ("settings", "/staff/body/kongsvinger/settings"),
        ("file for a citizen", "/staff/body/kongsvinger/new-report?q=Kongsvinger"),
        (
            "file for a citizen: the form",
            f"/staff/body/kongsvinger/new-report?lat={scene.lat}&lon={scene.lon}",
        ),
    ]:
        with subtests.test(page=name):
            assert_no_violations(staff, path)
            assert staff.fits_the_screen(), name
