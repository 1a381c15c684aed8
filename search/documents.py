"""The document each searchable table is searched by.

Clients: an expression, indexed by migration 0001 (the same SQL text is frozen there):
PostgreSQL only uses an expression index when the query repeats the indexed expression,
and a test checks it does. Cases and interactions, the big tables: a stored generated
column `search_document` (migration 0002), so walking the newest rows reads each row's
document instead of computing it.
"""

DOCUMENTS = {
    "clients_client": "to_tsvector('english'::regconfig, coalesce(name, '') || ' ' || coalesce(company, '') "
    "|| ' ' || coalesce(email, '') || ' ' || coalesce(notes, ''))",
    "clients_case": "search_document",
    "interactions_interaction": "search_document",
}
INDEX_NAMES = {
    "clients_client": "search_client_document_idx",
    "clients_case": "search_case_stored_idx",
    "interactions_interaction": "search_interaction_stored_idx",
}
