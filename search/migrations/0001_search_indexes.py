"""GIN indexes for full-text search on the clients, cases and interactions tables.

They live in this app so that no other app's migrations change; PostgreSQL only (SQLite
searches with a plain LIKE and needs nothing).
"""

from django.db import migrations

DOCUMENTS = {
    "clients_client": "to_tsvector('english'::regconfig, coalesce(name, '') || ' ' || coalesce(company, '') "
    "|| ' ' || coalesce(email, '') || ' ' || coalesce(notes, ''))",
    "clients_case": "to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(problem_statement, ''))",
    "interactions_interaction": "to_tsvector('english'::regconfig, coalesce(summary, ''))",
}
INDEX_NAMES = {
    "clients_client": "search_client_document_idx",
    "clients_case": "search_case_document_idx",
    "interactions_interaction": "search_interaction_document_idx",
}


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_case_activity_index"),
        ("interactions", "0003_follow_ups_outbox"),
    ]

    operations = [
        PostgresOnlySQL(
            sql=f"CREATE INDEX {INDEX_NAMES[table]} ON {table} USING gin ({document})",
            reverse_sql=f"DROP INDEX {INDEX_NAMES[table]}",
        )
        for table, document in DOCUMENTS.items()
    ]
