"""What the body does in its own system comes back onto the report, as the body's answer."""

import datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from tests.delivery.open311_fixtures import *  # noqa: F403  (the fixtures)
from tests.delivery.open311_fixtures import delivery_of
from torget.delivery import actions
from torget.delivery.models import Delivery
from torget.delivery.open311_client import parse_w3c
from torget.delivery.updates import OVERLAP, fetch_all_updates, state_for
from torget.places.models import Body
from torget.reports import actions as report_actions
from torget.reports.models import Report, State, Update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def sent_an_hour_ago(make_report, **fields):
    report = make_report(**fields)
    actions.send(delivery_of(report).pk)
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Report.objects.filter(pk=report.pk).update(created=hour_ago, confirmed=hour_ago)
    Delivery.objects.filter(report=report).update(sent_at=hour_ago)
    report.refresh_from_db()
    return report, delivery_of(report)


def minutes_ago(minutes):
    return (timezone.now() - datetime.timedelta(minutes=minutes)).replace(microsecond=0)


def body_updates(report):
    return list(Update.objects.filter(report=report, author=None).order_by("created", "id"))


def test_a_closed_request_closes_the_report_with_the_bodys_notes(open311_server, make_report):
    open311_server.has_updates_extension = False
    report, delivery = sent_an_hour_ago(make_report)
    at = minutes_ago(10)
    open311_server.change(delivery.external_id, "closed", "Lyspæra er skiftet.", at)

    posted = fetch_all_updates()

    report.refresh_from_db()
    (update,) = body_updates(report)
    assert posted == 1
    assert report.state == State.CLOSED
    assert report.closed == at
    assert report.answered == at
    assert update.body == Body.objects.get(slug="kongsvinger")
    assert (update.text, update.new_state, update.created) == ("Lyspæra er skiftet.", "closed", at)
    asked = [r for r in open311_server.received if r.method == "GET" and "requests" in r.path]
    assert parse_w3c(asked[-1].query["updated_after"][0]) <= delivery.sent_at - OVERLAP


def test_the_reporter_is_told_of_a_change_in_the_bodys_system_at_once(
    open311_server, make_report, citizen
):
    """Like an answer on the web or by e-mail (reports.actions.record_body_answer)."""
    open311_server.has_updates_extension = False
    _, delivery = sent_an_hour_ago(make_report)
    open311_server.change(delivery.external_id, "closed", "Lyspæra er skiftet.", minutes_ago(10))
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        fetch_all_updates()

    [notice] = mail.outbox
    assert notice.to == [citizen.email]
    assert "Lyspæra er skiftet." in notice.body


def test_updates_from_servicerequestupdates_are_posted_in_order_through_the_mapping(
    open311_server, make_report
):
    report, delivery = sent_an_hour_ago(make_report)
    open311_server.change(delivery.external_id, "closed", "Ferdig.", minutes_ago(5))
    open311_server.change(
        delivery.external_id, "IN_PROGRESS", "Elektriker bestilt.", minutes_ago(20)
    )
    open311_server.request_updates.sort(key=lambda u: u["update_id"], reverse=True)

    assert fetch_all_updates() == 2

    report.refresh_from_db()
    assert [(u.new_state, u.text) for u in body_updates(report)] == [
        ("in_progress", "Elektriker bestilt."),
        ("closed", "Ferdig."),
    ]
    assert report.state == State.CLOSED
    assert report.acknowledged is not None
    assert not [r for r in open311_server.received if r.method == "GET" and "/requests" in r.path]


def test_a_change_is_posted_once_however_often_it_is_fetched(open311_server, make_report):
    report, delivery = sent_an_hour_ago(make_report)
    open311_server.change(delivery.external_id, "in_progress", "Vi ser på det.", minutes_ago(9))

    first = fetch_all_updates()
    again = fetch_all_updates()
    cache.clear()  # a restart with a local-memory cache
    after_a_restart = fetch_all_updates()

    print(f"posted={first} then={again} after_restart={after_a_restart}")
    assert (first, again, after_a_restart) == (1, 0, 0)
    assert len(body_updates(report)) == 1


def test_the_next_fetch_asks_for_what_changed_since_the_newest_change(open311_server, make_report):
    _report, delivery = sent_an_hour_ago(make_report)
    at = minutes_ago(9)
    open311_server.change(delivery.external_id, "in_progress", "Vi ser på det.", at)
    fetch_all_updates()
    cache.clear()  # the database remembers it too

    fetch_all_updates()

    asked = [r for r in open311_server.received if "servicerequestupdates" in r.path]
    assert parse_w3c(asked[-1].query["start_date"][0]) == at - OVERLAP
    assert asked[-1].query["api_key"] == [open311_server.api_key]


def test_open_leaves_the_state_as_it_is_and_posts_the_notes(open311_server, make_report):
    report, delivery = sent_an_hour_ago(make_report)
    open311_server.change(delivery.external_id, "open", "Mottatt, takk.", minutes_ago(3))

    assert fetch_all_updates() == 1

    report.refresh_from_db()
    assert report.state == State.OPEN
    assert [(u.new_state, u.text) for u in body_updates(report)] == [("", "Mottatt, takk.")]


def test_an_old_status_does_not_close_a_report_the_reporter_reopened(
    open311_server, make_report, citizen
):
    report, delivery = sent_an_hour_ago(make_report)
    open311_server.change(delivery.external_id, "closed", "Ferdig.", minutes_ago(30))
    fetch_all_updates()
    report.refresh_from_db()
    report_actions.reopen_report(report=report, by=citizen, reason="Fortsatt mørkt.")
    cache.clear()

    assert fetch_all_updates() == 0

    report.refresh_from_db()
    assert report.state == State.OPEN


def test_requests_that_did_not_come_from_torget_are_ignored(open311_server, make_report):
    _report, delivery = sent_an_hour_ago(make_report)
    open311_server.change(delivery.external_id, "closed", "Ferdig.", minutes_ago(3))
    open311_server.request_updates[0]["service_request_id"] = "999"

    assert fetch_all_updates() == 0


def test_an_endpoint_that_fails_is_asked_again_next_time(open311_server, make_report):
    _report, delivery = sent_an_hour_ago(make_report)
    open311_server.change(delivery.external_id, "closed", "Ferdig.", minutes_ago(3))
    open311_server.fail("500")

    assert fetch_all_updates() == 0
    assert fetch_all_updates() == 1


def test_a_contact_that_fetches_no_updates_is_not_asked(
    open311_server, open311_contact, make_report
):
    sent_an_hour_ago(make_report)
    open311_contact.fetch_updates = False
    open311_contact.save(update_fields=["fetch_updates"])
    open311_server.received.clear()

    assert fetch_all_updates() == 0
    assert open311_server.received == []


def test_nothing_is_asked_before_a_report_was_sent_there(open311_server, open311_contact):
    assert fetch_all_updates() == 0
    assert open311_server.received == []


@pytest.mark.parametrize(
    ("status", "status_map", "expected"),
    [
        ("IN_PROGRESS", {"IN_PROGRESS": "in_progress"}, "in_progress"),
        ("Under arbeid", {"under arbeid": "in_progress"}, "in_progress"),
        ("closed", {}, "closed"),
        ("open", {}, ""),
        ("ACTION_SCHEDULED", {}, "planned"),
        ("FIXED", {}, "fixed"),
        ("mystisk", {}, ""),
        ("closed", {"closed": "no_such_state"}, ""),
        ("open", {"open": "open"}, "open"),
    ],
)
def test_external_statuses_map_to_states(status, status_map, expected):
    assert state_for(status, status_map) == expected
