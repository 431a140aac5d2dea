from django.contrib import admin

from torget.alerts.models import AlertRun, SentDigest, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ["id", "user", "kind", "active", "confirmed", "created"]
    list_filter = ["kind", "active"]
    search_fields = ["user__email", "label", "area__name", "body__name"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "report", "area", "body"]
    filter_horizontal = ["categories"]


@admin.register(SentDigest)
class SentDigestAdmin(admin.ModelAdmin[SentDigest]):
    """The log that keeps an item from being mailed twice: read it, do not edit it."""

    list_display = ["sent", "user", "items"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "sent"
    list_select_related = ["user"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(AlertRun)
class AlertRunAdmin(admin.ModelAdmin[AlertRun]):
    list_display = ["started", "until", "finished", "emails"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
