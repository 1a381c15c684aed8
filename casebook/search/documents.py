"""The text each searchable table is indexed by.

The same SQL text is in migration 0001 (frozen there): PostgreSQL only uses an
expression index when the query repeats the indexed expression, and a test checks it does.
"""

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
