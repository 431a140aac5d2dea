from torget.delivery.backends.base import DeliveryError
from torget.delivery.models import Delivery
from torget.reports.models import Update


class EmailBackend:
    """Being written: e-mail to the body, with a Reply-To unique to the report."""

    def send_report(self, delivery: Delivery) -> str:
        raise DeliveryError("The e-mail backend is not built yet.")

    def send_update(self, delivery: Delivery, update: Update) -> None:
        raise DeliveryError("The e-mail backend is not built yet.")
