"""Delivery runs as tasks through Django's tasks API (django-tasks-db by default)."""

import logging

from django.tasks import task
from django.utils import timezone

# `actions` imports this module to queue the tasks; both are modules of one app, and neither
# reads the other's names until a task runs.
from torget.delivery import actions
from torget.delivery.backends.base import DeliveryError
from torget.delivery.models import Delivery, retry_delay
from torget.reports.models import Update

log = logging.getLogger(__name__)

# Telling a body about an update is worth a day of retries, not more: by then the body has
# answered, or the report itself shows the update.
UPDATE_ATTEMPTS = 12


@task
def send_delivery(delivery_id: int) -> str:
    state = actions.send(delivery_id)
    return state or "skipped"


@task
def send_update_to_body(delivery_id: int, update_id: int, attempt: int = 1) -> str:
    delivery = Delivery.objects.select_related("contact", "report").get(pk=delivery_id)
    update = Update.objects.get(pk=update_id)
    try:
        actions.backend_for(delivery.method).send_update(delivery, update)
    except DeliveryError as error:
        retry = send_update_to_body.get_backend().supports_defer
        if error.permanent or attempt >= UPDATE_ATTEMPTS or not retry:
            log.error("Update %s not told to %s: %s", update_id, delivery.body, error)
            return "failed"
        later = timezone.now() + retry_delay(attempt)
        send_update_to_body.using(run_after=later).enqueue(delivery_id, update_id, attempt + 1)
        return "retrying"
    return "sent"
