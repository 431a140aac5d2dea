"""Telling a body about a citizen's update is retried later when the body's channel fails."""

import pytest
from django.tasks import default_task_backend

from tests.reports.conftest import public_report  # noqa: F401
from torget.delivery import tasks
from torget.delivery.backends.base import DeliveryError
from torget.delivery.models import Delivery, SendMethod

pytestmark = pytest.mark.django_db


class FlakyBackend:
    def __init__(self, error):
        self.error = error

    def send_update(self, delivery, update):
        raise self.error


@pytest.fixture
def delivered(public_report):  # noqa: F811 (the fixture imported above)
    Delivery.objects.filter(report=public_report).delete()
    delivery = Delivery.objects.create(
        report=public_report, body=public_report.category.body, method=SendMethod.EMAIL
    )
    update = public_report.updates.create(author=public_report.reporter, text="Still broken")
    return delivery, update


def test_a_temporary_failure_is_tried_again_later(delivered, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    delivery, update = delivered
    monkeypatch.setattr(
        "torget.delivery.actions.backend_for", lambda method: FlakyBackend(DeliveryError("down"))
    )
    assert tasks.send_update_to_body.call(delivery.pk, update.pk) == "retrying"
    queued = default_task_backend.results
    assert len(queued) == 1
    assert queued[0].args == [delivery.pk, update.pk, 2]
    assert queued[0].task.run_after is not None


def test_a_permanent_failure_is_not_tried_again(delivered, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    delivery, update = delivered
    error = DeliveryError("no such address", permanent=True)
    monkeypatch.setattr("torget.delivery.actions.backend_for", lambda method: FlakyBackend(error))
    assert tasks.send_update_to_body.call(delivery.pk, update.pk) == "failed"
    assert default_task_backend.results == []
