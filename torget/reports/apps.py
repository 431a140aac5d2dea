from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "torget.reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Imported here, not at the top: an app's modules that use models can only be loaded
        # once the app registry is ready.
        from torget.accounts.handlers import handlers, register
        from torget.reports import actions, personal_data

        register(handlers.export, personal_data.export_parts)
        register(handlers.erase, actions.forget_person)
        register(handlers.referenced, personal_data.referenced)
