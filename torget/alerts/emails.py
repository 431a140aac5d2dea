"""The e-mails alerts sends one at a time: the confirmation of an alert sign-up, the
"has it been fixed?" questionnaire, and the notice that someone (usually the body) wrote on a
person's report. The digests of an alert run are composed in bulk elsewhere."""

from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext, override

from torget.accounts.models import User
from torget.alerts.models import Questionnaire, Subscription
from torget.lib.emails import absolute, compose, language, one_line
from torget.reports.models import Report, State, Update


def alert_confirmation(
    subscription: Subscription, url: str, *, days: int, fallback_language: str = ""
) -> EmailMultiAlternatives:
    """Someone asked, without being logged in, for alerts to this address."""
    user = subscription.user
    with override(language(user.language, fallback_language)):
        context = {
            "user": user,
            "description": subscription.description(),
            "url": url,
            "days": days,
        }
        subject = gettext("Confirm your Torget alert")
        return compose("alert_confirmation", subject, user.email, context)


def questionnaire(
    questionnaire: Questionnaire, url: str, *, fallback_language: str = ""
) -> EmailMultiAlternatives:
    """Four weeks on, "has it been fixed?", with the signed link to answer by."""
    report = questionnaire.report
    user = report.known_reporter()
    with override(language(user.language, fallback_language)):
        context = {
            "user": user,
            "report": report,
            "bodies": ", ".join(body.name for body in report.bodies.all()),
            "said_fixed": questionnaire.state_when_sent == State.FIXED,
            "url": url,
            "report_url": absolute(report.get_absolute_url()),
        }
        subject = gettext("Has it been fixed? %(title)s") % {"title": one_line(report.title)}
        return compose("questionnaire", subject, user.email, context)


def report_update_notice(report: Report, update: Update, recipient: User) -> EmailMultiAlternatives:
    """Someone else, usually the body, wrote on the recipient's report."""
    with override(language(recipient.language)):
        context = {
            "user": recipient,
            "report": report,
            "update": update,
            "url": absolute(report.get_absolute_url()) + f"#update-{update.pk}",
        }
        values = {"title": one_line(report.title)}
        if update.body is not None:
            values["body"] = update.body.name
            subject = gettext("%(body)s has answered your report: %(title)s") % values
        else:
            subject = gettext("New update on your report: %(title)s") % values
        return compose("report_updated", subject, recipient.email, context)
