"""Telling the reporter that the body answered, once the answer is on the report."""

from django.tasks import task

from torget.alerts.models import Subscription, SubscriptionKind
from torget.lib import emails
from torget.reports.models import Update


@task
def notify_reporter(update_id: int) -> str:
    """E-mail the reporter about an update that someone else wrote, unless the reporter has
    stopped following the report."""
    update = Update.objects.select_related("report__reporter", "body").filter(pk=update_id).first()
    if update is None or update.hidden:
        return "gone"
    report = update.report
    if update.author_id == report.reporter_id:
        return "written by the reporter"
    unfollowed = Subscription.objects.filter(
        user_id=report.reporter_id, kind=SubscriptionKind.REPORT, report=report, active=False
    )
    if unfollowed.exists():
        return "not following"
    emails.send_report_update_notice(report, update, report.reporter)
    return "sent"
