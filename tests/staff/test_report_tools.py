"""The staff tools that change the report itself: mark it a duplicate of a nearby report
chosen from a list, move its pin, and, for moderators, edit its words or hide it."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import KONGSVINGER_CENTRE
from tests.staff.conftest import report
from torget.alerts import actions as alerts
from torget.alerts.models import Subscription, SubscriptionKind
from torget.reports import actions
from torget.reports.models import Moderation, ModerationKind, Report, State, Support, Update

pytestmark = pytest.mark.django_db

LAT, LON = KONGSVINGER_CENTRE
NEAR = (LAT + 0.0009, LON)  # about 100 m north
FAR = (LAT + 0.045, LON)  # about 5 km north, still in Kongsvinger
OSLO = (59.9139, 10.7522)


def url(found, name):
    return reverse(f"staff:{name}", args=[found.pk])


@pytest.fixture
def original(other_citizen, streetlights):
    return report(other_citizen, streetlights, title="Lyset er borte ved rådhuset", at=NEAR)


# Duplicates.


def test_the_picker_lists_nearby_open_reports_of_the_body_with_their_distance(
    client, handler, public_report, original, citizen, streetlights, eidskog_roads
):
    far = report(citizen, streetlights, title="Langt unna", at=FAR)
    closed = report(citizen, streetlights, title="Allerede lukket", at=NEAR)
    Report.objects.filter(pk=closed.pk).update(state=State.CLOSED)
    theirs = report(citizen, eidskog_roads, title="Eidskogs egen", at=NEAR)
    client.force_login(handler)
    response = client.get(url(public_report, "duplicate"))
    assert response.status_code == 200
    text = response.text
    assert original.title in text
    assert "100 m" in text
    for other in (far, closed, theirs):
        assert other.title not in text
    wider = report(citizen, streetlights, title="Litt lenger unna", at=(LAT + 0.007, LON))
    assert wider.title not in client.get(url(public_report, "duplicate")).text
    assert wider.title in client.get(url(public_report, "duplicate"), {"radius": 1000}).text


def test_marking_a_duplicate_moves_supporters_and_followers_to_the_original(
    client, handler, public_report, original, citizen, django_user_model, kongsvinger
):
    supporter = django_user_model.objects.create_user("sara@example.org", "a password 42")
    follower = django_user_model.objects.create_user("frode@example.org", "a password 42")
    actions.add_support(report=public_report, user=supporter)
    alerts.subscribe(
        user=follower, target=alerts.Target(kind=SubscriptionKind.REPORT, report=public_report)
    )
    client.force_login(handler)
    response = client.post(
        url(public_report, "duplicate"),
        {"body": "kongsvinger", "duplicate-original": original.pk, "duplicate-text": "Meldt før."},
    )
    assert response.status_code == 302
    public_report.refresh_from_db()
    original.refresh_from_db()
    assert (public_report.state, public_report.duplicate_of) == (State.DUPLICATE, original)
    assert set(Support.objects.filter(report=original).values_list("user", flat=True)) == {
        supporter.pk,
        citizen.pk,
    }
    assert original.supporters == 2
    followers = Subscription.objects.filter(
        kind=SubscriptionKind.REPORT, report=original, active=True
    ).values_list("user", flat=True)
    assert {follower.pk, citizen.pk} <= set(followers)
    entry = Update.objects.get(report=original, duplicate=public_report)
    assert (entry.author, entry.body) == (handler, kongsvinger)
    page = client.get(original.get_absolute_url()).text
    assert public_report.get_absolute_url() in page
    assert "Meldt før." in client.get(public_report.get_absolute_url()).text


def test_a_report_not_in_the_list_cannot_be_chosen(
    client, handler, public_report, citizen, streetlights, eidskog_roads
):
    far = report(citizen, streetlights, title="Langt unna", at=FAR)
    theirs = report(citizen, eidskog_roads, title="Eidskogs egen", at=NEAR)
    client.force_login(handler)
    for other in (far, theirs, public_report):
        response = client.post(url(public_report, "duplicate"), {"duplicate-original": other.pk})
        assert response.status_code == 400
    for bad in ("", "abc", "99999999999999999999"):
        response = client.post(url(public_report, "duplicate"), {"duplicate-original": bad})
        assert response.status_code == 400
    public_report.refresh_from_db()
    assert public_report.state == State.OPEN


def test_staff_of_another_body_do_not_find_the_picker(client, eidskog_handler, public_report):
    client.force_login(eidskog_handler)
    assert client.get(url(public_report, "duplicate")).status_code == 404


# The pin.


def test_a_handler_moves_the_pin_and_the_timeline_says_so(
    client, handler, public_report, kongsvinger
):
    client.force_login(handler)
    response = client.post(
        url(public_report, "move"),
        {"move-lat": str(NEAR[0]), "move-lon": str(NEAR[1]), "move-address": "Storgata 1"},
    )
    assert response.status_code == 302
    public_report.refresh_from_db()
    assert (public_report.lat, public_report.lon) == NEAR
    assert public_report.address == "Storgata 1"
    assert public_report.areas.filter(code="3401").exists()
    assert Update.objects.filter(report=public_report, moved=True, body=kongsvinger).exists()
    moved = Moderation.objects.get(report=public_report, kind=ModerationKind.MOVED)
    assert (moved.old_lat, moved.old_lon) == KONGSVINGER_CENTRE
    assert "Rådhusplassen 1" not in client.get(public_report.get_absolute_url()).text


def test_a_pin_outside_the_bodys_area_is_refused(client, handler, public_report):
    client.force_login(handler)
    response = client.post(url(public_report, "move"), {"move-lat": OSLO[0], "move-lon": OSLO[1]})
    assert response.status_code == 400
    assert "utenfor området til Kongsvinger kommune" in response.text
    for lat, lon in (("abc", "11"), ("91", "11"), ("", ""), ("nan", "inf")):
        response = client.post(url(public_report, "move"), {"move-lat": lat, "move-lon": lon})
        assert response.status_code == 400
    public_report.refresh_from_db()
    assert (public_report.lat, public_report.lon) == KONGSVINGER_CENTRE
    assert not Moderation.objects.exists()


# Moderation.


def test_a_handler_may_not_edit_or_hide(client, handler, public_report):
    client.force_login(handler)
    for name in ("edit_report", "hide"):
        assert client.get(url(public_report, name)).status_code == 403
        assert client.post(url(public_report, name), {"hide-reason": "x"}).status_code == 403
    assert "Hide the report" not in client.get(url(public_report, "report")).text


def test_a_moderator_edits_the_words_and_the_original_is_kept_for_moderators(
    client, moderator, handler, public_report
):
    before = public_report.detail
    client.force_login(moderator)
    response = client.post(
        url(public_report, "edit_report"),
        {
            "edit-title": "Gatelyset er mørkt",
            "edit-detail": "Lyset ved busstoppet er mørkt.",
            "edit-reason": "Personopplysninger: et telefonnummer",
        },
    )
    assert response.status_code == 302
    public_report.refresh_from_db()
    assert public_report.detail == "Lyset ved busstoppet er mørkt."
    kept = Moderation.objects.get(report=public_report)
    assert (kept.kind, kept.old_detail, kept.author) == (ModerationKind.EDITED, before, moderator)
    public = client.get(public_report.get_absolute_url()).text
    assert before not in public and "Personopplysninger" not in public
    assert "Redigert av en moderator" in public
    assert before in client.get(url(public_report, "report")).text
    client.force_login(handler)
    assert before not in client.get(url(public_report, "report")).text


def test_an_edit_needs_a_reason_and_a_title(client, moderator, public_report):
    client.force_login(moderator)
    for data in ({"edit-title": "Ny", "edit-reason": ""}, {"edit-title": "", "edit-reason": "x"}):
        assert client.post(url(public_report, "edit_report"), data).status_code == 400
    assert not Moderation.objects.exists()


def test_a_moderator_hides_a_report_with_a_reason_and_shows_it_again(
    client, moderator, public_report
):
    client.force_login(moderator)
    assert client.post(url(public_report, "hide"), {"hide-reason": ""}).status_code == 400
    response = client.post(url(public_report, "hide"), {"hide-reason": "Trakassering"})
    assert response.status_code == 302
    public_report.refresh_from_db()
    assert public_report.hidden
    assert public_report.title not in client.get(reverse("staff:inbox")).text
    assert Client().get(public_report.get_absolute_url()).status_code == 404
    client.post(url(public_report, "hide"), {"hide-reason": "Feil av meg"})
    public_report.refresh_from_db()
    assert not public_report.hidden
    kinds = list(Moderation.objects.values_list("kind", "reason"))
    assert kinds == [(ModerationKind.HIDDEN, "Trakassering"), (ModerationKind.SHOWN, "Feil av meg")]
