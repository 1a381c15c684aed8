"""Each list costs the same number of queries at 5 and at 50 rows (one page, no N+1)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.tests.factories import CaseFactory, ClientFactory
from escalations.models import EscalationReason
from escalations.services import case_escalate
from interactions.services import follow_up_schedule
from interactions.tests.factories import InteractionFactory


def _fill(size, team, owner):
    for _ in range(size):
        case = CaseFactory(client=ClientFactory(team=team), owner=owner)
        InteractionFactory(case=case)
        case_escalate(case=case, reason=EscalationReason.OTHER, note="Help.", actor=owner)
        follow_up_schedule(
            actor=owner, case=case, kind="internal_check", due_at=timezone.now() + timedelta(days=1), note="Check"
        )


def _queries(api, url):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, {"page_size": 100})
    assert response.status_code == 200
    return len(queries), response.json()["count"]


LISTS = ["/api/v1/clients/", "/api/v1/cases/", "/api/v1/interactions/", "/api/v1/escalations/", "/api/v1/follow-ups/"]


@pytest.mark.parametrize("url", LISTS)
def test_list_queries_do_not_grow_with_rows(agent_api, agent, team, url):
    _fill(5, team, agent)
    agent_api.get(url)  # warm the token's "last used" write and the content-type cache
    small, small_count = _queries(agent_api, url)
    _fill(45, team, agent)
    large, large_count = _queries(agent_api, url)
    assert (small_count, large_count) == (5, 50)
    assert small == large
    # Token lookup, permissions, count and page: a handful, whatever the size.
    assert large <= 6
