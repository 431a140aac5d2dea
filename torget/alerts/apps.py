from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "torget.alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        # Imported here, not at the top: an app's modules that use models can only be loaded
        # once the app registry is ready.
        from torget.accounts import handlers as person
        from torget.alerts import actions, notify, personal_data, questionnaire
        from torget.reports.handlers import handlers, register

        register(handlers.took_part, actions.follow_report)
        register(handlers.duplicate_marked, actions.follow_original)
        register(handlers.body_answered, notify.tell_reporter)
        register(person.handlers.export, personal_data.export_parts)
        register(person.handlers.erase, actions.forget_person)
        register(person.handlers.referenced, personal_data.referenced)
        register(handlers.questionnaire_answers, questionnaire.answers_about)
