from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "torget.audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from torget.audit import admin_changes

        admin_changes.connect()
