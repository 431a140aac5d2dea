"""Background work for alerts: the confirmation e-mail leaves from the worker, never inside a
request."""

from django.tasks import task

from torget.alerts.models import Subscription
from torget.lib import emails


@task
def send_alert_confirmation(subscription_id: int, url: str, language: str) -> None:
    subscription = (
        Subscription.objects.select_related("user", "report", "area", "body")
        .filter(pk=subscription_id)
        .first()
    )
    # Confirmed (or deleted) in the meantime: nothing left to ask.
    if subscription is not None and subscription.confirmed is None:
        emails.send_alert_confirmation(subscription, url, fallback_language=language)
