"""A citizen on a phone logs in and switches language, in a real Chromium."""

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread, and Django refuses database
    # access from a thread with a running loop unless told it is safe. Here it is: the test
    # and the loop never touch the database at the same time.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="nb-NO")
    page = context.new_page()
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    yield page
    context.close()
    assert not [text for text in refusals if "Content Security Policy" in text]


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def is_styled(page: Page) -> bool:
    """The site's stylesheet loaded: it moves the skip link off screen until focused."""
    box = page.get_by_role("link", name="Hopp til hovedinnholdet").bounding_box()
    return box is not None and box["y"] < 0


def test_a_citizen_logs_in_with_a_password_on_a_phone(page: Page, live_server, citizen):
    page.goto(live_server.url + "/")
    assert is_styled(page)
    assert fits_the_screen(page)
    page.get_by_role("link", name="Logg inn").click()
    page.get_by_label("E-postadresse").fill("kari@example.org")
    page.get_by_label("Passord").fill("correct horse battery")
    page.get_by_role("button", name="Logg inn").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("banner")).to_contain_text("Kari Nordmann")
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    assert fits_the_screen(page)


def test_the_language_switch_changes_the_page_to_english(page: Page, live_server):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("main")).to_contain_text("Meld fra til kommunen")
    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name="Bytt").click()
    expect(page.get_by_role("main")).to_contain_text("Tell your municipality")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
