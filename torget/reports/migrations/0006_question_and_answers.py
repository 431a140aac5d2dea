"""reports takes over the extra questions from open311 (the table was renamed in
open311/0002), with translations of the question and hint, and keeps the answers with the
report."""

import django.db.models.deletion
from django.db import migrations, models

DATATYPES = [
    ("string", "Single line of text"),
    ("number", "Number"),
    ("datetime", "Date and time"),
    ("text", "Several lines of text"),
    ("singlevaluelist", "One choice from a list"),
    ("multivaluelist", "Several choices from a list"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_index_created"),
        ("open311", "0002_question_table_for_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="answers",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="answers to extra questions"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Question",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "code",
                            models.CharField(
                                help_text=(
                                    "What is stored with the report and sent to the body as "
                                    "attribute[code]."
                                ),
                                max_length=100,
                                verbose_name="code",
                            ),
                        ),
                        (
                            "label",
                            models.CharField(max_length=300, verbose_name="question (bokmål)"),
                        ),
                        (
                            "hint",
                            models.CharField(
                                blank=True, max_length=300, verbose_name="hint (bokmål)"
                            ),
                        ),
                        (
                            "datatype",
                            models.CharField(
                                choices=DATATYPES,
                                default="string",
                                max_length=20,
                                verbose_name="kind of answer",
                            ),
                        ),
                        ("required", models.BooleanField(default=False, verbose_name="required")),
                        (
                            "order",
                            models.PositiveSmallIntegerField(default=1, verbose_name="order"),
                        ),
                        (
                            "values",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text=(
                                    'For lists: [{"key": "1", "name": "Grunt", '
                                    '"name_en": "Shallow"}, ...].'
                                ),
                                verbose_name="choices",
                            ),
                        ),
                        (
                            "updated",
                            models.DateTimeField(auto_now=True, verbose_name="last changed"),
                        ),
                        (
                            "category",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="questions",
                                to="reports.category",
                                verbose_name="category",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "extra question",
                        "verbose_name_plural": "extra questions",
                        "ordering": ["category", "order", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("category", "code"), name="question_code_per_category"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="question",
            name="label_nn",
            field=models.CharField(blank=True, max_length=300, verbose_name="question (nynorsk)"),
        ),
        migrations.AddField(
            model_name="question",
            name="label_en",
            field=models.CharField(blank=True, max_length=300, verbose_name="question (English)"),
        ),
        migrations.AddField(
            model_name="question",
            name="hint_nn",
            field=models.CharField(blank=True, max_length=300, verbose_name="hint (nynorsk)"),
        ),
        migrations.AddField(
            model_name="question",
            name="hint_en",
            field=models.CharField(blank=True, max_length=300, verbose_name="hint (English)"),
        ),
    ]
