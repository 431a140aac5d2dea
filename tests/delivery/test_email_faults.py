"""Faults on the way to a body's mail server: it is down, it refuses for a while, it refuses
for good. Nothing is lost, nothing arrives twice, and a permanent refusal stops the retries.
Each test prints its counts."""

from collections import Counter

import pytest
from django.utils import timezone

from tests.delivery.conftest import BODY_ADDRESS
from torget.delivery import actions as delivery_actions
from torget.delivery.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db

REPORTS = 200


def make_all_due() -> None:
    """Skip the back-off: the test need not wait minutes for the retry."""
    Delivery.objects.update(next_attempt_at=timezone.now())


def test_reports_confirmed_while_the_smtp_server_is_down_all_arrive_exactly_once(
    mailers, report_pothole
):
    mailers.stop()
    reports = [report_pothole(title=f"Hol nummer {n}") for n in range(REPORTS)]

    waiting = Delivery.objects.filter(state=DeliveryState.RETRYING)
    assert waiting.count() == REPORTS
    assert not waiting.filter(last_error="").exists()
    assert not waiting.filter(message_id="").exists()
    assert mailers.messages == []

    mailers.start()
    make_all_due()
    assert delivery_actions.queue_due_deliveries() == REPORTS

    per_report = Counter(message["X-Torget-Report"] for message in mailers.to(BODY_ADDRESS))
    sent = Delivery.objects.filter(state=DeliveryState.SENT).count()
    duplicates = sum(count - 1 for count in per_report.values())
    print(f"sent={sent} received={len(mailers.messages)} duplicates={duplicates}")
    assert sent == REPORTS
    assert per_report == Counter({str(report.pk): 1 for report in reports})
    assert duplicates == 0
    # Every retry carried the Message-ID recorded before the first attempt.
    recorded = set(Delivery.objects.values_list("message_id", flat=True))
    assert {message["Message-ID"] for message in mailers.messages} == recorded


def test_a_temporary_refusal_is_retried_until_the_server_takes_the_report(mailers, report_pothole):
    mailers.refuse("451 4.3.0 Mailbox busy, try again later")
    report = report_pothole()
    for _ in range(2):
        make_all_due()
        delivery_actions.queue_due_deliveries()

    delivery = Delivery.objects.get(report=report)
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.attempts == 3
    assert "451" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()

    mailers.refuse("")
    make_all_due()
    delivery_actions.queue_due_deliveries()

    delivery.refresh_from_db()
    print(f"attempts={delivery.attempts} state={delivery.state} received={len(mailers.messages)}")
    assert delivery.state == DeliveryState.SENT
    assert delivery.last_error == ""
    assert len(mailers.messages) == 1


def test_a_permanent_refusal_fails_the_delivery_and_stops_the_retries(mailers, report_pothole):
    mailers.refuse("550 5.1.1 <postmottak@kongsvinger.example>: Recipient address rejected")
    report = report_pothole()

    delivery = Delivery.objects.get(report=report)
    assert delivery.state == DeliveryState.FAILED
    assert "550" in delivery.last_error
    assert "Recipient address rejected" in delivery.last_error

    # The server would now take it, but nothing tries again unless staff say so.
    mailers.refuse("")
    make_all_due()
    swept = delivery_actions.queue_due_deliveries()

    delivery.refresh_from_db()
    print(f"attempts={delivery.attempts} state={delivery.state} received={len(mailers.messages)}")
    assert swept == 0
    assert delivery.attempts == 1
    assert delivery.state == DeliveryState.FAILED
    assert mailers.messages == []
