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

from torget.delivery.backends.base import DeliveryError
from torget.delivery.inbound import reply_address
from torget.delivery.models import Delivery
from torget.lib import emails
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
        message = emails.report_to_body_message(delivery, reply_to=reply_to)
        message.extra_headers.update(headers(delivery, message_id=delivery.message_id))
        send(message)
        # E-mail gives no id in the body's system; the Message-ID is on the delivery.
        return ""

    def send_update(self, delivery: Delivery, update: Update) -> None:
        if delivery.contact is None or not delivery.contact.email:
            raise DeliveryError("The contact has no e-mail address.", permanent=True)
        reply_to = reply_address(delivery.report_id, delivery.body_id)
        message = emails.update_to_body_message(delivery, update, reply_to=reply_to)
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
    """Send over the default mailer, turning SMTP's answers into DeliveryError: 5xx for the
    recipient or the message is permanent; anything else (refused connection, timeout, 4xx,
    our own sender refused) may pass, so it is retried."""
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        permanent = all(500 <= code < 600 for code in codes)
        reason = f"SMTP refused the recipient: {error.recipients}"
        raise DeliveryError(reason, permanent=permanent) from error
    except smtplib.SMTPDataError as error:
        permanent = 500 <= error.smtp_code < 600
        raise DeliveryError(f"SMTP refused the message: {error}", permanent=permanent) from error
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"SMTP: {error!r}") from error
    except ValueError as error:
        # Django's check of the addresses: a malformed contact address will not get better.
        raise DeliveryError(f"Bad address: {error}", permanent=True) from error
