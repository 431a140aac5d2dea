from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The body's workspace: the inbox, the staff view of a report, response templates and
    priorities. It keeps how a body handles a report in its own tables (see models.py)."""

    name = "torget.staff"
    verbose_name = _("Staff workspace")

    def ready(self) -> None:
        # Imported here, not at the top: an app's modules that use models can only be loaded
        # once the app registry is ready.
        from torget.reports.handlers import handlers, register
        from torget.staff import actions, targets

        register(handlers.report_due, actions.open_handlings)
        register(handlers.citizen_update, actions.citizen_wrote)
        register(handlers.body_answered, actions.body_answered)
        # After open_handlings, whose rows they set the deadlines on.
        register(handlers.report_due, targets.report_reached)
        register(handlers.citizen_update, targets.report_changed)
        register(handlers.body_answered, targets.report_changed)
