"""A body's answer is one action (reports.actions.record_body_answer), whatever it came
through; here the web and the core itself. The e-mailed reply and the Open311 status change
are in tests/delivery/test_inbound.py and tests/delivery/test_open311_updates.py."""

import pytest
from django.core import mail
from django.test import TestCase

from torget.alerts.models import Subscription
from torget.reports import actions
from torget.reports.handlers import handlers
from torget.reports.models import State, Update

pytestmark = pytest.mark.django_db


def test_staff_answering_on_the_web_tells_the_reporter_at_once(
    public_report, citizen, kongsvinger_staff, kongsvinger_body
):
    """As an e-mailed reply always did: the notice does not wait for the next alert run."""
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.answer_as_body(
            report=public_report,
            staff=kongsvinger_staff,
            body=kongsvinger_body,
            text="Vi ser på saken.",
            new_state=State.INVESTIGATING,
        )
    [notice] = mail.outbox
    assert notice.to == [citizen.email]
    assert "Vi ser på saken." in notice.body


def test_an_answer_stamps_moves_and_writes_the_timeline_with_the_bodys_badge(
    public_report, kongsvinger_body
):
    update = actions.record_body_answer(
        report=public_report, body=kongsvinger_body, text="Fiksa.", new_state=State.FIXED
    )
    public_report.refresh_from_db()
    assert public_report.state == State.FIXED
    assert public_report.answered == update.created == public_report.fixed
    assert (update.body, update.author, update.new_state) == (kongsvinger_body, None, State.FIXED)


def test_staff_who_answer_follow_the_report(public_report, kongsvinger_staff, kongsvinger_body):
    actions.answer_as_body(
        report=public_report, staff=kongsvinger_staff, body=kongsvinger_body, text="Sett."
    )
    assert Subscription.objects.filter(user=kongsvinger_staff, report=public_report).exists()


def test_the_features_handlers_are_registered_at_start_up():
    """The core calls up only through these lists; each feature fills them in ready()."""
    from torget.alerts import actions as alert_actions
    from torget.alerts import notify, questionnaire
    from torget.delivery import actions as delivery_actions
    from torget.staff import actions as staff_actions
    from torget.staff import targets

    assert handlers.report_due == [
        delivery_actions.queue_deliveries,
        staff_actions.open_handlings,
        targets.report_reached,
    ]
    assert handlers.citizen_update == [
        delivery_actions.tell_bodies,
        staff_actions.citizen_wrote,
        targets.report_changed,
    ]
    assert handlers.took_part == [alert_actions.follow_report]
    assert handlers.body_answered == [
        notify.tell_reporter,
        staff_actions.body_answered,
        targets.report_changed,
    ]
    assert handlers.duplicate_marked == [alert_actions.follow_original]
    assert handlers.questionnaire_answers == [questionnaire.answers_about]


def test_moving_a_report_to_another_category_is_a_timeline_entry_with_the_bodys_badge(
    public_report, kongsvinger_staff, kongsvinger_body, eidskog_category
):
    update = actions.change_category(
        report=public_report,
        category=eidskog_category,
        by=kongsvinger_staff,
        body=kongsvinger_body,
    )
    public_report.refresh_from_db()
    assert public_report.category == eidskog_category
    assert (update.new_category, update.body, update.author) == (
        eidskog_category,
        kongsvinger_body,
        kongsvinger_staff,
    )
    assert list(Update.objects.filter(report=public_report)) == [update]


def test_moving_a_report_to_the_category_it_has_writes_nothing(
    public_report, kongsvinger_staff, kongsvinger_body, kongsvinger_category
):
    """Decided with the report locked (tests/reports/test_change_category_lock.py)."""
    with pytest.raises(actions.Unchanged):
        actions.change_category(
            report=public_report,
            category=kongsvinger_category,
            by=kongsvinger_staff,
            body=kongsvinger_body,
        )
    assert not Update.objects.filter(report=public_report).exists()
