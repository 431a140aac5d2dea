"""My data: a logged-in person asks for their data; the worker makes a ZIP of JSON and
photos and e-mails a link that works once, for the person, until it expires; the hourly job
then removes the file."""

import datetime
import io
import json
import re
import zipfile

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.translation import gettext, override

from tests.privacy.conftest import (
    KARI_EMAIL,
    KARI_NAME,
    KARI_PASSWORD,
    KARI_PHONE,
    OLA_EMAIL,
    OLA_TITLE,
)
from torget.accounts import actions, exports, jobs
from torget.accounts.models import DataExport, SignIn

pytestmark = pytest.mark.django_db


def log_in(client, email=KARI_EMAIL, password=KARI_PASSWORD):
    response = client.post("/accounts/login/", {"username": email, "password": password})
    assert response.status_code == 302


def ask_for_export(client, django_capture_on_commit_callbacks) -> str:
    """Asks, lets the worker's task run, and returns the link from the e-mail."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/my-data/export/")
    assert response.status_code == 302
    [message] = [m for m in mail.outbox if m.to == [KARI_EMAIL]]
    found = re.search(r"http://\S+/accounts/my-data/download/\S+/", str(message.body))
    assert found is not None
    return found.group(0)


def download(client, link: str):
    return client.post(link.removeprefix("http://127.0.0.1:8000"))


def files_of(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def downloaded(client, kari, django_capture_on_commit_callbacks) -> dict[str, bytes]:
    log_in(client)
    link = ask_for_export(client, django_capture_on_commit_callbacks)
    response = download(client, link)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="torget-')
    return files_of(response)


def records(files, name):
    return json.loads(files[f"{name}.json"])


def test_the_zip_holds_the_account_with_its_sign_ins(downloaded, kari):
    [account] = records(downloaded, "account")
    assert (account["email"], account["name"], account["phone"]) == (
        KARI_EMAIL,
        KARI_NAME,
        KARI_PHONE,
    )
    assert [s["method"] for s in account["sign_ins"]] == ["password"]


def test_the_zip_holds_her_reports_with_their_photos_and_the_unconfirmed_one(downloaded, kari):
    reports = {r["id"]: r for r in records(downloaded, "reports")}
    assert set(reports) == {kari.report.pk, kari.eidskog_report.pk, kari.unconfirmed.pk}
    mine = reports[kari.report.pk]
    assert (mine["your_name_given"], mine["your_phone_given"]) == (KARI_NAME, KARI_PHONE)
    [photo] = mine["photos"]
    assert downloaded[photo][:3] == b"\xff\xd8\xff"  # a JPEG


def test_the_zip_holds_her_update_with_its_photo_support_and_alert(downloaded, kari):
    [update] = records(downloaded, "updates")
    assert (update["report"], update["text"]) == (kari.olas_report.pk, "Jeg har sett det samme.")
    assert update["photos"][0] in downloaded
    [support] = records(downloaded, "supports")
    assert support["report"] == kari.olas_report.pk
    alerts = records(downloaded, "alerts")
    [near] = [a for a in alerts if a["kind"] == "radius"]
    assert (near["radius"], near["place"]) == (500, "Rådhusplassen 1")
    # She follows what she reported, wrote on or has too, all of it hers.
    followed = {a["report"] for a in alerts if a["kind"] == "report"}
    assert followed == {kari.report.pk, kari.eidskog_report.pk, kari.olas_report.pk}
    assert records(downloaded, "questionnaires") == []
    assert {d["body"] for d in records(downloaded, "sent_to_bodies")} <= {
        "Kongsvinger kommune",
        "Eidskog kommune",
    }


def test_the_zip_holds_nothing_of_anyone_else(downloaded, kari):
    everything = b"".join(downloaded.values()).decode("utf-8", "replace")
    assert OLA_EMAIL not in everything
    assert "Ola Bliverhos" not in everything
    assert "+47 900 11 222" not in everything
    # His report is named where she took part in it (its public title), and no more.
    assert OLA_TITLE in everything
    assert kari.olas_report.pk not in {r["id"] for r in records(downloaded, "reports")}
    photos = [name for name in downloaded if name.startswith("photos/")]
    assert len(photos) == 2  # her report's and her update's, not his report's


def test_the_link_works_once(client, kari, django_capture_on_commit_callbacks):
    log_in(client)
    link = ask_for_export(client, django_capture_on_commit_callbacks)
    assert download(client, link).status_code == 200
    again = download(client, link)
    assert again.status_code == 410
    with override("nb"):
        assert gettext("The link does not work") in again.content.decode()


def test_opening_the_link_shows_a_button_and_uses_nothing(
    client, kari, django_capture_on_commit_callbacks
):
    """Mail scanners open links; only the button's POST uses the link up."""
    log_in(client)
    link = ask_for_export(client, django_capture_on_commit_callbacks)
    assert client.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert DataExport.objects.get().downloaded is None
    assert download(client, link).status_code == 200


def test_the_link_stops_working_when_it_expires(client, kari, django_capture_on_commit_callbacks):
    log_in(client)
    link = ask_for_export(client, django_capture_on_commit_callbacks)
    DataExport.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    assert download(client, link).status_code == 410


def test_the_token_itself_expires(client, kari, settings, django_capture_on_commit_callbacks):
    log_in(client)
    link = ask_for_export(client, django_capture_on_commit_callbacks)
    settings.EXPORT_LINK_HOURS = -1
    assert download(client, link).status_code == 410


def test_the_link_is_only_for_the_person_whose_data_it_is(
    client, kari, django_capture_on_commit_callbacks
):
    log_in(client)
    link = ask_for_export(client, django_capture_on_commit_callbacks)
    client.logout()
    log_in(client, OLA_EMAIL, "another good password")
    assert download(client, link).status_code == 410
    client.logout()
    anonymous = download(client, link)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_tampered_link_does_not_work(client, kari, django_capture_on_commit_callbacks):
    log_in(client)
    link = ask_for_export(client, django_capture_on_commit_callbacks)
    assert download(client, link[:-3] + "x/").status_code == 410


def test_one_export_at_a_time(client, kari):
    log_in(client)
    client.post("/accounts/my-data/export/")  # the task waits for the commit
    response = client.post("/accounts/my-data/export/", follow=True)
    with override("nb"):
        assert gettext("Your data is being put together already.") in response.content.decode()
    assert DataExport.objects.count() == 1


def test_the_file_is_kept_outside_public_media(client, kari, django_capture_on_commit_callbacks):
    log_in(client)
    ask_for_export(client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get()
    assert exports.private_storage().exists(export.file)
    from django.core.files.storage import default_storage

    assert not default_storage.exists(export.file)


def test_the_job_removes_files_downloaded_or_expired(
    client, kari, django_capture_on_commit_callbacks
):
    log_in(client)
    link = ask_for_export(client, django_capture_on_commit_callbacks)
    download(client, link)
    used = DataExport.objects.get()
    log_in(client)
    ask_for_export(client, django_capture_on_commit_callbacks)
    waiting_link = DataExport.objects.exclude(pk=used.pk).get()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.forget_exports(now, grace=jobs.DOWNLOAD_GRACE) == 0  # too soon
        later = now + jobs.DOWNLOAD_GRACE + datetime.timedelta(seconds=1)
        assert actions.forget_exports(later, grace=jobs.DOWNLOAD_GRACE) == 1
    assert not exports.private_storage().exists(used.file)
    assert exports.private_storage().exists(waiting_link.file)
    with django_capture_on_commit_callbacks(execute=True):
        expired = waiting_link.expires + datetime.timedelta(seconds=1)
        assert actions.forget_exports(expired, grace=jobs.DOWNLOAD_GRACE) == 1
    assert not exports.private_storage().exists(waiting_link.file)
    assert DataExport.objects.count() == 0


def test_my_data_needs_a_login(client):
    response = client.get("/accounts/my-data/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_asking_needs_a_post_with_a_csrf_token(kari):
    from django.test import Client

    careful = Client(enforce_csrf_checks=True)
    careful.force_login(kari.user)
    assert careful.get("/accounts/my-data/export/").status_code == 405
    assert careful.post("/accounts/my-data/export/").status_code == 403
    assert DataExport.objects.count() == 0


def test_a_sign_in_by_link_is_recorded_too(client, kari):
    token_url = actions.login_link_url(kari.user, "/")
    response = client.post(token_url.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 302
    assert list(SignIn.objects.values_list("method", flat=True)) == ["link"]
