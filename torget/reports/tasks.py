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
