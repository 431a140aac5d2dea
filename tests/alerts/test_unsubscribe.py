"""One-click unsubscribe (RFC 8058): a POST of `List-Unsubscribe=One-Click` to the address in
the e-mail's header stops the alerts without a login; a GET only shows a button."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.alerts.conftest import EIDSKOG_POINT
from tests.conftest import KONGSVINGER_CENTRE
from torget.alerts import actions
from torget.alerts.models import Subscription, SubscriptionKind
from torget.alerts.sending import send_due_alerts
from torget.lib.signing import make_token

pytestmark = pytest.mark.django_db

LAT, LON = KONGSVINGER_CENTRE


@pytest.fixture
def alerted(follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen):
    """Ola follows Kongsvinger and has had one alert e-mail."""
    subscription = follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)
    send_due_alerts()
    [message] = mail.outbox
    return subscription, message


def header_url(message) -> str:
    return (
        message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    )


def test_a_one_click_post_unsubscribes_without_login_or_csrf(alerted):
    subscription, message = alerted
    client = Client(enforce_csrf_checks=True)

    response = client.post(header_url(message), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.active is False


def test_the_get_page_only_shows_a_button(alerted, client):
    subscription, message = alerted

    response = client.get(header_url(message))

    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert b"csrfmiddlewaretoken" in response.content
    subscription.refresh_from_db()
    assert subscription.active is True


def test_the_pages_button_unsubscribes_with_its_csrf_token(alerted):
    subscription, message = alerted
    client = Client(enforce_csrf_checks=True)
    page = client.get(header_url(message))
    token = page.context["csrf_token"]

    response = client.post(header_url(message), {"csrfmiddlewaretoken": str(token)})

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.active is False


def test_a_post_without_one_click_body_needs_the_csrf_token(alerted):
    subscription, message = alerted
    client = Client(enforce_csrf_checks=True)

    response = client.post(header_url(message), {"something": "else"})

    assert response.status_code == 403
    subscription.refresh_from_db()
    assert subscription.active is True


def test_the_link_in_the_text_is_the_same_page(alerted):
    _subscription, message = alerted
    assert header_url(message) in message.body


def test_after_unsubscribing_no_more_alerts_come(alerted, report_at, kongsvinger_category):
    _subscription, message = alerted
    Client().post(header_url(message), {"List-Unsubscribe": "One-Click"})
    mail.outbox.clear()
    report_at(kongsvinger_category, LAT, LON, title="Another")

    assert send_due_alerts() == 0


def test_a_tampered_token_changes_nothing(alerted, client):
    subscription, message = alerted
    url = header_url(message)

    response = client.post(url[:-2] + "zz", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.active is True


def test_a_token_for_another_purpose_is_refused(alerted, client, other_citizen):
    subscription, _message = alerted
    token = make_token("alert-confirm", f"{other_citizen.pk}:all")

    response = client.post(f"/alerts/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.active is True


def test_a_token_names_only_its_persons_subscriptions(follow, other_citizen, third_citizen, client):
    """Even a genuine token cannot reach another person's subscription by its number."""
    theirs = follow(third_citizen, SubscriptionKind.BODY, body=None)
    token = actions.unsubscribe_token(other_citizen.pk, [theirs.pk])

    client.post(f"/alerts/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"})

    theirs.refresh_from_db()
    assert theirs.active is True


def test_the_all_token_stops_every_alert_of_the_person(follow, other_citizen, client):
    one = follow(other_citizen, SubscriptionKind.RADIUS, lat=LAT, lon=LON, radius=500)
    two = follow(other_citizen, SubscriptionKind.RADIUS, lat=LAT, lon=LON, radius=900)
    token = actions.unsubscribe_token(other_citizen.pk)

    client.post(f"/alerts/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"})

    assert not Subscription.objects.filter(pk__in=[one.pk, two.pk], active=True).exists()


def test_each_section_has_its_own_stop_link_and_the_header_stops_them_all(
    follow,
    report_at,
    kongsvinger_category,
    eidskog_category,
    kongsvinger_area,
    eidskog_body,
    other_citizen,
):
    area = follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    body = follow(other_citizen, SubscriptionKind.BODY, body=eidskog_body)
    report_at(kongsvinger_category, LAT, LON)
    report_at(eidskog_category, *EIDSKOG_POINT)
    send_due_alerts()
    [message] = mail.outbox

    tokens = re.findall(r"/alerts/unsubscribe/(\S+)", message.body)
    named = [actions.read_unsubscribe_token(token).subscription_ids for token in tokens]
    assert sorted(named) == sorted([(area.pk,), (body.pk,), tuple(sorted([area.pk, body.pk]))])
    header_token = header_url(message).rpartition("/")[2]
    assert set(actions.read_unsubscribe_token(header_token).subscription_ids) == {
        area.pk,
        body.pk,
    }
