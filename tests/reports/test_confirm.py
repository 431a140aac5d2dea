"""Confirming a report from the e-mailed link: opening the link only asks, the button
confirms, and a link that is expired, tampered with, reused or for a removed report fails
with a clear page and changes nothing."""

import re
import time

import pytest
from django.core import mail, signing
from django.test import Client, TestCase
from django.urls import reverse

from tests.conftest import KONGSVINGER_CENTRE
from torget.alerts.models import Subscription
from torget.lib.signing import make_token
from torget.reports import actions
from torget.reports.models import Report, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser that asks for English, so the messages read as written here."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def link(unconfirmed_report):
    """The path of the report's confirmation link."""
    return reverse(
        "reports:confirm", args=[make_token(actions.CONFIRMATION, str(unconfirmed_report.pk))]
    )


def assert_unconfirmed(report: Report) -> None:
    report.refresh_from_db()
    assert report.state == State.UNCONFIRMED
    assert not Subscription.objects.filter(report=report).exists()


def test_the_whole_way_from_the_form_to_a_public_report(client, kongsvinger_category):
    lat, lon = KONGSVINGER_CENTRE
    data = {
        "lat": lat,
        "lon": lon,
        "category": kongsvinger_category.pk,
        "title": "Benken er knust",
        "detail": "Benken ved elva er knust.",
        "name": "Per Hansen",
        "email": "per@example.org",
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("reports:new"), data)
    [message] = mail.outbox
    url = re.search(r"https?://\S+/report/confirm/\S+", message.body).group(0)
    path = url.split("://", 1)[1].split("/", 1)[1]

    asked = client.get("/" + path)
    confirmed = client.post("/" + path)

    report = Report.objects.get()
    assert asked.status_code == 200
    assert confirmed.status_code == 302
    assert confirmed["Location"] == report.get_absolute_url()
    assert Report.objects.public().get() == report
    assert Subscription.objects.filter(report=report, user__email="per@example.org").exists()


def test_opening_the_link_only_asks_for_confirmation(client, unconfirmed_report, link):
    """Mail scanners open links; that alone must not publish anything."""
    response = client.get(link)

    assert response.status_code == 200
    assert b"Confirm my report" in response.content
    assert unconfirmed_report.title.encode() in response.content
    assert_unconfirmed(unconfirmed_report)


def test_the_button_confirms_and_subscribes_the_reporter(client, citizen, unconfirmed_report, link):
    response = client.post(link)

    unconfirmed_report.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == unconfirmed_report.get_absolute_url()
    assert unconfirmed_report.state == State.OPEN
    assert unconfirmed_report.confirmed is not None
    assert Report.objects.public().filter(pk=unconfirmed_report.pk).exists()
    assert Subscription.objects.filter(user=citizen, report=unconfirmed_report).exists()
    citizen.refresh_from_db()
    assert citizen.email_verified


def test_the_title_is_shown_escaped(client, citizen, kongsvinger_category):
    reporter = actions.Reporter(user=None, email=citizen.email)
    report = actions.submit_report(
        reporter=reporter,
        category=kongsvinger_category,
        lat=KONGSVINGER_CENTRE[0],
        lon=KONGSVINGER_CENTRE[1],
        title="<script>alert(1)</script>",
        detail="",
        show_name=False,
        photos=[],
    )
    token = make_token(actions.CONFIRMATION, str(report.pk))

    response = client.get(reverse("reports:confirm", args=[token]))

    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_is_refused(client, unconfirmed_report, settings, monkeypatch, method):
    days = settings.REPORT_CONFIRMATION_DAYS
    made_at = time.time() - days * 24 * 3600 - 60
    monkeypatch.setattr(signing.time, "time", lambda: made_at)
    token = make_token(actions.CONFIRMATION, str(unconfirmed_report.pk))
    monkeypatch.undo()

    response = getattr(client, method)(reverse("reports:confirm", args=[token]))

    assert response.status_code == 400
    assert b"This confirmation link has expired" in response.content
    assert_unconfirmed(unconfirmed_report)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_reused_link_is_refused_with_a_way_to_the_report(
    client, unconfirmed_report, link, method
):
    client.post(link)

    response = getattr(client, method)(link)

    assert response.status_code == 400
    assert b"This report is already confirmed" in response.content
    assert unconfirmed_report.get_absolute_url().encode() in response.content


def test_a_reused_link_to_a_hidden_report_does_not_point_to_it(client, unconfirmed_report, link):
    client.post(link)
    Report.objects.filter(pk=unconfirmed_report.pk).update(hidden=True)

    response = client.get(link)

    assert response.status_code == 400
    assert unconfirmed_report.get_absolute_url().encode() not in response.content


@pytest.mark.parametrize(
    "token",
    ["nonsense", "1:abc:def", "%s-tampered"],
    ids=["nonsense", "bad signature", "tampered"],
)
def test_a_tampered_or_incomplete_link_is_refused(client, unconfirmed_report, link, token):
    if "%s" in token:
        token = link.rsplit("/", 1)[1] + "-tampered"

    response = client.post(reverse("reports:confirm", args=[token]))

    assert response.status_code == 400
    assert b"This confirmation link does not work" in response.content
    assert_unconfirmed(unconfirmed_report)


def test_a_token_made_for_another_purpose_is_refused(client, unconfirmed_report):
    token = make_token("login", str(unconfirmed_report.pk))

    response = client.post(reverse("reports:confirm", args=[token]))

    assert response.status_code == 400
    assert_unconfirmed(unconfirmed_report)


def test_a_link_to_a_removed_report_is_refused(client, unconfirmed_report, link):
    unconfirmed_report.delete()

    response = client.post(link)

    assert response.status_code == 400
    assert b"This confirmation link does not work" in response.content


def test_confirming_without_the_csrf_token_is_forbidden(unconfirmed_report, link):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(link)

    assert response.status_code == 403
    assert_unconfirmed(unconfirmed_report)
