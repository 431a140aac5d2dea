"""Bad input to the workspace is a clear 4xx and changes nothing, on both databases."""

import pytest
from django.urls import reverse

from torget.reports.models import Update
from torget.staff.models import Handling, InternalEntry, SavedFilter

pytestmark = pytest.mark.django_db

HUGE = "x" * 5001
HUGE_NUMBER = "9" * 30


@pytest.mark.parametrize(
    "query",
    [
        {"category": HUGE_NUMBER},
        {"category": "abc"},
        {"area": "-1"},
        {"assigned": HUGE_NUMBER},
        {"priority": "abc"},
        {"state": "hidden"},
        {"waiting": "overdue-and-more"},
        {"sort": "random()"},
        {"created_from": "2024-13-45"},
        {"created_from": "2025-02-01", "created_to": "2025-01-01"},
        {"q": "x" * 201},
        {"q": "tab\x07bell"},
        {"body": "eidskog"},
    ],
)
def test_a_bad_filter_is_a_400(client, handler, public_report, eidskog, query):
    client.force_login(handler)
    assert client.get("/staff/", query).status_code == 400


@pytest.mark.parametrize("after", [HUGE_NUMBER, "-5", "abc", "0"])
def test_a_bogus_page_start_shows_the_first_page(client, handler, public_report, after):
    client.force_login(handler)
    response = client.get("/staff/", {"after": after})
    assert response.status_code == 200
    assert public_report.title in response.text


def test_a_nul_anywhere_is_a_400(client, handler, public_report):
    client.force_login(handler)
    assert client.get("/staff/", {"q": "a\x00b"}).status_code == 400
    response = client.post(reverse("staff:note", args=[public_report.pk]), {"note-text": "a\x00b"})
    assert response.status_code == 400
    assert not InternalEntry.objects.exists()


@pytest.mark.parametrize("pk", [0, 99999999, int(HUGE_NUMBER)])
def test_a_report_that_does_not_exist_is_a_404(client, handler, pk):
    client.force_login(handler)
    assert client.get(f"/staff/report/{pk}").status_code == 404
    assert client.post(f"/staff/report/{pk}/note", {"note-text": "Hei"}).status_code == 404


def test_a_huge_note_is_refused(client, handler, public_report):
    client.force_login(handler)
    response = client.post(reverse("staff:note", args=[public_report.pk]), {"note-text": HUGE})
    assert response.status_code == 400
    assert not InternalEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("assign", {"assign-assignee": HUGE_NUMBER}),
        ("assign", {"assign-assignee": "abc"}),
        ("priority", {"priority-priority": "-1"}),
        ("answer", {"answer-text": HUGE, "answer-new_state": "open"}),
        ("answer", {"answer-text": "Hei", "answer-new_state": "unconfirmed"}),
        (
            "answer",
            {"answer-template": HUGE_NUMBER, "answer-do": "use", "answer-new_state": "open"},
        ),
        ("answer", {"answer-text": "Hei", "answer-new_state": "open", "answer-do": "delete"}),
        ("category", {"category-category": HUGE_NUMBER}),
        ("category", {}),
    ],
)
def test_bad_handling_input_is_a_400(client, handler, public_report, name, data):
    client.force_login(handler)
    response = client.post(reverse(f"staff:{name}", args=[public_report.pk]), data)
    assert response.status_code == 400
    assert not Update.objects.filter(report=public_report).exists()
    assert not InternalEntry.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"reports": ["abc", HUGE_NUMBER, "-1"], "do": "assign"},
        {"reports": [], "do": "assign"},
        {"do": "explode"},
        {"do": "state", "state": ""},
        {"do": "template", "template": HUGE_NUMBER},
        {"do": "state", "state": "open", "text": HUGE},
    ],
)
def test_a_bad_bulk_post_is_a_400(client, handler, colleague, public_report, kongsvinger, data):
    client.force_login(handler)
    data = {"body": kongsvinger.slug, "reports": [public_report.pk], **data}
    response = client.post("/staff/bulk", data)
    assert response.status_code == 400
    assert not Handling.objects.filter(assignee__isnull=False).exists()
    assert not Update.objects.filter(report=public_report).exists()


def test_a_bulk_post_for_an_unknown_body_is_a_404(client, handler, public_report):
    client.force_login(handler)
    response = client.post("/staff/bulk", {"body": "x" * 300, "reports": [public_report.pk]})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"save-name": "", "save-query": ""},
        {"save-name": "x" * 101, "save-query": ""},
        {"save-name": "Mine", "save-query": "category=abc"},
        {"save-name": "Mine", "save-query": "x" * 2001},
    ],
)
def test_a_bad_saved_filter_is_a_400(client, handler, public_report, data):
    client.force_login(handler)
    assert client.post("/staff/filters", data).status_code == 400
    assert not SavedFilter.objects.exists()
