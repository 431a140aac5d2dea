"""What staff write among themselves never leaves the workspace: the internal note, the
assignee and the priority are searched for, by their unique texts, in every public page,
feed, GeoJSON, Open311 answer and e-mail about the report, and found nowhere."""

import pytest
from django.core import mail

from tests.conftest import KONGSVINGER_CENTRE
from torget.alerts.sending import send_due_alerts
from torget.reports import actions as report_actions
from torget.staff import actions
from torget.staff.models import Priority

pytestmark = pytest.mark.django_db

NOTE = "NOTAT-q7Zx3 ring entreprenøren"
PRIORITY = "PRIO-k2Lw9"


@pytest.fixture
def handled(public_report, kongsvinger, handler, colleague, other_citizen):
    """A report with a note, a priority and an assignee, and public life around it."""
    actions.add_note(report=public_report, body=kongsvinger, by=handler, text=NOTE)
    urgent = Priority.objects.create(body=kongsvinger, name=PRIORITY)
    actions.set_priority(report=public_report, body=kongsvinger, by=handler, priority=urgent)
    actions.assign(report=public_report, body=kongsvinger, by=handler, assignee=colleague)
    report_actions.answer_as_body(
        report=public_report, staff=handler, body=kongsvinger, text="Vi ser på saken."
    )
    report_actions.add_update(
        report=public_report, author=other_citizen, text="Fortsatt mørkt.", photos=[]
    )
    return public_report


def public_addresses(report, area_id):
    lat, lon = KONGSVINGER_CENTRE
    pk = report.pk
    pages = [
        f"/report/{pk}",
        f"/report/{pk}?page=last",
        "/reports",
        "/reports/kongsvinger",
        "/reports.geojson",
        f"/around?lat={lat}&lon={lon}",
        "/",
    ]
    feeds = [
        f"/feeds/{name}.{fmt}"
        for name in ("reports", "fixed", f"report/{pk}", "body/kongsvinger", f"area/{area_id}")
        for fmt in ("rss", "atom")
    ] + [f"/feeds/near.rss?lat={lat}&lon={lon}"]
    open311 = [
        f"/open311/v2/{what}.{fmt}"
        for what in ("requests", f"requests/{pk}", "servicerequestupdates")
        for fmt in ("json", "xml")
    ] + ["/open311/v2/servicerequestupdates.json?jurisdiction_id=kongsvinger"]
    return pages + feeds + open311


def secrets_in(text):
    return [secret for secret in (NOTE, PRIORITY, "Kai Kollega") if secret in text]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_citizen", "handler"])
def test_no_public_page_feed_or_api_shows_internal_data(client, handled, kongsvinger, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    area_id = kongsvinger.areas.first().pk
    for url in public_addresses(handled, area_id):
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
        body = b"".join(response) if response.streaming else response.content
        assert secrets_in(body.decode()) == [], url


def test_the_my_page_shows_none_of_it(client, handled, citizen):
    client.force_login(citizen)
    assert secrets_in(client.get("/my").text) == []


def test_no_email_carries_internal_data(
    handled, colleague, kongsvinger, django_capture_on_commit_callbacks
):
    """The reporter's notice of an answer, and the alert digest of the citizen's update."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_actions.answer_as_body(
            report=handled, staff=colleague, body=kongsvinger, text="Vi har bestilt ny lyspære."
        )
        send_due_alerts()
    assert len(mail.outbox) >= 2, "the reporter was told of the answer and of the update"
    for message in mail.outbox:
        text = message.body + "".join(str(part[0]) for part in getattr(message, "alternatives", []))
        assert secrets_in(text + message.subject) == []


def test_the_staff_view_does_show_it(client, handled, handler):
    client.force_login(handler)
    text = client.get(f"/staff/report/{handled.pk}").text
    assert set(secrets_in(text)) == {NOTE, PRIORITY, "Kai Kollega"}
