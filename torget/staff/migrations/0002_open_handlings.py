"""Each body's handling of the public reports it already has, with when its staff last
answered and when a citizen last wrote, so the inbox starts with what already waits."""

from django.db import migrations
from django.db.models import Max

BATCH = 10_000


def open_handlings(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Update = apps.get_model("reports", "Update")
    Handling = apps.get_model("staff", "Handling")
    Link = Report.bodies.through
    last_id = 0
    while True:
        ids = list(
            Report.objects.filter(pk__gt=last_id)
            .exclude(state="unconfirmed")
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        first, last_id = ids[0], ids[-1]
        links = Link.objects.filter(report_id__in=ids).values_list("report_id", "body_id")
        in_batch = Update.objects.filter(report_id__gte=first, report_id__lte=last_id)
        acted = dict(
            ((row["report_id"], row["body_id"]), row["last"])
            for row in in_batch.filter(body__isnull=False)
            .values("report_id", "body_id")
            .annotate(last=Max("created"))
        )
        citizens = in_batch.filter(body__isnull=True, author__isnull=False)
        wrote = dict(
            citizens.values("report_id").annotate(last=Max("created")).values_list("report_id", "last")
        )
        reopened = dict(
            citizens.filter(new_state="open")
            .values("report_id")
            .annotate(last=Max("created"))
            .values_list("report_id", "last")
        )
        Handling.objects.bulk_create(
            [
                Handling(
                    report_id=report,
                    body_id=body,
                    staff_acted=acted.get((report, body)),
                    citizen_updated=wrote.get(report),
                    reopened=reopened.get(report),
                )
                for report, body in links
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_initial")]

    operations = [migrations.RunPython(open_handlings, migrations.RunPython.noop)]
