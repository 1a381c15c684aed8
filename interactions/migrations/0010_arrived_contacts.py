"""A contact can arrive by itself (a client's email read from a team mailbox): no one
logged it, and no one uploaded its files.

SQLite changes a column's null by building the table again, which loses its triggers:
the append-only triggers of 0002 and 0004 are made again there (PostgreSQL keeps them).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_UP = [
    """CREATE TRIGGER IF NOT EXISTS interactions_no_update BEFORE UPDATE ON interactions_interaction
   BEGIN SELECT RAISE(ABORT, 'interactions are append-only: log a correction instead'); END;""",
    """CREATE TRIGGER IF NOT EXISTS interactions_attachment_no_update BEFORE UPDATE ON interactions_attachment
   BEGIN SELECT RAISE(ABORT, 'attachments are append-only'); END;""",
]


def sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0009_follow_up_due_noticed_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="uploaded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="interaction",
            name="logged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(sqlite_triggers_again, sqlite_triggers_again),
    ]
