"""The one interface every way of sending implements."""

from typing import Protocol

from torget.delivery.models import Delivery
from torget.reports.models import Update


class DeliveryError(Exception):
    """Sending failed. `permanent` means retrying cannot help (a 4xx that will not change,
    an unknown service code, a rejected address); otherwise the delivery is retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Backend(Protocol):
    def send_report(self, delivery: Delivery) -> str:
        """Send the delivery's report to its body; returns the body's id for it, if any.
        Must record any idempotency key (Message-ID, token) on the delivery and save it
        before the first byte leaves, so a crash can be recognised on retry."""
        ...

    def send_update(self, delivery: Delivery, update: Update) -> None:
        """Tell the body about a citizen's update (or a reopening) on a delivered report."""
        ...
