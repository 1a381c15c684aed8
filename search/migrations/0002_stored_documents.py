"""Stored search documents for the two big tables (cases and interactions).

The search ranks only the newest matches of the words, walking the table from its newest
row; with an expression index PostgreSQL had to turn each row's text into a document as
it went (about 80 ms for a common word on 500,000 interactions). A generated column keeps
the document on the row, computed once when the row is written, and the GIN index is
built on the column. PostgreSQL only, like 0001. The expressions are those of 0001.
"""

from django.db import migrations

STORED = {
    "clients_case": (
        "to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(problem_statement, ''))",
        "search_case_document_idx",
        "search_case_stored_idx",
    ),
    "interactions_interaction": (
        "to_tsvector('english'::regconfig, coalesce(summary, ''))",
        "search_interaction_document_idx",
        "search_interaction_stored_idx",
    ),
}


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_indexes")]

    operations = [
        PostgresOnlySQL(
            sql=[
                f"ALTER TABLE {table} ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({expression}) STORED",
                f"CREATE INDEX {new_index} ON {table} USING gin (search_document)",
                f"DROP INDEX {old_index}",
                # Statistics on the new column, or the planner guesses how many rows match.
                f"ANALYZE {table}",
            ],
            reverse_sql=[
                f"CREATE INDEX {old_index} ON {table} USING gin ({expression})",
                f"ALTER TABLE {table} DROP COLUMN search_document",
            ],
        )
        for table, (expression, old_index, new_index) in STORED.items()
    ]
