from django.contrib import admin

from torget.open311.models import ApiKey, Submission


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ["name", "trusted", "body", "posts_per_hour", "active", "created"]
    list_filter = ["active", "trusted"]
    search_fields = ["name", "key"]
    list_select_related = ["body"]
    autocomplete_fields = ["body"]
    readonly_fields = ["created"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = ["report", "api_key", "created"]
    list_select_related = ["report", "api_key"]
    raw_id_fields = ["report"]
    readonly_fields = ["report", "api_key", "token", "media_urls", "device_id"]
