"""The inbox: what waits for a body's staff."""

import pytest
from django.urls import reverse

from tests.staff.conftest import report
from torget.reports import actions as report_actions
from torget.staff import actions, inbox
from torget.staff.models import Handling, Priority, SavedFilter

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


# Filters


def titles(response):
    return [row.report.title for row in response.context["page"].rows]


@pytest.fixture
def several(citizen, streetlights, potholes, rubbish, kongsvinger, handler, colleague):
    made = {
        "lys": report(citizen, streetlights, title="Lys ute", detail="Mørkt ved skolen"),
        "hull": report(citizen, potholes, title="Dypt hull", detail="Ved brua"),
        "søppel": report(citizen, rubbish, title="Søppel", detail="Flasker i parken"),
    }
    actions.assign(report=made["lys"], body=kongsvinger, by=handler, assignee=handler)
    actions.assign(report=made["hull"], body=kongsvinger, by=handler, assignee=colleague)
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"Lys ute", "Dypt hull", "Søppel"}),
        ({"assigned": "me"}, {"Lys ute"}),
        ({"assigned": "nobody"}, {"Søppel"}),
        ({"q": "brua"}, {"Dypt hull"}),
        ({"q": "SKOLEN"}, {"Lys ute"}),
        ({"category_group": "Vei og trafikk"}, {"Lys ute", "Dypt hull"}),
        ({"group": "closed"}, set()),
        ({"state": "open"}, {"Lys ute", "Dypt hull", "Søppel"}),
        ({"created_from": "2000-01-01", "created_to": "2000-01-02"}, set()),
    ],
)
def test_the_filters(client, handler, several, query, expected):
    client.force_login(handler)
    response = client.get(INBOX, query)
    assert response.status_code == 200
    assert set(titles(response)) == expected


def test_filter_by_colleague_category_and_priority(
    client, handler, colleague, several, kongsvinger
):
    urgent = Priority.objects.create(body=kongsvinger, name="Akutt")
    actions.set_priority(report=several["søppel"], body=kongsvinger, by=handler, priority=urgent)
    client.force_login(handler)
    assert titles(client.get(INBOX, {"assigned": colleague.pk})) == ["Dypt hull"]
    assert titles(client.get(INBOX, {"category": several["lys"].category_id})) == ["Lys ute"]
    assert titles(client.get(INBOX, {"priority": urgent.pk})) == ["Søppel"]
    assert set(titles(client.get(INBOX, {"priority": "none"}))) == {"Lys ute", "Dypt hull"}


def test_filter_by_area(client, handler, several, kongsvinger):
    client.force_login(handler)
    area = kongsvinger.areas.get()
    assert len(titles(client.get(INBOX, {"area": area.pk}))) == 3


def test_the_number_is_searched_too(client, handler, several):
    client.force_login(handler)
    number = several["hull"].pk
    assert "Dypt hull" in titles(client.get(INBOX, {"q": f"#{number}"}))


def test_sorting_by_supporters_and_age(client, handler, several, other_citizen):
    report_actions.add_support(report=several["søppel"], user=other_citizen)
    client.force_login(handler)
    assert titles(client.get(INBOX, {"sort": "supporters"}))[0] == "Søppel"
    assert titles(client.get(INBOX, {"sort": "oldest"})) == ["Lys ute", "Dypt hull", "Søppel"]
    assert titles(client.get(INBOX, {"sort": "newest"})) == ["Søppel", "Dypt hull", "Lys ute"]


# What waits


def test_a_citizens_update_waits_until_staff_act(
    client, handler, several, other_citizen, kongsvinger
):
    report_actions.add_update(report=several["hull"], author=other_citizen, text="Verre", photos=[])
    client.force_login(handler)
    assert titles(client.get(INBOX, {"waiting": "updated"})) == ["Dypt hull"]
    actions.add_note(report=several["hull"], body=kongsvinger, by=handler, text="Sett")
    assert titles(client.get(INBOX, {"waiting": "updated"})) == []


def test_a_reopened_report_waits(client, handler, citizen, several, kongsvinger):
    report_actions.answer_as_body(
        report=several["lys"], staff=handler, body=kongsvinger, text="Fikset", new_state="fixed"
    )
    client.force_login(handler)
    assert titles(client.get(INBOX, {"waiting": "reopened"})) == []
    report_actions.reopen_report(report=several["lys"], by=citizen, reason="Mørkt igjen")
    assert titles(client.get(INBOX, {"waiting": "reopened"})) == ["Lys ute"]
    assert "Lys ute" not in titles(client.get(INBOX, {"waiting": "new"}))


def test_an_answer_by_email_counts_as_staff_acting(several, kongsvinger, other_citizen):
    report_actions.add_update(report=several["hull"], author=other_citizen, text="Verre", photos=[])
    report_actions.record_body_answer(report=several["hull"], body=kongsvinger, text="Svar")
    row = Handling.objects.get(report=several["hull"], body=kongsvinger)
    assert row.staff_acted >= row.citizen_updated


def test_staff_writing_on_the_public_page_is_acting_not_waiting(several, kongsvinger, handler):
    report_actions.add_update(report=several["hull"], author=handler, text="Sjekket", photos=[])
    row = Handling.objects.get(report=several["hull"], body=kongsvinger)
    assert row.citizen_updated is None and row.staff_acted is not None


def test_the_counts_of_what_waits(client, handler, several):
    client.force_login(handler)
    assert client.get(INBOX).context["counts"]["new"] == "3"


def test_a_large_count_stops_at_its_limit(client, handler, several, monkeypatch):
    monkeypatch.setattr(inbox, "COUNT_LIMIT", 2)
    client.force_login(handler)
    assert client.get(INBOX).context["counts"]["new"] == "2+"


# Pages and their cost


def many(citizen, category, count):
    return [report(citizen, category, title=f"Melding {n:03}") for n in range(count)]


def test_pages_follow_each_other_without_gaps_or_repeats(client, handler, citizen, streetlights):
    made = many(citizen, streetlights, inbox.PAGE_SIZE + 7)
    client.force_login(handler)
    first = client.get(INBOX, {"sort": "oldest"})
    after = first.context["page"].next_after
    second = client.get(INBOX, {"sort": "oldest", "after": after})
    seen = titles(first) + titles(second)
    assert seen == [r.title for r in made]
    assert second.context["page"].next_after is None


@pytest.mark.parametrize("count", [3, 60])
def test_the_inbox_costs_a_bounded_number_of_queries(
    client,
    handler,
    colleague,
    citizen,
    streetlights,
    kongsvinger,
    count,
    django_assert_max_num_queries,
):
    urgent = Priority.objects.create(body=kongsvinger, name="Akutt")
    for made in many(citizen, streetlights, count):
        actions.assign(report=made, body=kongsvinger, by=handler, assignee=colleague)
        actions.set_priority(report=made, body=kongsvinger, by=handler, priority=urgent)
    client.force_login(handler)
    # Session, user, memberships; the filters' choices (categories, areas twice, staff,
    # priorities); the page start and the page; five counts of what waits; saved filters;
    # the bulk form's choices (staff, priorities, templates); the header's staff link.
    with django_assert_max_num_queries(20):
        response = client.get(INBOX, {"q": "Melding", "after": "1"})
    assert response.status_code == 200


# Saved filters


def test_a_saved_filter_comes_back(client, handler, several):
    client.force_login(handler)
    response = client.post(
        "/staff/filters", {"save-name": "Mine", "save-query": "assigned=me&after=5"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=handler)
    assert saved.query == "assigned=me"
    page = client.get(INBOX).text
    assert 'href="/staff/?assigned=me">Mine</a>' in page
    client.post(f"/staff/filters/{saved.pk}/delete")
    assert not SavedFilter.objects.exists()


def test_nobody_else_sees_or_deletes_my_filter(client, handler, colleague):
    saved = SavedFilter.objects.create(user=handler, name="Hannes hull", query="assigned=me")
    client.force_login(colleague)
    assert "Hannes hull" not in client.get(INBOX).text
    assert client.post(f"/staff/filters/{saved.pk}/delete").status_code == 404
