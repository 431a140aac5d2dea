"""Delivery runs as tasks through Django's tasks API (django-tasks-db by default)."""

import logging

from django.tasks import task
from django.utils import timezone

# `actions` imports this module to queue the tasks; both are modules of one app, and neither
# reads the other's names until a task runs.
from torget.delivery import actions
from torget.delivery.backends.base import DeliveryError
from torget.delivery.models import PHOTOS_RECHECK, PHOTOS_WAIT, Delivery, retry_delay
from torget.reports.models import Update

log = logging.getLogger(__name__)

# Telling a body about an update is worth a day of retries, not more: by then the body has
# answered, or the report itself shows the update.
UPDATE_ATTEMPTS = 12
# An update whose photo the worker is still making waits for it this many times, as a
# report does for its photos (Delivery.wait_for_photos), then goes without it.
UPDATE_PHOTO_CHECKS = PHOTOS_WAIT // PHOTOS_RECHECK


@task
def send_delivery(delivery_id: int) -> str:
    state = actions.send(delivery_id)
    return state or "skipped"


@task
def send_update_to_body(
    delivery_id: int, update_id: int, attempt: int = 1, photo_checks: int = 0
) -> str:
    delivery = Delivery.objects.select_related("contact", "report").get(pk=delivery_id)
    update = Update.objects.get(pk=update_id)
    may_defer = send_update_to_body.get_backend().supports_defer
    if may_defer and photo_checks < UPDATE_PHOTO_CHECKS and update.photos.pending().exists():
        later = timezone.now() + PHOTOS_RECHECK
        send_update_to_body.using(run_after=later).enqueue(
            delivery_id, update_id, attempt, photo_checks + 1
        )
        return "waiting for its photo"
    try:
        actions.backend_for(delivery.method).send_update(delivery, update)
    except DeliveryError as error:
        if error.permanent or attempt >= UPDATE_ATTEMPTS or not may_defer:
            log.error("Update %s not told to %s: %s", update_id, delivery.body, error)
            return "failed"
        later = timezone.now() + retry_delay(attempt)
        send_update_to_body.using(run_after=later).enqueue(delivery_id, update_id, attempt + 1)
        return "retrying"
    return "sent"
