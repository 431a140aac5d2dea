"""The statements Norwegian law asks of a kommune's web solution, linked from every page's
footer: the privacy notice (personvernerklæring, GDPR art. 13 and 14) and the accessibility
statement (tilgjengelighetserklæring, forskrift om universell utforming av IKT-løsninger).

Each is a template per language: legal text is written whole in each language rather than
in pieces through the catalogue. The parts only the kommune can fill in (who the controller
is, whom to write to) are TORGET_* settings; a part not set shows its setting's name, marked,
so that an unfinished statement is seen as one. The retention periods are read from the
settings in force.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from torget.reports.models import current_language


@dataclass(frozen=True)
class Part:
    """A part of a statement the installation fills in, and the setting that does it."""

    value: str
    setting: str


def parts() -> dict[str, object]:
    return {
        "controller": Part(settings.CONTROLLER_NAME, "TORGET_CONTROLLER_NAME"),
        "controller_contact": Part(settings.CONTROLLER_CONTACT, "TORGET_CONTROLLER_CONTACT"),
        "privacy_officer": Part(settings.PRIVACY_OFFICER, "TORGET_PRIVACY_OFFICER"),
        "accessibility_contact": Part(
            settings.ACCESSIBILITY_CONTACT, "TORGET_ACCESSIBILITY_CONTACT"
        ),
        "uustatus_url": settings.ACCESSIBILITY_STATEMENT_URL,
        "base_url": settings.BASE_URL,
        "keep": {
            "unconfirmed": max(settings.KEEP_UNCONFIRMED_DAYS, settings.REPORT_CONFIRMATION_DAYS),
            "contact_years": settings.KEEP_CONTACT_YEARS,
            "sign_ins": settings.KEEP_SIGN_INS_DAYS,
            "unproven": settings.KEEP_UNPROVEN_ACCOUNTS_DAYS,
            "mail": settings.MAIL_KEEP_DAYS,
            "delivery_log": settings.KEEP_DELIVERY_LOG_DAYS,
        },
    }


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, f"site/privacy_{current_language()}.html", parts())


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, f"site/accessibility_{current_language()}.html", parts())
