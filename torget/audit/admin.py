"""The log in the admin: read only. No one adds, changes or deletes an entry through Torget;
entries go only by the retention rule (retention.py)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from torget.audit.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin[Entry]):
    list_display = ["at", "actor", "action", "body", "target"]
    list_filter = ["action", "at"]
    search_fields = ["actor", "target", "body"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in Entry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)
