"""Escalation moves here from `clients`: the model, not the table.

The table keeps its name (clients_escalation), so this creates the model in the migration
state only; clients' 0009 removes it from clients' state. On a database migrated before the
move, the model's content type row is renamed in place: its id is what the timeline's
entries and the permissions point at, so every link is kept.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="clients", model="escalation").update(app_label="escalations")
    ContentType.objects.clear_cache()


def content_type_goes_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="escalations", model="escalation").update(app_label="clients")
    ContentType.objects.clear_cache()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clients", "0008_drop_request_key"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Escalation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    ("abusive_client", "Abusive client"),
                                    ("cannot_resolve", "Agent cannot resolve it"),
                                    ("concession_over_limit", "Concession over the agent's limit"),
                                    ("client_asks_for_manager", "Client asks for a manager"),
                                    ("stalled", "No progress after several contacts"),
                                    ("overdue", "Past its due time"),
                                    ("missed_follow_up", "A follow-up was missed"),
                                    ("low_satisfaction", "Low satisfaction rating"),
                                    ("other", "Other"),
                                ],
                                max_length=40,
                            ),
                        ),
                        ("note", models.TextField(blank=True)),
                        ("raised_at", models.DateTimeField()),
                        ("cause_key", models.CharField(blank=True, max_length=200)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("decision", models.CharField(blank=True, max_length=40)),
                        ("decision_note", models.TextField(blank=True)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="escalations",
                                to="clients.case",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "raised_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "clients_escalation",
                        "ordering": ["raised_at", "id"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("decided_at__isnull", True)),
                                fields=["raised_at"],
                                name="escalation_open_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("cause_key", ""), _negated=True),
                                fields=("case", "cause_key"),
                                name="escalation_once_per_cause",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_goes_back),
    ]
