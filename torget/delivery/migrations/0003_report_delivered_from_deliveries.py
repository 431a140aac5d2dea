"""Reports keep when they first reached a body (Report.delivered); until now that was read
from the deliveries. Filled in once here from the first delivery marked sent."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill_in(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Delivery = apps.get_model("delivery", "Delivery")
    first = (
        Delivery.objects.filter(report=OuterRef("pk"), state="sent", sent_at__isnull=False)
        .order_by("sent_at")
        .values("sent_at")[:1]
    )
    Report.objects.filter(delivered__isnull=True).update(delivered=Subquery(first))


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0002_delivery_queued_until"),
        ("reports", "0010_report_delivered"),
    ]

    operations = [migrations.RunPython(fill_in, migrations.RunPython.noop)]
