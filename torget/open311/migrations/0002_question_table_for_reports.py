"""The extra questions move to reports, which the web form asks them from as well: first
their table takes reports' name (reports/0006 then takes the model over)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="question", table="reports_question"),
    ]
