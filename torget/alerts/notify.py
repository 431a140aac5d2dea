"""Telling the reporter that the body answered, once the answer is on the report, whatever
channel the answer came through (reports.actions.record_body_answer calls tell_reporter)."""

from functools import partial

from django.db import transaction
from django.tasks import task

from torget.alerts import emails
from torget.alerts.models import AlertLease, SentDigest, Subscription, SubscriptionKind
from torget.mail.actions import record
from torget.reports.models import Update


def tell_reporter(update: Update) -> None:
    """Queued when the answer commits; registered with reports' handlers (body_answered)."""
    transaction.on_commit(partial(notify_reporter.enqueue, update.pk))


@task
def notify_reporter(update_id: int) -> str:
    """E-mail the reporter at once about an update that someone else wrote, unless the
    reporter has stopped following the report.

    The body's answer is what a reporter waits for, so it does not wait for the next alert
    run. It goes in the alerts' sent log like any alert, in the transaction that puts the
    e-mail in the outbox (see alerts/sending.py), so the alert job does not mail the reporter
    about it again, and this task run twice mails once.
    """
    update = Update.objects.select_related("report__reporter", "body").filter(pk=update_id).first()
    if update is None or update.hidden:
        return "gone"
    report, reporter = update.report, update.report.reporter
    if reporter is None:
        return "the reporter's account is erased"
    if update.author_id == reporter.pk:
        return "written by the reporter"
    unfollowed = Subscription.objects.filter(
        user=reporter, kind=SubscriptionKind.REPORT, report=report, active=False
    )
    if unfollowed.exists():
        return "not following"
    # The lease keeps an alert run from logging and mailing the same update meanwhile. While
    # a run holds it, the run or the next one (within 15 minutes) tells the reporter.
    holder = f"notice:{update.pk}"
    if not AlertLease.take(holder):
        return "left for the alert run"
    try:
        key = f"update:{update.pk}"
        with transaction.atomic():
            if SentDigest.objects.told(
                reporter.pk, key, since=update.created - SentDigest.CLOCK_MARGIN
            ):
                return "told already"
            SentDigest.objects.create(user=reporter, items=key)
            record(emails.report_update_notice(report, update, reporter))
    finally:
        AlertLease.release(holder)
    return "sent"
