"""Search: stemming, phrases, ranking, where it matched, team scope and a fixed query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.tests.factories import CaseFactory, ClientFactory
from core.testing import require_postgres
from interactions.tests.factories import InteractionFactory
from search.documents import DOCUMENTS, INDEX_NAMES
from search.selectors import search


@pytest.fixture(autouse=True)
def _postgres():
    require_postgres()


def test_words_match_by_stem_across_clients_cases_and_interactions(agent, team, case):
    ClientFactory(team=team, name="Refunded Rita", notes="")
    CaseFactory(client=case.client, title="Refund for the broken oven", problem_statement="")
    InteractionFactory(case=case, summary="She asked about refunding the deposit.")
    kinds = sorted(hit.kind for hit in search(agent, "refunds"))
    assert kinds == ["Case", "Client", "Interaction"]


def test_more_matching_words_rank_first(agent, team, case):
    weak = CaseFactory(client=case.client, title="Oven", problem_statement="The door is stuck.")
    strong = CaseFactory(client=case.client, title="Oven door oven", problem_statement="Oven door broken, oven cold.")
    hits = [hit for hit in search(agent, "oven door") if hit.kind == "Case"]
    assert [hit.url for hit in hits][:2] == [strong.get_absolute_url(), weak.get_absolute_url()]


def test_a_quoted_phrase_needs_the_words_together(agent, case):
    InteractionFactory(case=case, summary="The delivery was late again.")
    InteractionFactory(case=case, summary="Late, but the delivery itself was fine.")
    hits = search(agent, '"delivery was late"')
    assert [hit.snippet for hit in hits if hit.kind == "Interaction"] == [
        "The <mark>delivery</mark> was <mark>late</mark> again."
    ]


def test_snippets_are_escaped_around_the_highlight(agent, case):
    InteractionFactory(case=case, summary='Tom & "Jerry" <b onclick=x>invoice</b> disputed')
    [hit] = [hit for hit in search(agent, "invoice") if hit.kind == "Interaction"]
    assert "<b" not in hit.snippet and "&amp; &quot;Jerry&quot;" in hit.snippet
    assert "<mark>invoice</mark>" in hit.snippet


def test_other_teams_records_are_never_found(agent, outsider_client, outsider, case, other_team):
    InteractionFactory(case=case, summary="Warranty question")
    CaseFactory(client=ClientFactory(team=other_team), title="Warranty claim")
    assert [hit.kind for hit in search(outsider, "warranty")] == ["Case"]
    page = outsider_client.get(reverse("search"), {"q": "warranty"})
    assert b"Warranty question" not in page.content


def test_the_page_runs_the_same_queries_for_few_and_many_matches(agent_client, case):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(reverse("search"), {"q": "parcel"}).status_code == 200
        return len(queries)

    InteractionFactory(case=case, summary="Parcel lost")
    agent_client.get(reverse("search"), {"q": "parcel"})
    small = count()
    for _ in range(30):
        InteractionFactory(case=case, summary="Parcel lost again")
    assert count() == small


@pytest.mark.parametrize("table", sorted(DOCUMENTS))
def test_the_search_uses_the_gin_index(db, table):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        query = "websearch_to_tsquery('english', 'x')"
        cursor.execute(f"EXPLAIN SELECT 1 FROM {table} WHERE {DOCUMENTS[table]} @@ {query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert INDEX_NAMES[table] in plan
