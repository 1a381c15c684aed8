"""Escalation now lives in the `escalations` app (its 0001): leave clients' state, keep the table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0008_drop_request_key"),
        ("escalations", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Escalation")],
            database_operations=[],
        ),
    ]
