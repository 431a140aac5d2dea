"""The whole report flow with the keyboard alone, as someone who cannot use a mouse or a
touch screen would do it: Tab to move, type into fields, Space to tick, Enter to go on."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.conftest import Scene, Visitor
from torget.reports.models import Report, State

pytestmark = pytest.mark.browser

MOST_TABS = 80


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_report_can_be_made_and_confirmed_with_the_keyboard_alone(visitor, scene: Scene):
    person: Visitor = visitor("en", 1280)
    page = person.page
    person.go("/")
    tab_to(page, "input[name=q]")
    page.keyboard.type("Kongsvinger")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kongsvinger")
    person.settle()

    tab_to(page, "a[href^='/report/new?lat=']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/report/new\?lat="))

    # A radio group is one Tab stop; the arrow keys move (and tick) within it.
    street_light = page.locator(f"input[type=radio][value='{scene.street_light.pk}']")
    tab_to(page, "input[type=radio]")
    page.keyboard.press("Space")
    for _ in range(5):
        if street_light.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(street_light).to_be_checked()
    tab_to(page, "button[type=submit]:not([formaction])")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(person.t("Report a problem"))

    for name, text in (
        ("title", "Gatelyset er mørkt"),
        ("detail", "Hele rekka med lys langs gangvegen er mørk."),
        ("name", "Tastatur Tove"),
        ("email", "tove@example.org"),
    ):
        tab_to(page, f"[name={name}]")
        page.keyboard.type(text)
    tab_to(page, "form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        person.t("Check your e-mail to confirm the report")
    )

    [message] = [m for m in mail.outbox if m.to == ["tove@example.org"]]
    link = re.search(r"/report/confirm/\S+", str(message.body))
    assert link is not None
    person.go(link[0])
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/report/\d+$"))
    report = Report.objects.get(title="Gatelyset er mørkt")
    assert report.state == State.OPEN
    assert report.category == scene.street_light
