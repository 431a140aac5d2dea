"""Routing confirmed reports to bodies, and sending through the body's channel."""

import datetime
import logging
from email.utils import make_msgid
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from torget.delivery import tasks
from torget.delivery.backends.base import Backend, DeliveryError
from torget.delivery.backends.email import EmailBackend
from torget.delivery.backends.open311 import Open311Backend
from torget.delivery.models import Contact, Delivery, DeliveryState, SendMethod
from torget.places.models import Body
from torget.reports import actions as reports
from torget.reports.models import Photo, Report, Update

log = logging.getLogger(__name__)

# How long a queued task may wait before the sweep assumes it lost and queues another. Longer
# than any normal queue; a duplicate task is harmless (the claim lets one of them send).
REQUEUE_AFTER = datetime.timedelta(minutes=15)


def backend_for(method: str) -> Backend:
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
            defaults={
                "contact": contact,
                "method": method or SendMethod.NONE,
                "queued_until": timezone.now() + REQUEUE_AFTER,
            },
        )
        if not new:
            continue
        if delivery.method == SendMethod.NONE:
            mark_sent(delivery)
        else:
            created.append(delivery)
            transaction.on_commit(partial(enqueue_send, delivery.pk))
    return created


def send(delivery_id: int) -> DeliveryState | None:
    """Claim one delivery and send it; the outcome is recorded on the delivery.

    One query reads everything a backend needs (and whether the report's photos are still
    being made), one claims, one records the outcome (and one reads the photos): the
    worker's throughput is bound by these round trips. A report whose photos are still
    being made waits for them a while (Delivery.wait_for_photos).
    """
    photos_pending = Photo.objects.pending().filter(report_id=OuterRef("report_id"))
    delivery = (
        Delivery.objects.select_related("contact", "body", "report__category", "report__reporter")
        .annotate(photos_pending=Exists(photos_pending))
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return None
    if delivery.photos_pending and delivery.wait_for_photos() is not None:
        return DeliveryState(delivery.state)
    # E-mail's Message-ID is recorded with the claim, before the message leaves.
    message_id = (
        make_msgid(domain=settings.REPLY_EMAIL_DOMAIN)
        if delivery.method == SendMethod.EMAIL
        else ""
    )
    if not delivery.claim(message_id=message_id):
        return None
    try:
        external_id = backend_for(delivery.method).send_report(delivery)
    except DeliveryError as error:
        log.warning("Delivery %s failed (%s): %s", delivery.pk, delivery.attempts, error)
        delivery.mark_failed_attempt(str(error), permanent=error.permanent)
    else:
        mark_sent(delivery, external_id)
    return DeliveryState(delivery.state)


def mark_sent(delivery: Delivery, external_id: str = "") -> None:
    """The delivery reached its body. The report is told first (reports keeps when it first
    reached a body): a worker that dies between the two has sent the report, and the
    delivery, not yet marked sent, goes again with the same Message-ID."""
    if delivery.report.delivered is None:
        reports.record_delivered(report_id=delivery.report_id, at=timezone.now())
    delivery.mark_sent(external_id)


def enqueue_send(delivery_id: int) -> None:
    tasks.send_delivery.enqueue(delivery_id)


def enqueue_update(delivery_id: int, update_id: int) -> None:
    tasks.send_update_to_body.enqueue(delivery_id, update_id)


def queue_due_deliveries(now: datetime.datetime | None = None) -> int:
    """The periodic sweep: enqueue every delivery that is due, including retries and those
    whose worker died mid-send.

    A delivery whose task is still waiting in the queue is left out, so a long queue is not
    filled again every minute with tasks that would find nothing to do; should that task be
    lost, the delivery is taken again once its `queued_until` has passed.
    """
    now = now or timezone.now()
    not_queued = Q(queued_until__isnull=True) | Q(queued_until__lt=now)
    ids = list(Delivery.objects.due(now).filter(not_queued).values_list("pk", flat=True)[:1000])
    Delivery.objects.filter(pk__in=ids).update(queued_until=now + REQUEUE_AFTER)
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
