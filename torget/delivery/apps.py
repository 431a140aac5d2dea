from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "torget.delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        # Imported here, not at the top: an app's modules that use models can only be loaded
        # once the app registry is ready.
        from torget.accounts import handlers as person
        from torget.delivery import actions, personal_data
        from torget.reports.handlers import handlers, register

        register(handlers.report_due, actions.queue_deliveries)
        register(handlers.citizen_update, actions.tell_bodies)
        register(person.handlers.export, personal_data.export_parts)
