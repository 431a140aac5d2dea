"""What delivery holds about a person, for their export (accounts/handlers.py): which bodies
their reports were sent to, how and when. These are the recipients the law asks Torget to
name; what each body does with its copy is in the body's own systems."""

from torget.accounts.handlers import ExportPart, Scope
from torget.accounts.models import User
from torget.delivery.models import Delivery


def export_parts(user: User, scope: Scope) -> list[ExportPart]:
    deliveries = Delivery.objects.filter(report__reporter=user).select_related("body")
    if scope.body_id is not None:
        deliveries = deliveries.filter(body_id=scope.body_id)
    records = [
        {
            "report": d.report_id,
            "body": d.body.name,
            "method": d.method,
            "state": d.state,
            "sent": d.sent_at,
        }
        for d in deliveries.order_by("pk")
    ]
    return [ExportPart("sent_to_bodies", records)]
