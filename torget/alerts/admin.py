from django.contrib import admin

from torget.alerts.models import AlertRun, SentAlert, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ["id", "user", "kind", "active", "confirmed", "created"]
    list_filter = ["kind", "active"]
    search_fields = ["user__email", "label", "area__name", "body__name"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "report", "area", "body"]
    filter_horizontal = ["categories"]


@admin.register(SentAlert)
class SentAlertAdmin(admin.ModelAdmin[SentAlert]):
    """The log that keeps an item from being mailed twice: read it, do not edit it."""

    list_display = ["item", "user", "sent"]
    search_fields = ["user__email", "item"]
    raw_id_fields = ["user", "report"]
    date_hierarchy = "sent"

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(AlertRun)
class AlertRunAdmin(admin.ModelAdmin[AlertRun]):
    list_display = ["started", "until", "finished", "emails"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
