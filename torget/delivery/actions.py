"""Routing confirmed reports to bodies, and sending through the body's channel."""

import logging
from functools import partial

from django.db import transaction

from torget.delivery import tasks
from torget.delivery.backends.base import Backend, DeliveryError
from torget.delivery.models import Contact, Delivery, DeliveryState, SendMethod
from torget.places.models import Body
from torget.reports.models import Report, Update

log = logging.getLogger(__name__)


def backend_for(method: str) -> Backend:
    from torget.delivery.backends.email import EmailBackend
    from torget.delivery.backends.open311 import Open311Backend

    backends: dict[str, type[Backend]] = {
        SendMethod.EMAIL: EmailBackend,
        SendMethod.OPEN311: Open311Backend,
    }
    return backends[method]()


def queue_deliveries(report: Report) -> list[Delivery]:
    """One Delivery per responsible body that has no delivery of this report yet, each sent
    by a task after the surrounding transaction commits. Safe to call again: a body that
    already has its delivery is left alone, so nothing is sent twice."""
    contact = Contact.objects.filter(category_id=report.category_id).first()
    created = []
    for body in Body.objects.filter(reports=report):
        method = contact.send_method if contact and contact.category.body_id == body.pk else ""
        delivery, new = Delivery.objects.get_or_create(
            report=report,
            body=body,
            defaults={"contact": contact, "method": method or SendMethod.NONE},
        )
        if not new:
            continue
        if delivery.method == SendMethod.NONE:
            delivery.mark_sent()
        else:
            created.append(delivery)
            transaction.on_commit(partial(enqueue_send, delivery.pk))
    return created


@transaction.atomic
def change_category(*, report: Report, category_id: int) -> list[Delivery]:
    """Staff moved the report to another category. If that category's body is new to the
    report, it gets a delivery of its own; the earlier deliveries stay on record."""
    report.category_id = category_id
    report.save(update_fields=["category", "updated"])
    report.bodies.add(report.category.body_id)
    return queue_deliveries(report) if report.confirmed else []


def send(delivery_id: int) -> DeliveryState | None:
    """Claim one delivery and send it; the outcome is recorded on the delivery."""
    delivery = Delivery.objects.select_related("contact", "body").filter(pk=delivery_id).first()
    if delivery is None or not delivery.claim():
        return None
    try:
        external_id = backend_for(delivery.method).send_report(delivery)
    except DeliveryError as error:
        log.warning("Delivery %s failed (%s): %s", delivery.pk, delivery.attempts, error)
        delivery.mark_failed_attempt(str(error), permanent=error.permanent)
    else:
        delivery.mark_sent(external_id)
    return DeliveryState(delivery.state)


def enqueue_send(delivery_id: int) -> None:
    tasks.send_delivery.enqueue(delivery_id)


def enqueue_update(delivery_id: int, update_id: int) -> None:
    tasks.send_update_to_body.enqueue(delivery_id, update_id)


def queue_due_deliveries() -> int:
    """The periodic sweep: enqueue every delivery that is due, including retries and those
    whose worker died mid-send."""
    ids = list(Delivery.objects.due().values_list("pk", flat=True)[:1000])
    for pk in ids:
        tasks.send_delivery.enqueue(pk)
    return len(ids)


def tell_bodies(update: Update) -> None:
    """A citizen's update or a reopening goes to each body that got the report and takes
    updates, by the channel the report went by."""
    deliveries = Delivery.objects.filter(
        report_id=update.report_id, state=DeliveryState.SENT, contact__accepts_updates=True
    ).exclude(method=SendMethod.NONE)
    for delivery in deliveries:
        transaction.on_commit(partial(enqueue_update, delivery.pk, update.pk))
