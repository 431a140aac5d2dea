from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from torget.delivery import actions
from torget.delivery.models import Contact, Delivery, DeliveryState, SendMethod

# What each send method cannot work without.
REQUIRED_FIELDS = {
    SendMethod.EMAIL: ["email"],
    SendMethod.OPEN311: ["endpoint", "service_code"],
}


class ContactForm(forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = [
            "category",
            "send_method",
            "language",
            "email",
            "endpoint",
            "service_code",
            "api_key",
            "jurisdiction",
            "status_map",
            "fetch_updates",
            "accepts_updates",
        ]

    def clean(self) -> dict[str, Any]:
        # A contact saved without its address would fail every delivery until someone noticed.
        cleaned = super().clean() or {}
        for field in REQUIRED_FIELDS.get(cleaned.get("send_method", ""), []):
            if not cleaned.get(field):
                self.add_error(field, _("This send method needs this field."))
        return cleaned


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    """Every save is kept by django-simple-history; "History" on the change page shows who
    changed a body's address or endpoint, and when."""

    form = ContactForm
    list_display = ["category", "body", "send_method", "destination", "language"]
    list_filter = ["send_method", ("category__body", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["category__name_nb", "category__name_nn", "category__body__name", "email"]
    list_select_related = ["category", "category__body"]
    autocomplete_fields = ["category"]
    ordering = ["category__body__name", "category__name_nb"]
    fieldsets = [
        (None, {"fields": ["category", "send_method", "language"]}),
        (_("E-mail"), {"fields": ["email"]}),
        (
            _("Open311"),
            {
                "fields": [
                    "endpoint",
                    "service_code",
                    "api_key",
                    "jurisdiction",
                    "status_map",
                    "fetch_updates",
                    "accepts_updates",
                ]
            },
        ),
    ]

    @admin.display(description=_("body"), ordering="category__body__name")
    def body(self, contact: Contact) -> str:
        return str(contact.category.body)

    @admin.display(description=_("sent to"))
    def destination(self, contact: Contact) -> str:
        if contact.send_method == SendMethod.OPEN311:
            return f"{contact.endpoint} ({contact.service_code})"
        return contact.email if contact.send_method == SendMethod.EMAIL else "–"


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    """The record of sending: read-only, because only the worker may change a delivery's
    state. Staff can ask for another try with "Send again"."""

    list_display = [
        "report",
        "body",
        "method",
        "state",
        "attempts",
        "next_attempt_at",
        "short_error",
        "external_id",
    ]
    list_filter = ["state", "method", ("body", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=report__id", "external_id", "message_id"]
    search_help_text = _("Report number, or the id in the body's system.")
    list_select_related = ["report", "body"]
    date_hierarchy = "created"
    actions = ["send_again"]

    def get_readonly_fields(self, request: HttpRequest, obj: Delivery | None = None) -> list[str]:
        return [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Deliveries are made when a report is confirmed, one per responsible body.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        # The record that a report went out (or did not) is kept.
        return False

    @admin.display(description=_("last error"))
    def short_error(self, delivery: Delivery) -> str:
        # The whole error on hover: SMTP's and Open311's explanations come at the end.
        short = Truncator(delivery.last_error).chars(80)
        return format_html('<span title="{}">{}</span>', delivery.last_error, short)

    @admin.action(description=_("Send again"), permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        # One being sent right now is left alone: a second send could reach the body before
        # the first is recorded.
        in_flight = Q(state=DeliveryState.SENDING, claimed_until__gte=timezone.now())
        chosen = list(queryset.exclude(in_flight).exclude(method=SendMethod.NONE))
        for delivery in chosen:
            delivery.resend()
            transaction.on_commit(partial(actions.enqueue_send, delivery.pk))
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                len(chosen),
            )
            % {"count": len(chosen)},
            messages.SUCCESS,
        )
        skipped = queryset.count() - len(chosen)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery was skipped: it is being sent now or has no channel.",
                    "%(count)d deliveries were skipped: they are being sent now or have no "
                    "channel.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
