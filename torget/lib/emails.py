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

if TYPE_CHECKING:
    from torget.accounts.models import User
    from torget.reports.models import Report


def send_login_link(user: "User", url: str, *, fallback_language: str = "") -> None:
    with override(user.language or fallback_language or get_language()):
        context = {"user": user, "url": url, "minutes": settings.LOGIN_LINK_MAX_AGE // 60}
        _send("login_link", gettext("Your login link for Torget"), user.email, context)


def _send(template: str, subject: str, to: str, context: dict[str, Any]) -> None:
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to])
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
