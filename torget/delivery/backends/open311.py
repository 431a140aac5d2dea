from torget.delivery.backends.base import DeliveryError
from torget.delivery.models import Delivery
from torget.reports.models import Update


class Open311Backend:
    """Being written: GeoReport v2 client."""

    def send_report(self, delivery: Delivery) -> str:
        raise DeliveryError("The Open311 backend is not built yet.")

    def send_update(self, delivery: Delivery, update: Update) -> None:
        raise DeliveryError("The Open311 backend is not built yet.")
