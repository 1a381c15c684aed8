"""The one-time form keys now live with the API's idempotency keys (api.keys).

SQLite drops a column by building the table again, which loses its triggers: the
append-only trigger of 0002 is made again there (PostgreSQL keeps it).
"""

from django.db import migrations

SQLITE_UP = """CREATE TRIGGER IF NOT EXISTS interactions_no_update BEFORE UPDATE ON interactions_interaction
   BEGIN SELECT RAISE(ABORT, 'interactions are append-only: log a correction instead'); END;"""


def sqlite_trigger_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_UP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0007_hostile_contacts_index"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="followup",
            name="request_key",
        ),
        migrations.RemoveField(
            model_name="interaction",
            name="request_key",
        ),
        migrations.RunPython(sqlite_trigger_again, sqlite_trigger_again),
    ]
