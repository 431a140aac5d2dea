"""Reports to a body's Open311 (GeoReport v2) system, and citizens' updates after them.

Never twice: a delivery that has its external id is done; one that has a token only polls for
the id; and a retry whose earlier attempt may have reached the server (the answer was lost,
or the worker died before recording it) first looks for the request among those the server
lists, by the link to the report that every description ends with. What remains is a server
that neither answers nor lists descriptions: docs/architecture.md describes that window.
"""

import datetime
import logging
import re
import time

from django.conf import settings
from django.utils import timezone

from torget.delivery.backends.base import DeliveryError
from torget.delivery.models import Contact, Delivery
from torget.delivery.open311_client import (
    Endpoint,
    FormValue,
    Open311Client,
    Open311Error,
    attribute_fields,
    text,
    w3c,
)
from torget.reports.models import Photo, Question, Report, Update, state_group

log = logging.getLogger(__name__)

# A batch server may need a moment to turn a token into an id; FixMyStreet polls 5 × 2 s.
# Past these, the delivery is retried later, and the retry polls again.
TOKEN_POLLS = 3
TOKEN_POLL_INTERVAL = 2.0
DESCRIPTION_LIMIT = 4000  # the spec's maximum
# The earlier attempt's request is looked for in [created - slack, now + slack]: the server's
# clock may differ from ours. The spec lets a server refuse spans longer than 90 days.
LOOKUP_SLACK = datetime.timedelta(minutes=15)
LOOKUP_SPAN = datetime.timedelta(days=90)


class Open311Backend:
    def send_report(self, delivery: Delivery) -> str:
        if delivery.external_id:
            return delivery.external_id
        contact = open311_contact(delivery)
        client = Open311Client(Endpoint.of(contact))
        if delivery.token:
            return await_id(client, delivery)
        if delivery.attempts > 1:
            earlier = find_earlier_request(client, delivery, contact)
            if earlier:
                log.info("Delivery %s: found request %s from an earlier try", delivery.pk, earlier)
                return earlier
        answer = client.post_request(request_fields(delivery.report, contact))
        if answer.service_request_id:
            return answer.service_request_id
        if answer.token:
            # Saved before polling, so neither a retry nor a crash can post it again.
            delivery.token = answer.token
            delivery.save(update_fields=["token"])
            return await_id(client, delivery)
        # A "blackbox" service tells nothing back. It has the report; posting again would
        # send it twice, so the delivery counts as sent, without an id to follow.
        log.warning("Delivery %s: the server gave neither an id nor a token", delivery.pk)
        return ""

    def send_update(self, delivery: Delivery, update: Update) -> None:
        contact = delivery.contact
        if contact is None or not contact.accepts_updates or not delivery.external_id:
            log.info("Delivery %s takes no updates; update %s not sent", delivery.pk, update.pk)
            return
        client = Open311Client(Endpoint.of(contact))
        try:
            client.post_update(update_fields(delivery, update))
        except Open311Error as error:
            if error.status != 404:
                raise
            # servicerequestupdates is mySociety's extension; asking again will not add it.
            log.info("Delivery %s: the server takes no updates (%s)", delivery.pk, error)


def open311_contact(delivery: Delivery) -> Contact:
    contact = delivery.contact
    if contact is None or not contact.endpoint or not contact.service_code:
        raise DeliveryError("The contact has no Open311 endpoint and service code.", permanent=True)
    return contact


def await_id(client: Open311Client, delivery: Delivery) -> str:
    for poll in range(TOKEN_POLLS):
        if poll:
            time.sleep(TOKEN_POLL_INTERVAL)
        service_request_id = client.service_request_id_for(delivery.token)
        if service_request_id:
            return service_request_id
    raise DeliveryError(f"The server is still processing token {delivery.token}.")


def find_earlier_request(client: Open311Client, delivery: Delivery, contact: Contact) -> str:
    """The id of a request an earlier attempt made, if the server lists it; "" if not."""
    end = timezone.now() + LOOKUP_SLACK
    start = max(delivery.created - LOOKUP_SLACK, end - LOOKUP_SPAN)
    try:
        listed = client.requests(
            service_code=contact.service_code, start_date=w3c(start), end_date=w3c(end)
        )
    except Open311Error as error:
        if not error.permanent:
            raise
        return ""  # the server does not list requests: nothing to find
    marker = re.compile(re.escape(report_url(delivery.report)) + r"(?!\d)")
    for item in listed:
        if marker.search(text(item, "description")):
            return text(item, "service_request_id")
    return ""


def request_fields(report: Report, contact: Contact) -> dict[str, FormValue]:
    first_name, last_name = split_name(report.name_for_body())
    return {
        "service_code": contact.service_code,
        "lat": f"{report.lat:.6f}",
        "long": f"{report.lon:.6f}",
        "address_string": report.address,
        "description": description(report),
        "email": report.email_for_body(),
        "first_name": first_name,
        "last_name": last_name,
        "phone": report.phone_for_body(),
        "media_url": photo_url(report.photos.ready().filter(update=None).first()),
        **attribute_fields(category_answers(report)),
    }


def category_answers(report: Report) -> dict[str, str | list[str]]:
    """The answers to the report's category's extra questions, whose codes are the
    attributes of the body's service. Answers to another category's questions (the report
    was moved since) mean nothing to this service, and are left out."""
    codes = set(
        Question.objects.filter(category_id=report.category_id).values_list("code", flat=True)
    )
    return {code: answer for code, answer in report.answers.items() if code in codes}


def update_fields(delivery: Delivery, update: Update) -> dict[str, FormValue]:
    author = update.author
    first_name, last_name = split_name(author.name if author else "")
    state = update.new_state or delivery.report.state
    return {
        "service_request_id": delivery.external_id,
        "update_id": str(update.pk),
        "updated_datetime": w3c(update.created),
        "status": "OPEN" if state_group(state) == "open" else "CLOSED",
        "description": update.text,
        "email": author.email if author else "",
        "first_name": first_name,
        "last_name": last_name,
        "media_url": photo_url(update.photos.ready().first()),
    }


def description(report: Report) -> str:
    """Title, details and the link to the public report, within the spec's 4000 characters.
    The link comes last and is never cut: it is what finds the request again."""
    link = report_url(report)
    room = DESCRIPTION_LIMIT - len(report.title) - len(link) - 4
    detail = report.detail if len(report.detail) <= room else report.detail[: room - 1] + "…"
    return "\n\n".join(part for part in (report.title, detail, link) if part)


def report_url(report: Report) -> str:
    return settings.BASE_URL + report.get_absolute_url()


def photo_url(photo: Photo | None) -> str:
    if photo is None:
        return ""
    url = photo.image.url
    return url if url.startswith(("http://", "https://")) else settings.BASE_URL + url


def split_name(name: str) -> tuple[str, str]:
    """First and last name from one field: "Kari Anne Nordmann" → ("Kari Anne", "Nordmann")."""
    first, _, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")
