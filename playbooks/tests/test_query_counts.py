"""The case page with the playbook shown runs the same number of queries at 5 and 50 rows."""

from decimal import Decimal

import pytest

from clients.tests.factories import CaseFactory
from clients.tests.test_query_counts import count_queries
from playbooks.models import StepKind
from playbooks.services import concession_offer, option_add, step_skip

from .factories import complete_current, current_step


def _grow(case, agent, n):
    for i in range(n):
        option_add(actor=agent, case=case, description=f"Option {i}", proposed_by="client", estimated_cost=Decimal(i))
        concession_offer(actor=agent, case=case, kind="apology", note=f"sorry {i}")
        other = CaseFactory(client=case.client, owner=agent)
        concession_offer(actor=agent, case=other, kind="discount", value=Decimal(i), currency="EUR")


@pytest.fixture(autouse=True)
def _whole_timeline(settings):
    # With the default cap the newest entries are all options at 50 rows, so fewer kinds of
    # target are shown and the count drops; showing everything compares like with like.
    settings.CASEBOOK_TIMELINE_LIMIT = 1000


def test_case_page_on_the_brainstorm_step_does_not_grow(agent_client, case, agent):
    complete_current(case, agent)
    step_skip(actor=agent, case=case, step=current_step(case), reason="Nothing in common yet")
    assert current_step(case).kind == StepKind.BRAINSTORM
    _grow(case, agent, 5)
    small = count_queries(agent_client, case.get_absolute_url())
    _grow(case, agent, 45)
    assert count_queries(agent_client, case.get_absolute_url()) == small
    assert small <= 10


def test_case_page_on_the_compromise_and_document_steps_does_not_grow(agent_client, case, agent):
    for _ in range(3):
        complete_current(case, agent)
    assert current_step(case).kind == StepKind.COMPROMISE
    _grow(case, agent, 5)
    small = count_queries(agent_client, case.get_absolute_url())
    _grow(case, agent, 45)
    assert count_queries(agent_client, case.get_absolute_url()) == small
    complete_current(case, agent)
    document = count_queries(agent_client, case.get_absolute_url())
    _grow(case, agent, 5)
    assert count_queries(agent_client, case.get_absolute_url()) == document
    assert small <= 10 and document <= 10


def test_case_file_does_not_grow(agent_client, case, agent):
    from django.urls import reverse

    for _ in range(6):
        complete_current(case, agent)
    _grow(case, agent, 5)
    small = count_queries(agent_client, reverse("cases:file", args=[case.pk]))
    _grow(case, agent, 45)
    assert count_queries(agent_client, reverse("cases:file", args=[case.pk])) == small
