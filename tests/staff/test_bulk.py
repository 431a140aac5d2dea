"""Acting on many reports at once from the inbox: assign, set the priority, set the state,
answer with a template. All or nothing, and answers tell reporters as any answer does."""

import pytest
from django.core import mail

from tests.staff.conftest import report
from torget.reports.models import Report, State, Update
from torget.staff.models import Handling, Priority, ResponseTemplate

pytestmark = pytest.mark.django_db

BULK = "/staff/bulk"


@pytest.fixture
def three(citizen, streetlights):
    return [report(citizen, streetlights, title=f"Lys {n}") for n in range(3)]


def post(client, body, reports, **data):
    return client.post(
        BULK, {"body": body.slug, "reports": [r.pk for r in reports], "query": "", **data}
    )


def test_a_handler_assigns_many_reports(client, handler, colleague, kongsvinger, three):
    client.force_login(handler)
    response = post(client, kongsvinger, three[:2], do="assign", assignee=colleague.pk)
    assert response.status_code == 302
    assigned = Handling.objects.filter(body=kongsvinger, assignee=colleague)
    assert sorted(assigned.values_list("report_id", flat=True)) == sorted(r.pk for r in three[:2])


def test_a_handler_sets_the_priority_of_many(client, handler, kongsvinger, three):
    urgent = Priority.objects.create(body=kongsvinger, name="Akutt")
    client.force_login(handler)
    post(client, kongsvinger, three, do="priority", priority=urgent.pk)
    assert Handling.objects.filter(body=kongsvinger, priority=urgent).count() == 3


def test_a_state_change_tells_each_reporter(
    client, handler, kongsvinger, three, citizen, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    client.force_login(handler)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, kongsvinger, three, do="state", state=State.PLANNED, text="Planlagt i mai.")
    assert set(Report.objects.values_list("state", flat=True)) == {State.PLANNED}
    assert Update.objects.filter(text="Planlagt i mai.", body=kongsvinger).count() == 3
    assert len([m for m in mail.outbox if citizen.email in m.to]) == 3


def test_a_template_answers_each_report_in_its_own_words(client, handler, kongsvinger, three):
    template = ResponseTemplate.objects.create(
        body=kongsvinger,
        title="Mottatt",
        text_nb="Melding {number} er mottatt.",
        text_nn="Melding {number} er motteken.",
        new_state=State.ACKNOWLEDGED,
    )
    client.force_login(handler)
    post(client, kongsvinger, three, do="template", template=template.pk, language="nn")
    for one in three:
        update = Update.objects.get(report=one)
        assert update.text == f"Melding {one.pk} er motteken."
        assert update.new_state == State.ACKNOWLEDGED


def test_a_template_of_another_category_changes_nothing(
    client, handler, kongsvinger, three, potholes
):
    template = ResponseTemplate.objects.create(
        body=kongsvinger, category=potholes, title="Hull", text_nb="Vi fyller hullet."
    )
    client.force_login(handler)
    response = post(client, kongsvinger, three, do="template", template=template.pk)
    assert response.status_code == 302
    assert not Update.objects.exists()


def test_one_report_that_cannot_be_answered_stops_them_all(client, handler, kongsvinger, three):
    Report.objects.filter(pk=three[2].pk).update(hidden=True)
    client.force_login(handler)
    post(client, kongsvinger, three, do="state", state=State.CLOSED)
    assert not Update.objects.exists()
    assert set(Report.objects.values_list("state", flat=True)) == {State.OPEN}


def test_another_bodys_report_in_the_selection_is_a_400_and_changes_nothing(
    client, handler, colleague, kongsvinger, three, eidskog_report
):
    client.force_login(handler)
    response = post(
        client, kongsvinger, [*three, eidskog_report], do="assign", assignee=colleague.pk
    )
    assert response.status_code == 400
    assert not Handling.objects.filter(assignee=colleague).exists()


def test_staff_cannot_act_for_a_body_they_are_not_in(client, eidskog_handler, kongsvinger, three):
    client.force_login(eidskog_handler)
    response = post(client, kongsvinger, three, do="state", state=State.CLOSED)
    assert response.status_code == 404
    assert not Update.objects.exists()


def test_the_inbox_offers_the_bulk_form_for_one_body(client, handler, three):
    client.force_login(handler)
    text = client.get("/staff/").text
    assert 'action="/staff/bulk"' in text
    assert f'name="reports" value="{three[0].pk}"' in text
