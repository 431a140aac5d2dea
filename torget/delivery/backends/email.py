"""E-mail to a body over SMTP, with a Reply-To unique to the report, so that the body's answer
comes back as an update (delivery/inbound.py).

Never twice: the Message-ID is chosen and saved before the SMTP conversation starts, and every
retry sends the same one, so the receiving side can recognise a second copy. A copy is sent
twice only when the server accepted the message but the answer never reached the worker (or
the worker died before recording it); docs/architecture.md measures that window.
"""

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from torget.delivery import emails
from torget.delivery.backends.base import DeliveryError
from torget.delivery.inbound import reply_address
from torget.delivery.models import Delivery
from torget.lib.smtp import is_permanent
from torget.reports.models import Update


class EmailBackend:
    def send_report(self, delivery: Delivery) -> str:
        if delivery.contact is None or not delivery.contact.email:
            raise DeliveryError("The contact has no e-mail address.", permanent=True)
        if not delivery.message_id:
            # Committed before the first byte leaves: send() runs outside any transaction.
            delivery.message_id = make_msgid(domain=settings.REPLY_EMAIL_DOMAIN)
            delivery.save(update_fields=["message_id"])
        reply_to = reply_address(delivery.report_id, delivery.body_id)
        message = emails.report_to_body(delivery, reply_to=reply_to)
        message.extra_headers.update(headers(delivery, message_id=delivery.message_id))
        send(message)
        # E-mail gives no id in the body's system; the Message-ID is on the delivery.
        return ""

    def send_update(self, delivery: Delivery, update: Update) -> None:
        if delivery.contact is None or not delivery.contact.email:
            raise DeliveryError("The contact has no e-mail address.", permanent=True)
        reply_to = reply_address(delivery.report_id, delivery.body_id)
        message = emails.update_to_body(delivery, update, reply_to=reply_to)
        # Derived from the update, so a repeated send carries the same Message-ID; the thread
        # headers file it under the report's first e-mail in the body's mail program.
        message_id = f"<update-{update.pk}.{delivery.pk}@{settings.REPLY_EMAIL_DOMAIN}>"
        message.extra_headers.update(headers(delivery, message_id=message_id))
        if delivery.message_id:
            message.extra_headers["In-Reply-To"] = delivery.message_id
            message.extra_headers["References"] = delivery.message_id
        send(message)


def headers(delivery: Delivery, *, message_id: str) -> dict[str, str]:
    return {
        "Message-ID": message_id,
        "X-Torget-Report": str(delivery.report_id),
        # Asks Exchange not to send out-of-office replies, which would come back as updates.
        # Not "Auto-Submitted: auto-generated": helpdesks such as Zendesk hold such mail back
        # as automatic, and the report would never reach a person.
        "X-Auto-Response-Suppress": "OOF, AutoReply",
    }


def send(message: EmailMessage) -> None:
    """Send over the default mailer, turning a failure into DeliveryError, permanent or not as
    lib/smtp.py decides."""
    try:
        message.send()
    except (OSError, smtplib.SMTPException, ValueError) as error:
        raise DeliveryError(f"SMTP: {error!r}", permanent=is_permanent(error)) from error
