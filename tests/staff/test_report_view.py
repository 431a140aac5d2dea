"""The staff view of a report: assign, prioritise, note, answer (from a template, with a
preview), change the category, and the whole history in one list."""

import pytest
from django.core import mail
from django.urls import reverse

from torget.reports.models import Report, State, Update
from torget.staff.models import EntryKind, Handling, InternalEntry, Priority, ResponseTemplate

pytestmark = pytest.mark.django_db


def url(report, name="report"):
    return reverse(f"staff:{name}", args=[report.pk])


def handling(report, body):
    return Handling.objects.get(report=report, body=body)


def test_staff_see_the_report_with_the_reporters_contact_details(
    client, handler, public_report, citizen
):
    client.force_login(handler)
    response = client.get(url(public_report))
    assert response.status_code == 200
    assert public_report.title in response.text
    assert citizen.email in response.text


def test_a_handler_assigns_a_colleague_and_the_history_says_so(
    client, handler, colleague, public_report, kongsvinger
):
    client.force_login(handler)
    response = client.post(url(public_report, "assign"), {"assign-assignee": colleague.pk})
    assert response.status_code == 302
    row = handling(public_report, kongsvinger)
    assert row.assignee == colleague
    assert row.staff_acted is not None
    entry = InternalEntry.objects.get(report=public_report)
    assert (entry.kind, entry.assignee, entry.author) == (EntryKind.ASSIGNED, colleague, handler)
    assert "Kai Kollega" in client.get(url(public_report)).text


def test_staff_of_another_body_cannot_be_assigned(
    client, handler, eidskog_handler, public_report, kongsvinger
):
    client.force_login(handler)
    response = client.post(url(public_report, "assign"), {"assign-assignee": eidskog_handler.pk})
    assert response.status_code == 400
    assert handling(public_report, kongsvinger).assignee is None


def test_a_priority_of_another_body_is_refused(
    client, handler, public_report, eidskog, kongsvinger
):
    theirs = Priority.objects.create(body=eidskog, name="Akutt")
    client.force_login(handler)
    response = client.post(url(public_report, "priority"), {"priority-priority": theirs.pk})
    assert response.status_code == 400
    assert handling(public_report, kongsvinger).priority is None


def test_a_handler_sets_the_bodys_priority(client, handler, public_report, kongsvinger):
    urgent = Priority.objects.create(body=kongsvinger, name="Akutt")
    client.force_login(handler)
    client.post(url(public_report, "priority"), {"priority-priority": urgent.pk})
    assert handling(public_report, kongsvinger).priority == urgent
    assert InternalEntry.objects.get(report=public_report).priority_name == "Akutt"


def test_an_internal_note_is_in_the_history_for_the_body_only(
    client, handler, public_report, eidskog_handler, eidskog_roads
):
    client.force_login(handler)
    client.post(url(public_report, "note"), {"note-text": "Ring entreprenøren i morgen."})
    assert "Ring entreprenøren i morgen." in client.get(url(public_report)).text


def test_a_public_answer_tells_the_reporter(
    client, handler, public_report, citizen, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    client.force_login(handler)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(public_report, "answer"),
            {
                "answer-text": "Vi ser på det.",
                "answer-new_state": State.INVESTIGATING,
                "answer-do": "publish",
            },
        )
    assert response.status_code == 302
    public_report.refresh_from_db()
    assert public_report.state == State.INVESTIGATING
    assert Update.objects.filter(report=public_report, text="Vi ser på det.").exists()
    assert any(citizen.email in message.to for message in mail.outbox)


def test_a_template_fills_in_the_answer_and_the_preview_shows_it_without_saving(
    client, handler, public_report, kongsvinger, streetlights
):
    template = ResponseTemplate.objects.create(
        body=kongsvinger,
        category=streetlights,
        title="Registrert",
        text_nb="Takk! Melding {number} om {category} er registrert.",
        text_nn="Takk! Melding {number} om {category} er registrert.",
        new_state=State.ACKNOWLEDGED,
    )
    client.force_login(handler)
    response = client.post(
        url(public_report, "answer"),
        {
            "answer-template": template.pk,
            "answer-language": "nb",
            "answer-new_state": public_report.state,
            "answer-do": "use",
        },
    )
    assert response.status_code == 200
    expected = f"Takk! Melding {public_report.pk} om Gatelys er registrert."
    assert expected in response.text
    assert f'<option value="{State.ACKNOWLEDGED}" selected' in response.text
    assert not Update.objects.filter(report=public_report).exists()


def test_publishing_nothing_is_a_400(client, handler, public_report):
    client.force_login(handler)
    response = client.post(
        url(public_report, "answer"),
        {"answer-text": "", "answer-new_state": public_report.state, "answer-do": "publish"},
    )
    assert response.status_code == 400
    assert not Update.objects.filter(report=public_report).exists()


def test_changing_the_category_to_another_bodys_sends_it_there_too(
    client, handler, public_report, kongsvinger, county_roads
):
    client.force_login(handler)
    response = client.post(url(public_report, "category"), {"category-category": county_roads.pk})
    assert response.status_code == 302
    report = Report.objects.get(pk=public_report.pk)
    assert report.category == county_roads
    assert Handling.objects.filter(report=report, body=county_roads.body).exists()
    assert handling(report, kongsvinger).staff_acted is not None
    assert Update.objects.get(report=report).new_category == county_roads


def test_a_category_not_offered_where_the_report_is_is_refused(
    client, handler, public_report, eidskog_roads
):
    client.force_login(handler)
    response = client.post(url(public_report, "category"), {"category-category": eidskog_roads.pk})
    assert response.status_code == 400


def test_the_history_holds_public_and_internal_entries_in_order(client, handler, public_report):
    client.force_login(handler)
    client.post(url(public_report, "note"), {"note-text": "Første notat"})
    client.post(
        url(public_report, "answer"),
        {
            "answer-text": "Lyset byttes fredag",
            "answer-new_state": public_report.state,
            "answer-do": "publish",
        },
    )
    client.post(url(public_report, "note"), {"note-text": "Andre notat"})
    text = client.get(url(public_report)).text
    assert (
        text.index("Første notat") < text.index("Lyset byttes fredag") < text.index("Andre notat")
    )


def test_the_same_category_changes_nothing(client, handler, public_report, streetlights):
    client.force_login(handler)
    response = client.post(url(public_report, "category"), {"category-category": streetlights.pk})
    assert response.status_code == 302
    assert not Update.objects.filter(report=public_report).exists()
