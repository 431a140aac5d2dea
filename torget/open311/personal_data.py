"""What open311 holds about a person, for their export and erasure (accounts/handlers.py):
the app and device id a report of theirs was filed with through the API."""

from django.db.models import QuerySet

from torget.accounts.handlers import ExportPart, Scope
from torget.accounts.models import User
from torget.open311.models import Submission


def submissions_of(user: User, scope: Scope) -> QuerySet[Submission]:
    found = Submission.objects.filter(report__reporter=user)
    if not scope.everything:
        found = found.filter(report__bodies=scope.body_id).distinct()
    return found


def export_parts(user: User, scope: Scope) -> list[ExportPart]:
    records = [
        {
            "report": s.report_id,
            "app": s.api_key.name if s.api_key else "",
            "device_id": s.device_id,
            "created": s.created,
        }
        for s in submissions_of(user, scope).select_related("api_key").order_by("pk")
    ]
    return [ExportPart("filed_through_apps", records)]
