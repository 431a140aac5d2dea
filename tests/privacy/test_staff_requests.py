"""Staff requests: a body's manager finds, exports and anonymises what Torget holds about an
address within their body's reports, and no further; a superuser may do so for any body or
all of Torget; nobody else may at all."""

import io
import json
import logging
import zipfile

import pytest
from django.test import Client

from tests.privacy.conftest import KARI_EMAIL, KARI_NAME, KARI_PHONE
from torget.accounts.models import Membership, Role, User
from torget.reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(django_user_model, kongsvinger_body):
    user = django_user_model.objects.create_user("leder@kongsvinger.example", "pw pw pw pw 42")
    Membership.objects.create(user=user, body=kongsvinger_body, role=Role.MANAGER)
    return user


def as_(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def find(client, body, email=KARI_EMAIL):
    return client.get("/privacy/requests", {"email": email, "scope": body.pk if body else "all"})


def zip_of(response) -> dict[str, object]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {
        name: json.loads(archive.read(name))
        for name in archive.namelist()
        if name.endswith(".json")
    }


def test_a_manager_sees_what_lies_within_their_body_only(kari, manager, kongsvinger_body):
    page = find(as_(manager), kongsvinger_body)
    assert page.status_code == 200
    parts = dict(page.context["parts"])
    # Her street light and her unconfirmed report are Kongsvinger's; the pothole is Eidskog's.
    assert parts["reports"] == 2
    assert parts["updates"] == 1  # on Ola's report, in Kongsvinger


def test_the_export_holds_the_bodys_part_and_not_the_rest_of_the_account(
    kari, manager, kongsvinger_body
):
    response = as_(manager).post(
        "/privacy/requests/export", {"email": KARI_EMAIL, "scope": kongsvinger_body.pk}
    )
    assert response.status_code == 200
    files = zip_of(response)
    assert {r["id"] for r in files["reports.json"]} == {kari.report.pk, kari.unconfirmed.pk}
    assert files["account.json"] == [{"email": KARI_EMAIL}]
    assert KARI_PHONE in json.dumps(files["reports.json"])  # given with the body's report
    assert "Hull ved grensa" not in json.dumps(files, ensure_ascii=False)


def test_a_manager_cannot_reach_another_body(kari, manager, eidskog_body):
    client = as_(manager)
    assert find(client, eidskog_body).context["form"].errors
    response = client.post(
        "/privacy/requests/export", {"email": KARI_EMAIL, "scope": eidskog_body.pk}
    )
    assert response.status_code == 400
    response = client.post(
        "/privacy/requests/anonymise",
        {"email": KARI_EMAIL, "scope": eidskog_body.pk, "confirmed": "on"},
    )
    assert response.status_code == 400
    assert Report.objects.get(pk=kari.eidskog_report.pk).reporter_name == ""
    assert Report.objects.get(pk=kari.eidskog_report.pk).reporter_id == kari.user.pk


def test_a_manager_cannot_answer_for_all_of_torget(kari, manager):
    assert find(as_(manager), None).context["form"].errors


@pytest.mark.parametrize("who", ["handler", "citizen"])
def test_nobody_else_may_use_it(kari, kongsvinger_staff, who, kongsvinger_body):
    user = kongsvinger_staff if who == "handler" else kari.ola
    client = as_(user)
    assert find(client, kongsvinger_body).status_code == 403
    response = client.post(
        "/privacy/requests/export", {"email": KARI_EMAIL, "scope": kongsvinger_body.pk}
    )
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/privacy/requests").status_code == 302


def test_anonymising_within_the_body_leaves_the_rest(kari, manager, kongsvinger_body, caplog):
    with caplog.at_level(logging.INFO, logger="torget.site.requests"):
        response = as_(manager).post(
            "/privacy/requests/anonymise",
            {"email": KARI_EMAIL, "scope": kongsvinger_body.pk, "confirmed": "on"},
        )
    assert response.status_code == 200
    report = Report.objects.get(pk=kari.report.pk)
    assert (report.reporter, report.reporter_name, report.reporter_phone) == (None, "", "")
    assert not Report.objects.filter(pk=kari.unconfirmed.pk).exists()
    assert Report.objects.get(pk=kari.eidskog_report.pk).reporter_id == kari.user.pk
    assert User.objects.get(pk=kari.user.pk).name == KARI_NAME
    [record] = [r for r in caplog.records if r.name == "torget.site.requests"]
    assert f"anonymised account {kari.user.pk} within body {kongsvinger_body.pk}" in record.message
    assert KARI_EMAIL not in record.message


def test_anonymising_needs_the_box_ticked(kari, manager, kongsvinger_body):
    response = as_(manager).post(
        "/privacy/requests/anonymise", {"email": KARI_EMAIL, "scope": kongsvinger_body.pk}
    )
    assert response.status_code == 400
    assert Report.objects.get(pk=kari.report.pk).reporter_id == kari.user.pk


def test_a_superuser_anonymising_all_of_torget_erases_the_account(kari, admin_user):
    response = as_(admin_user).post(
        "/privacy/requests/anonymise", {"email": KARI_EMAIL, "scope": "all", "confirmed": "on"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(pk=kari.user.pk).exists()
    assert Report.objects.get(pk=kari.eidskog_report.pk).reporter is None


def test_an_unknown_address_is_said_to_be_unknown(kari, admin_user):
    page = find(as_(admin_user), None, email="ingen@example.org")
    assert page.status_code == 200 and page.context["person"] is None


def test_the_actions_need_a_csrf_token(kari, manager, kongsvinger_body):
    careful = Client(enforce_csrf_checks=True)
    careful.force_login(manager)
    data = {"email": KARI_EMAIL, "scope": kongsvinger_body.pk, "confirmed": "on"}
    assert careful.post("/privacy/requests/anonymise", data).status_code == 403
    assert Report.objects.get(pk=kari.report.pk).reporter_id == kari.user.pk
