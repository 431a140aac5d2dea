"""Background work for reports: e-mail leaves from the worker, never inside a request."""

from django.tasks import task

from torget.lib import emails
from torget.reports.models import Report, State


@task
def send_report_confirmation(report_id: int, url: str, language: str) -> None:
    report = Report.objects.select_related("reporter", "category").filter(pk=report_id).first()
    # Confirmed (or deleted) in the meantime: nothing left to ask.
    if report is not None and report.state == State.UNCONFIRMED:
        emails.send_report_confirmation(report, url, fallback_language=language)


@task
def tell_moderators_of_takedown(report_id: int) -> int:
    """Moderators hide reports in the admin, so the site's administrators are the ones told.
    Returns how many were told."""
    from django.conf import settings
    from django.urls import reverse

    from torget.accounts.models import User

    report = Report.objects.filter(pk=report_id, takedown_requested__isnull=False).first()
    if report is None:
        return 0
    admin_url = reverse("admin:reports_report_change", args=[report.pk])
    moderators = User.objects.filter(is_superuser=True, is_active=True).exclude(email="")
    for moderator in moderators:
        language = moderator.language or settings.LANGUAGE_CODE
        emails.send_takedown_request(
            report, moderator.email, language=language, admin_url=admin_url
        )
    return len(moderators)
