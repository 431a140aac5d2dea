"""The e-mails delivery writes: a report and its updates for a body (sent by the e-mail
backend, with retries of its own), and the daily digest for the site's administrators."""

from typing import TYPE_CHECKING

from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext, ngettext, override

from torget.delivery.models import Delivery
from torget.lib.emails import absolute, compose, one_line
from torget.reports.models import State, Update

if TYPE_CHECKING:
    from torget.delivery.digest import Digest


def report_to_body(delivery: Delivery, *, reply_to: str) -> EmailMultiAlternatives:
    """The report for the body, in the contact's language, with everything the body needs to
    act and to answer: this is the one place the reporter's e-mail and phone are given."""
    report = delivery.report
    with override(body_language(delivery)):
        context = {
            "body_name": delivery.body.name,
            "category": report.category.name,
            "report": report,
            "reporter": report.reporter,
            "lat": f"{report.lat:.6f}",
            "lon": f"{report.lon:.6f}",
            "map_url": map_url(report.lat, report.lon),
            # Only ready photos: a pending one has no file yet (send() waits for them a while).
            "photo_urls": [absolute(photo.image.url) for photo in report.photos.ready()],
            "report_url": absolute(report.get_absolute_url()),
            # The category's extra questions, in the body's language.
            "answers": report.answered_questions(),
        }
        subject = gettext("New report %(id)s: %(title)s") % {
            "id": report.pk,
            "title": one_line(report.title),
        }
        return compose(
            "report_to_body", subject, contact_email(delivery), context, reply_to=reply_to
        )


def update_to_body(delivery: Delivery, update: Update, *, reply_to: str) -> EmailMultiAlternatives:
    """A citizen's update on a report the body already has, or the reporter reopening it."""
    report = delivery.report
    with override(body_language(delivery)):
        context = {
            "body_name": delivery.body.name,
            "report": report,
            "update": update,
            "reopened": update.new_state == State.OPEN,
            "by_reporter": update.author_id is not None and update.author_id == report.reporter_id,
            "report_url": absolute(report.get_absolute_url()),
        }
        subject = gettext("Update on report %(id)s: %(title)s") % {
            "id": report.pk,
            "title": one_line(report.title),
        }
        return compose(
            "update_to_body", subject, contact_email(delivery), context, reply_to=reply_to
        )


def delivery_digest(to: str, digest: "Digest", *, language: str) -> EmailMultiAlternatives:
    with override(language):
        subject = ngettext(
            "Torget: %(count)d report has not reached its body",
            "Torget: %(count)d reports have not reached their bodies",
            digest.total,
        ) % {"count": digest.total}
        return compose("delivery_digest", subject, to, {"digest": digest})


def body_language(delivery: Delivery) -> str:
    return delivery.contact.language if delivery.contact else delivery.body.language


def contact_email(delivery: Delivery) -> str:
    return delivery.contact.email if delivery.contact else ""


def map_url(lat: float, lon: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}"
    )
