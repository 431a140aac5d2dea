"""What delivering costs: the worker's throughput is bound by its round trips to the database,
and the every-minute sweep must not fill the queue with tasks already waiting there."""

import datetime

import pytest
from django.utils import timezone

from torget.delivery import actions as delivery_actions
from torget.delivery.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_wait(settings):
    """Tasks are queued and not run, as with a worker that has not got to them yet."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def test_sending_one_email_takes_five_queries(
    mailers, report_pothole, tasks_wait, django_assert_max_num_queries
):
    """Read the delivery with all it needs, claim it (recording the Message-ID), read the
    photos, record the outcome; the first delivery of a report also records on the report
    when it reached a body."""
    delivery = Delivery.objects.get(report=report_pothole())
    assert delivery.state == DeliveryState.PENDING
    with django_assert_max_num_queries(5):
        assert delivery_actions.send(delivery.pk) == DeliveryState.SENT
    delivery.refresh_from_db()
    assert [m["Message-ID"] for m in mailers.messages] == [delivery.message_id]
    assert delivery.attempts == 1


def test_a_claim_made_from_a_stale_read_fails(mailers, report_pothole, tasks_wait):
    """Another worker took the delivery after this one read it: the attempts differ, so the
    claim fails and nothing is sent twice."""
    delivery = Delivery.objects.get(report=report_pothole())
    stale = Delivery.objects.get(pk=delivery.pk)
    assert delivery.claim()
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.RETRYING, next_attempt_at=timezone.now()
    )
    assert not stale.claim()


def test_the_sweep_leaves_a_delivery_whose_task_is_waiting(mailers, report_pothole, tasks_wait):
    report_pothole()
    assert delivery_actions.queue_due_deliveries() == 0


def test_the_sweep_queues_a_delivery_whose_task_was_lost(mailers, report_pothole, tasks_wait):
    report_pothole()
    later = timezone.now() + delivery_actions.REQUEUE_AFTER + datetime.timedelta(seconds=1)
    assert delivery_actions.queue_due_deliveries(later) == 1
    # Queued now: the next minute's sweep leaves it alone.
    assert delivery_actions.queue_due_deliveries(later + datetime.timedelta(minutes=1)) == 0


def test_the_sweep_queues_a_retry_once_it_is_due(mailers, report_pothole):
    mailers.refuse("451 4.3.0 Try again later")
    delivery = Delivery.objects.get(report=report_pothole())
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.queued_until is None
    assert delivery_actions.queue_due_deliveries(delivery.next_attempt_at) == 1
