"""The inbox: what waits for a body's staff."""

import pytest
from django.urls import reverse

from tests.staff.conftest import report
from torget.reports import actions as report_actions
from torget.staff.models import Handling

pytestmark = pytest.mark.django_db

INBOX = "/staff/"


def test_the_inbox_lives_at_staff():
    assert reverse("staff:inbox") == INBOX


def test_a_report_reaching_a_body_opens_its_handling(public_report, kongsvinger):
    assert Handling.objects.filter(report=public_report, body=kongsvinger).count() == 1


def test_an_unconfirmed_report_has_no_handling_until_confirmed(citizen, streetlights):
    waiting = report_actions.submit_report(
        reporter=report_actions.Reporter(user=None, email="ny@example.org"),
        category=streetlights,
        lat=60.19,
        lon=12.0,
        title="Ubekreftet",
        detail="",
        show_name=False,
        photos=[],
    )
    assert not Handling.objects.filter(report=waiting).exists()
    report_actions.confirm_report(report=waiting)
    assert Handling.objects.filter(report=waiting).exists()


def test_staff_see_their_bodys_reports(client, handler, public_report):
    client.force_login(handler)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert public_report.title in response.text


def test_staff_do_not_see_another_bodys_reports(client, eidskog_handler, public_report):
    client.force_login(eidskog_handler)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert public_report.title not in response.text


def test_the_header_links_to_the_inbox_for_staff_only(client, handler, citizen):
    client.force_login(handler)
    assert f'href="{INBOX}"' in client.get("/").text
    client.force_login(citizen)
    assert f'href="{INBOX}"' not in client.get("/").text


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_citizen_is_refused(client, citizen):
    client.force_login(citizen)
    assert client.get(INBOX).status_code == 403


def test_a_bad_filter_is_a_400(client, handler, public_report):
    client.force_login(handler)
    assert client.get(INBOX, {"category": "999999"}).status_code == 400
    assert client.get(INBOX, {"created_from": "not a date"}).status_code == 400


def test_new_reports_wait(client, handler, citizen, streetlights):
    first = report(citizen, streetlights, title="Første")
    client.force_login(handler)
    response = client.get(INBOX, {"waiting": "new"})
    assert first.title in response.text


def test_supporters_are_counted_once_each(public_report, other_citizen):
    report_actions.add_support(report=public_report, user=other_citizen)
    report_actions.add_support(report=public_report, user=other_citizen)
    public_report.refresh_from_db()
    assert public_report.supporters == 1
