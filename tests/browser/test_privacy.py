"""In a real browser: the new pages of issue 18 have nothing axe-core faults, and a citizen on
a phone downloads their data and then erases their account, the erasing with the keyboard."""

import io
import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import CITIZEN_PASSWORD, Scene
from tests.browser.test_accessibility import assert_no_violations
from torget.accounts.models import User
from torget.reports.models import Report

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 1280])
def test_the_privacy_pages_have_no_accessibility_violations(
    visitor, scene: Scene, admin_user, width: int, subtests
):
    anonymous = visitor("nb", width)
    for path in ["/privacy", "/accessibility"]:
        with subtests.test(page=path):
            assert_no_violations(anonymous, path)
            assert anonymous.fits_the_screen()
    citizen = visitor("nb", width)
    citizen.log_in(scene.neighbour.email, CITIZEN_PASSWORD, "/accounts/my-data/")
    with subtests.test(page="my data"):
        assert_no_violations(citizen)
        assert citizen.fits_the_screen()
    admin = visitor("nb", width)
    admin.log_in(admin_user.email, "admin password 42", "/privacy/requests")
    with subtests.test(page="staff requests"):
        assert_no_violations(admin, f"/privacy/requests?email={scene.neighbour.email}&scope=all")
        assert admin.fits_the_screen()


def test_a_citizen_downloads_their_data_and_then_erases_their_account(visitor, scene: Scene):
    kari = visitor("nb", 360)
    page = kari.page
    kari.log_in(scene.neighbour.email, CITIZEN_PASSWORD, "/my")
    page.get_by_role("link", name=kari.t("My data: download it, or erase my account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(kari.t("My data"))
    kari.shoot("my-data")

    mail.outbox.clear()
    page.get_by_role("button", name=kari.t("Prepare my data")).click()
    expect(page.get_by_role("status").first).to_be_visible()
    [message] = [m for m in mail.outbox if m.to == [scene.neighbour.email]]
    link = next(word for word in str(message.body).split() if "/my-data/download/" in word)
    kari.go(urlsplit(link).path)
    with page.expect_download() as download:
        page.get_by_role("button", name=kari.t("Download")).click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    reports = json.loads(archive.read("reports.json"))
    assert [r["id"] for r in reports] == [scene.existing.pk]
    assert json.loads(archive.read("account.json"))[0]["email"] == scene.neighbour.email

    kari.go("/accounts/my-data/")
    box = page.get_by_label(
        kari.t(
            "I understand that my account is erased for good, and that my reports and updates "
            "stay public without my name."
        )
    )
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=kari.t("Erase my account"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(kari.t("Your account is erased"))
    kari.shoot("erased")
    assert not User.objects.filter(pk=scene.neighbour.pk).exists()
    assert Report.objects.get(pk=scene.existing.pk).reporter is None
    kari.go(scene.existing.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Dypt hull ved gangfeltet")
