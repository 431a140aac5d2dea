"""axe-core finds nothing to fault on the main pages, in bokmål, on a phone and on a desktop.

Each page is checked as the people who use it see it: the public pages anonymously, the report
page also with the reporter's forms and with the staff's answer form, and my page logged in.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.browser.conftest import (
    CITIZEN_PASSWORD,
    STAFF_PASSWORD,
    Scene,
    Visitor,
    photo_with_gps,
)
from torget.alerts import actions as alert_actions
from torget.lib import images
from torget.reports import actions, tasks
from torget.reports.models import Report, State

pytestmark = pytest.mark.browser

AXE = Axe()


@pytest.fixture
def followed_report(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> Report:
    """Kari's street light: a photo, a neighbour's update with a photo of its own that the
    worker has yet to make (so the placeholder is checked too), an answer from Kongsvinger,
    and her support for the pothole nearby, so every list on the pages has something in it."""
    upload = SimpleUploadedFile("lys.jpg", photo_with_gps(), content_type="image/jpeg")
    report = actions.submit_report(
        reporter=actions.Reporter(user=scene.neighbour, email=scene.neighbour.email),
        category=scene.street_light,
        lat=scene.lat,
        lon=scene.lon,
        title="Gatelyset er mørkt",
        detail="Lyset ved busstoppet har vært mørkt i to uker.",
        show_name=True,
        photos=[images.check_upload(upload)],
        address="Kongsvinger",
    )
    with monkeypatch.context() as worker_busy:
        worker_busy.setattr(tasks, "queue_photo", lambda photo_id: None)
        actions.add_update(
            report=report,
            author=scene.staff,
            text="Det er mørkt her i kveld også.",
            photos=[images.check_upload(upload)],
        )
    actions.answer_as_body(
        report=report,
        staff=scene.staff,
        body=scene.body,
        text="Vi har bestilt en ny lyspære.",
        new_state=State.PLANNED,
    )
    actions.add_support(report=scene.existing, user=scene.staff)
    actions.add_support(report=report, user=scene.staff)
    return report


@pytest.mark.parametrize("width", [360, 1280])
def test_the_main_pages_have_no_accessibility_violations(
    visitor, scene: Scene, followed_report: Report, width: int, subtests
):
    place = f"lat={scene.lat:.6f}&lon={scene.lon:.6f}"
    form_path = f"/report/new?{place}&category={scene.street_light.pk}"
    report_path = followed_report.get_absolute_url()
    anonymous = visitor("nb", width)
    for name, path in [
        ("front", "/"),
        ("around", f"/around?{place}"),
        ("new-place", f"/report/new?{place}"),
        ("new-form", form_path),
        ("report", report_path),
        ("all-reports", "/reports"),
        ("body-reports", "/reports/kongsvinger"),
        ("alerts", "/alerts"),
        ("alerts-at-a-place", f"/alerts?{place}"),
        ("open311", "/open311/"),
    ]:
        with subtests.test(page=name):
            assert_no_violations(anonymous, path)
    with subtests.test(page="new-form with errors"):
        anonymous.go(form_path)
        send_a_form_with_a_blank_title(anonymous)
        assert_no_violations(anonymous)

    reporter = visitor("nb", width)
    reporter.log_in(scene.neighbour.email, CITIZEN_PASSWORD, report_path)
    with subtests.test(page="report as its reporter"):
        assert_no_violations(reporter, report_path)
    with subtests.test(page="my"):
        assert_no_violations(reporter, "/my")
    with subtests.test(page="my alerts"):
        assert_no_violations(reporter, "/alerts/mine")
    with subtests.test(page="unsubscribe"):
        unsubscribe = alert_actions.unsubscribe_url(scene.neighbour.pk)
        assert_no_violations(reporter, unsubscribe.removeprefix(settings.BASE_URL))

    staff = visitor("nb", width)
    staff.log_in(scene.staff.email, STAFF_PASSWORD, report_path)
    with subtests.test(page="report as staff"):
        assert_no_violations(staff, report_path)


def assert_no_violations(visitor: Visitor, path: str = "") -> None:
    """No violations on the page at `path`, or on the page the visitor is on."""
    if path:
        response = visitor.go(path)
        assert response is not None and response.ok, path
    visitor.settle()
    results = AXE.run(visitor.page)
    assert results.response["passes"], "axe checked nothing"
    assert results.violations_count == 0, f"{visitor.page.url}\n{results.generate_report()}"


def send_a_form_with_a_blank_title(visitor: Visitor) -> None:
    """A title of spaces passes the browser's own check but not the server's, so the form
    comes back with its error summary."""
    page = visitor.page
    page.get_by_label(visitor.t("Title")).fill("   ")
    page.get_by_label(visitor.t("Details")).fill("Lyset er mørkt.")
    page.get_by_label(visitor.t("Your name")).fill("Nina Nykommer")
    page.get_by_label(visitor.t("Your e-mail address")).fill("nina@example.org")
    page.get_by_role("button", name=visitor.t("Send report")).click()
    expect(page.get_by_role("alert")).to_contain_text(visitor.t("There is a problem"))
