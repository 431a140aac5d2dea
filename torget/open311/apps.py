from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "torget.open311"
    label = "open311"
    verbose_name = _("Open311 API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: an app's modules that use models can only be loaded
        # once the app registry is ready.
        from torget.accounts.handlers import handlers, register
        from torget.open311 import actions, personal_data

        register(handlers.export, personal_data.export_parts)
        register(handlers.erase, actions.forget_person)
