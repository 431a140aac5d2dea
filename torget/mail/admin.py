"""The outbox for staff: what failed and why, with "send again" once the cause is fixed."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from torget.mail import actions
from torget.mail.models import Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["to", "subject", "state", "attempts", "created", "sent", "error"]
    list_filter = ["state"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created"
    ordering = ["-created"]
    actions = ["send_again"]
    readonly_fields = [field.name for field in Email._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Rows come from the change that calls for them, already rendered.
        return False

    @admin.display(description=_("last error"))
    def error(self, email: Email) -> str:
        return Truncator(email.last_error).chars(80)

    @admin.action(description=_("Send the selected e-mails again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[Email]) -> None:
        count = actions.send_again(queryset)
        text = ngettext(
            "%(count)d e-mail will be sent again.",
            "%(count)d e-mails will be sent again.",
            count,
        ) % {"count": count}
        self.message_user(request, text, messages.SUCCESS)
