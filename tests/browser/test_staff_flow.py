"""A handler's morning in a real Chromium: from the inbox, filter to overdue potholes, take
one, answer it with the body's template, and the reporter is told by e-mail. axe-core checks
the inbox and the staff view of the report in bokmål and nynorsk, on a phone and a desktop,
and the inbox and the report view are saved to docs/img/ for docs/staff.md.

One test on purpose: a browser flow is among the slowest tests there are.
"""

import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import STAFF_PASSWORD, Scene, Visitor
from tests.browser.test_accessibility import assert_no_violations
from torget.reports import actions
from torget.reports.models import Report, State
from torget.staff import actions as staff_actions
from torget.staff.models import Handling, ResponseTemplate
from torget.staff.targets import Days, TargetChange, set_targets

pytestmark = pytest.mark.browser

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
TEMPLATE_NB = "Hullet ved {address} er satt opp for lapping (sak {number})."
TEMPLATE_NN = "Holet ved {address} er sett opp for lapping (sak {number})."


@pytest.fixture
def morning(scene: Scene) -> Report:
    """The scene's pothole is three weeks old and past its target; a street light report,
    new today, is not; and the body has a template for potholes."""
    light = actions.submit_report(
        reporter=actions.Reporter(user=scene.neighbour, email=scene.neighbour.email),
        category=scene.street_light,
        lat=scene.lat,
        lon=scene.lon,
        title="Lyset er ute",
        detail="Hele gata er mørk.",
        show_name=False,
        photos=[],
        address="Kongsvinger",
    )
    assert light.state != State.UNCONFIRMED
    staff_actions.open_missing_handlings()
    weeks_ago = timezone.now() - datetime.timedelta(days=21)
    Handling.objects.filter(report=scene.existing).update(arrived=weeks_ago)
    set_targets(
        body=scene.body,
        changes=[TargetChange(None, Days(2, 20)), TargetChange(scene.pothole, Days(1, 10))],
    )
    late, fresh = (Handling.objects.get(report=r).due for r in (scene.existing, light))
    assert late is not None and late < timezone.now()
    assert fresh is not None and fresh > timezone.now()
    ResponseTemplate.objects.create(
        body=scene.body,
        category=scene.pothole,
        title="Satt opp for lapping",
        text_nb=TEMPLATE_NB,
        text_nn=TEMPLATE_NN,
        new_state=State.PLANNED,
    )
    return scene.existing


def test_a_handler_takes_an_overdue_pothole_and_answers_it_with_a_template(
    visitor, scene: Scene, morning: Report, subtests
):
    handler = visitor("nb", 1280)
    handler.log_in(scene.staff.email, STAFF_PASSWORD, "/staff/")
    filter_to_overdue_potholes(handler, scene)
    handler.page.screenshot(path=DOCS_IMG / "staff-inbox.png", full_page=True)
    report_url = open_the_report(handler, morning)
    assign_to_myself(handler, scene)
    answer_with_the_template(handler, morning)
    handler.page.screenshot(path=DOCS_IMG / "staff-report.png", full_page=True)

    morning.refresh_from_db()
    assert morning.state == State.PLANNED
    assert Handling.objects.get(report=morning).assignee == scene.staff
    told = [m for m in mail.outbox if m.to == [scene.neighbour.email]]
    assert any("er satt opp for lapping" in str(m.body) for m in told), told

    for language, width in [("nb", 360), ("nb", 1280), ("nn", 360), ("nn", 1280)]:
        staff = visitor(language, width)
        staff.log_in(scene.staff.email, STAFF_PASSWORD, "/staff/")
        with subtests.test(page="inbox", language=language, width=width):
            assert_no_violations(staff, "/staff/?waiting=overdue")
        with subtests.test(page="report", language=language, width=width):
            assert_no_violations(staff, report_url)


def filter_to_overdue_potholes(visitor: Visitor, scene: Scene) -> None:
    page = visitor.page
    filters = page.locator("form.filters")
    filters.get_by_label(visitor.t("Waiting"), exact=True).select_option("overdue")
    filters.get_by_label(visitor.t("Category"), exact=True).select_option(str(scene.pothole.pk))
    filters.get_by_role("button", name=visitor.t("Show")).click()
    rows = page.locator(".inbox-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(scene.existing.title)


def open_the_report(visitor: Visitor, report: Report) -> str:
    page = visitor.page
    page.get_by_role("link", name=report.title).click()
    page.wait_for_url(f"**/staff/report/{report.pk}*")
    return page.url.removeprefix(visitor.site)


def assign_to_myself(visitor: Visitor, scene: Scene) -> None:
    page = visitor.page
    handling = page.locator("#handling")
    handling.get_by_label(visitor.t("Assigned to"), exact=True).select_option(str(scene.staff.pk))
    handling.get_by_role("button", name=visitor.t("Save the assignment")).click()
    expect(page.locator("#handling").get_by_label(visitor.t("Assigned to"))).to_have_value(
        str(scene.staff.pk)
    )


def answer_with_the_template(visitor: Visitor, report: Report) -> None:
    page = visitor.page
    answer = page.locator("#answer")
    answer.get_by_label(visitor.t("Response template")).select_option(label="Satt opp for lapping")
    answer.get_by_role("button", name=visitor.t("Use the template")).click()
    answer = page.locator("#answer")
    expect(answer.get_by_label(visitor.t("Public answer"))).to_have_value(
        TEMPLATE_NB.format(address=report.address, number=report.pk)
    )
    answer.get_by_role("button", name=visitor.t("Publish the answer")).click()
    expect(page.locator("body")).to_contain_text("er satt opp for lapping")
