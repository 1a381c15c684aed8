"""The database itself refuses to change or delete an interaction.

The app never does either, and the admin is read-only; the trigger makes the promise hold
for a shell, a script or a future bug as well. Each vendor gets its own dialect.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION interactions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'interactions are append-only: log a correction instead of changing entry %', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER interactions_append_only
    BEFORE UPDATE OR DELETE ON interactions_interaction
    FOR EACH ROW EXECUTE FUNCTION interactions_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS interactions_append_only ON interactions_interaction;
DROP FUNCTION IF EXISTS interactions_append_only();
"""
# SQLite refuses updates only: Django empties SQLite tables with DELETE between
# transactional tests (PostgreSQL uses TRUNCATE, which row triggers do not see).
SQLITE_UP = [
    """CREATE TRIGGER interactions_no_update BEFORE UPDATE ON interactions_interaction
       BEGIN SELECT RAISE(ABORT, 'interactions are append-only: log a correction instead'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS interactions_no_update;"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("interactions", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
