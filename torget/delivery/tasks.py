"""Delivery runs as tasks through Django's tasks API (django-tasks-db by default)."""

from django.tasks import task


@task
def send_delivery(delivery_id: int) -> str:
    from torget.delivery.actions import send

    state = send(delivery_id)
    return state or "skipped"


@task
def send_update_to_body(delivery_id: int, update_id: int) -> None:
    from torget.delivery.actions import backend_for
    from torget.delivery.models import Delivery
    from torget.reports.models import Update

    delivery = Delivery.objects.select_related("contact", "report").get(pk=delivery_id)
    update = Update.objects.get(pk=update_id)
    backend_for(delivery.method).send_update(delivery, update)
