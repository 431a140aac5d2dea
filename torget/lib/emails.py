"""Every e-mail Torget sends, one function each.

Each message is written in the recipient's language: the one on their account, or else the
language of the request that caused it. Each has a plain-text body and an HTML alternative,
rendered from templates/emails/<name>.txt and .html.
"""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext, override

from torget.lib.text import header_text

if TYPE_CHECKING:
    from torget.accounts.models import User
    from torget.delivery.models import Delivery
    from torget.reports.models import Report, Update


def send_login_link(user: "User", url: str, *, fallback_language: str = "") -> None:
    with override(user.language or fallback_language or get_language()):
        context = {"user": user, "url": url, "minutes": settings.LOGIN_LINK_MAX_AGE // 60}
        _send("login_link", gettext("Your login link for Torget"), user.email, context)


def _send(template: str, subject: str, to: str, context: dict[str, Any]) -> None:
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    # The last guard: whatever went into the subject, it is one line.
    message = EmailMultiAlternatives(header_text(subject), text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_report_confirmation(report: "Report", url: str, *, fallback_language: str = "") -> None:
    user = report.reporter
    with override(user.language or fallback_language or get_language()):
        context = {
            "user": user,
            "report": report,
            "url": url,
            "days": settings.REPORT_CONFIRMATION_DAYS,
        }
        subject = gettext("Confirm your report: %(title)s") % {"title": report.title}
        _send("report_confirmation", subject, user.email, context)


def send_takedown_request(report: "Report", to: str, *, language: str, admin_url: str) -> None:
    """A reporter asked for their report to be taken down: the moderators decide."""
    with override(language):
        context = {
            "report": report,
            "report_url": _absolute(report.get_absolute_url()),
            "admin_url": _absolute(admin_url),
        }
        subject = gettext("Take-down requested for report %(id)s: %(title)s") % {
            "id": report.pk,
            "title": _one_line(report.title),
        }
        _send("takedown_request", subject, to, context)


if TYPE_CHECKING:
    from torget.delivery.digest import Digest


def send_delivery_digest(to: str, digest: "Digest", *, language: str) -> None:
    from django.utils.translation import ngettext

    with override(language):
        subject = ngettext(
            "Torget: %(count)d report has not reached its body",
            "Torget: %(count)d reports have not reached their bodies",
            digest.total,
        ) % {"count": digest.total}
        _send("delivery_digest", subject, to, {"digest": digest})


def report_to_body_message(delivery: "Delivery", *, reply_to: str) -> EmailMultiAlternatives:
    """The report for the body, in the contact's language, with everything the body needs to
    act and to answer: this is the one place the reporter's e-mail and phone are given."""
    report = delivery.report
    with override(_body_language(delivery)):
        context = {
            "body_name": delivery.body.name,
            "category": report.category.name,
            "report": report,
            "reporter": report.reporter,
            "lat": f"{report.lat:.6f}",
            "lon": f"{report.lon:.6f}",
            "map_url": _map_url(report.lat, report.lon),
            "photo_urls": [_absolute(photo.image.url) for photo in report.photos.all()],
            "report_url": _absolute(report.get_absolute_url()),
            # The category's extra questions, in the body's language.
            "answers": report.answered_questions(),
        }
        subject = gettext("New report %(id)s: %(title)s") % {
            "id": report.pk,
            "title": _one_line(report.title),
        }
        return _message("report_to_body", subject, _contact_email(delivery), context, reply_to)


def update_to_body_message(
    delivery: "Delivery", update: "Update", *, reply_to: str
) -> EmailMultiAlternatives:
    """A citizen's update on a report the body already has, or the reporter reopening it."""
    from torget.reports.models import State

    report = delivery.report
    with override(_body_language(delivery)):
        context = {
            "body_name": delivery.body.name,
            "report": report,
            "update": update,
            "reopened": update.new_state == State.OPEN,
            "by_reporter": update.author_id == report.reporter_id,
            "report_url": _absolute(report.get_absolute_url()),
        }
        subject = gettext("Update on report %(id)s: %(title)s") % {
            "id": report.pk,
            "title": _one_line(report.title),
        }
        return _message("update_to_body", subject, _contact_email(delivery), context, reply_to)


def send_report_update_notice(report: "Report", update: "Update", recipient: "User") -> None:
    """Someone else, usually the body, wrote on the recipient's report."""
    with override(recipient.language or get_language()):
        context = {
            "user": recipient,
            "report": report,
            "update": update,
            "url": _absolute(report.get_absolute_url()) + f"#update-{update.pk}",
        }
        values = {"title": _one_line(report.title)}
        if update.body is not None:
            values["body"] = update.body.name
            subject = gettext("%(body)s has answered your report: %(title)s") % values
        else:
            subject = gettext("New update on your report: %(title)s") % values
        _send("report_updated", subject, recipient.email, context)


def _message(
    template: str, subject: str, to: str, context: dict[str, Any], reply_to: str
) -> EmailMultiAlternatives:
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(header_text(subject), text, to=[to], reply_to=[reply_to])
    message.attach_alternative(html, "text/html")
    return message


def _body_language(delivery: "Delivery") -> str:
    return delivery.contact.language if delivery.contact else delivery.body.language


def _contact_email(delivery: "Delivery") -> str:
    return delivery.contact.email if delivery.contact else ""


def _absolute(url: str) -> str:
    """Storage backends such as S3 give full URLs already; the filesystem gives paths."""
    return url if url.startswith(("http://", "https://")) else settings.BASE_URL + url


def _map_url(lat: float, lon: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}"
    )


def _one_line(text: str) -> str:
    """Header-safe: a title is the citizen's words, and a line break would end the header."""
    return header_text(text)


if TYPE_CHECKING:
    from torget.alerts.models import Questionnaire


def send_questionnaire(
    questionnaire: "Questionnaire", url: str, *, fallback_language: str = ""
) -> None:
    """Four weeks on, "has it been fixed?", with the signed link to answer by."""
    from torget.reports.models import State

    report = questionnaire.report
    user = report.reporter
    with override(user.language or fallback_language or get_language()):
        context = {
            "user": user,
            "report": report,
            "bodies": ", ".join(body.name for body in report.bodies.all()),
            "said_fixed": questionnaire.state_when_sent == State.FIXED,
            "url": url,
            "report_url": _absolute(report.get_absolute_url()),
        }
        subject = gettext("Has it been fixed? %(title)s") % {"title": _one_line(report.title)}
        _send("questionnaire", subject, user.email, context)


if TYPE_CHECKING:
    from torget.alerts.models import Subscription


def send_alert_confirmation(
    subscription: "Subscription", url: str, *, fallback_language: str = ""
) -> None:
    """Someone asked, without being logged in, for alerts to this address."""
    from torget.alerts.actions import CONFIRMATION_DAYS

    user = subscription.user
    with override(user.language or fallback_language or get_language()):
        context = {
            "user": user,
            "description": subscription.description(),
            "url": url,
            "days": CONFIRMATION_DAYS,
        }
        subject = gettext("Confirm your Torget alert")
        _send("alert_confirmation", subject, user.email, context)
