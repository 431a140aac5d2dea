"""The answers to a category's questions are kept with the report (Report.answers), whichever
way it arrived; open311 gives up its copy and the Question model."""

from django.db import migrations


def answers_to_reports(apps, schema_editor):
    Submission = apps.get_model("open311", "Submission")
    Report = apps.get_model("reports", "Report")
    for report_id, attributes in Submission.objects.exclude(attributes={}).values_list(
        "report_id", "attributes"
    ):
        Report.objects.filter(pk=report_id).update(answers=attributes)


def answers_to_submissions(apps, schema_editor):
    Submission = apps.get_model("open311", "Submission")
    Report = apps.get_model("reports", "Report")
    for submission in Submission.objects.all():
        answers = Report.objects.filter(pk=submission.report_id).values_list("answers", flat=True)
        submission.attributes = answers.first() or {}
        submission.save(update_fields=["attributes"])


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0002_question_table_for_reports"),
        ("reports", "0006_question_and_answers"),
    ]

    operations = [
        migrations.RunPython(answers_to_reports, answers_to_submissions),
        migrations.RemoveField(model_name="submission", name="attributes"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Question")],
            database_operations=[],
        ),
    ]
