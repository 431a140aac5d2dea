"""What alerts holds about a person, for their export (accounts/handlers.py): what they
follow, and their answers to "has it been fixed?" on their reports."""

from typing import Any

from django.db.models import Q, QuerySet

from torget.accounts.handlers import ExportPart, Scope
from torget.accounts.models import User
from torget.alerts.models import Questionnaire, Subscription


def subscriptions_of(user: User, scope: Scope) -> QuerySet[Subscription]:
    """Within a body: following its reports, or the body itself."""
    mine = Subscription.objects.filter(user=user)
    if scope.everything:
        return mine
    return mine.filter(Q(report__bodies=scope.body_id) | Q(body_id=scope.body_id)).distinct()


def export_parts(user: User, scope: Scope) -> list[ExportPart]:
    subscriptions = (
        subscriptions_of(user, scope)
        .select_related("report", "area", "body")
        .prefetch_related("categories")
        .order_by("pk")
    )
    questionnaires = Questionnaire.objects.filter(report__reporter=user).order_by("pk")
    if not scope.everything:
        questionnaires = questionnaires.filter(report__bodies=scope.body_id).distinct()
    return [
        ExportPart("alerts", [subscription_record(s) for s in subscriptions]),
        ExportPart(
            "questionnaires",
            [
                {
                    "report": q.report_id,
                    "sent": q.sent,
                    "answered": q.answered,
                    "answer": q.answer,
                    "update": q.update_id,
                }
                for q in questionnaires
            ],
        ),
    ]


def subscription_record(subscription: Subscription) -> dict[str, Any]:
    return {
        "what": subscription.description(),
        "kind": subscription.kind,
        "report": subscription.report_id,
        "place": subscription.label,
        "lat": subscription.lat,
        "lon": subscription.lon,
        "radius": subscription.radius,
        "categories": [c.name for c in subscription.categories.all()],
        "new_reports": subscription.include_new,
        "reports_marked_fixed": subscription.include_fixed,
        "confirmed": subscription.confirmed,
        "active": subscription.active,
        "created": subscription.created,
    }


def referenced() -> list[QuerySet[Any, Any]]:
    return [Subscription.objects.values("user_id")]
