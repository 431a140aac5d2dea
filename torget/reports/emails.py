"""The e-mails reports sends: the confirmation link of a new report, and the moderators'
notice of a take-down request."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext, override

from torget.accounts.models import User
from torget.lib.emails import absolute, compose, language, one_line
from torget.reports.models import Report


def report_confirmation(
    report: Report, url: str, *, fallback_language: str = ""
) -> EmailMultiAlternatives:
    user = report.known_reporter()
    with override(language(user.language, fallback_language)):
        context = {
            "user": user,
            "report": report,
            "url": url,
            "days": settings.REPORT_CONFIRMATION_DAYS,
        }
        subject = gettext("Confirm your report: %(title)s") % {"title": one_line(report.title)}
        return compose("report_confirmation", subject, user.email, context)


def report_filed_for_citizen(
    report: Report, user: User, *, fallback_language: str = ""
) -> EmailMultiAlternatives:
    """A body filed a report for a citizen who called: the citizen gets its number and link,
    and knows that answers will come by e-mail."""
    body = report.filed_by_body
    with override(language(user.language, fallback_language, body.language if body else "")):
        context = {
            "report": report,
            "body_name": body.name if body else "",
            "name": report.reporter_name,
            "report_url": absolute(report.get_absolute_url()),
        }
        subject = gettext("Your report %(id)s: %(title)s") % {
            "id": report.pk,
            "title": one_line(report.title),
        }
        return compose("report_filed_for_citizen", subject, user.email, context)


def takedown_request(
    report: Report, to: str, *, language: str, admin_url: str
) -> EmailMultiAlternatives:
    """A reporter asked for their report to be taken down: the moderators decide."""
    with override(language):
        context = {
            "report": report,
            "report_url": absolute(report.get_absolute_url()),
            "admin_url": absolute(admin_url),
        }
        subject = gettext("Take-down requested for report %(id)s: %(title)s") % {
            "id": report.pk,
            "title": one_line(report.title),
        }
        return compose("takedown_request", subject, to, context)
