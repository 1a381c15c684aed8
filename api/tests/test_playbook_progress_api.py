from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.tests.factories import CaseFactory, ClientFactory
from playbooks.defaults import install_defaults
from playbooks.models import Playbook, PlaybookVersion, Step
from playbooks.services import concession_limit_set, concession_offer, option_add, step_skip
from playbooks.tests.factories import complete_current, current_step


@pytest.fixture(autouse=True)
def _default_playbooks(db):
    # A transactional test elsewhere in the run flushes the built-ins the migration installs.
    install_defaults(Playbook, PlaybookVersion, Step)


def _url(case):
    return f"/api/v1/playbook-progress/{case.pk}/"


def test_a_new_case_shows_the_playbook_it_would_start_with(agent_api, case):
    response = agent_api.get(_url(case))
    assert response.status_code == 200
    body = response.json()
    assert body["case"] == case.pk and body["pinned"] is False and body["chosen_by"] is None
    assert body["playbook"]["name"] and body["playbook"]["version"] >= 1
    assert [step["status"] for step in body["steps"]][:2] == ["current", "to_do"]
    assert (body["solution_options"], body["concessions"]) == ([], [])


def test_progress_shows_each_record_who_and_when(agent_api, agent, manager, case):
    pinpoint = complete_current(case, agent)
    step_skip(actor=agent, case=case, step=current_step(case), reason="Nothing in common yet")
    option = option_add(actor=agent, case=case, description="Refund the fee", proposed_by="client")
    concession_limit_set(actor=manager, team=case.team, kind="refund", max_value=Decimal("10"))
    over_limit = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("50"), currency="EUR")

    body = agent_api.get(_url(case)).json()
    assert body["pinned"] is True and body["chosen_by"] == agent.pk
    first, second, third, *rest = body["steps"]
    assert (first["kind"], first["status"], first["outcome"]) == ("pinpoint", "done", pinpoint.outcome)
    assert first["completed_by"] == agent.pk and first["completed_at"]
    assert (second["status"], second["skip_reason"]) == ("skipped", "Nothing in common yet")
    assert (third["kind"], third["status"], third["outcome"], third["completed_by"]) == (
        "brainstorm",
        "current",
        None,
        None,
    )
    assert {step["status"] for step in rest} == {"to_do"}
    assert body["solution_options"][0]["id"] == option.pk
    concession = body["concessions"][0]
    assert (concession["id"], concession["kind"], concession["value"], concession["currency"]) == (
        over_limit.pk,
        "refund",
        "50.00",
        "EUR",
    )
    assert concession["status"] == "pending"  # over the team's limit: waits for a manager


def test_only_this_cases_options_and_concessions_are_shown(agent_api, agent, case):
    sibling = CaseFactory(client=case.client, owner=agent)
    concession_offer(actor=agent, case=sibling, kind="apology", note="For the other case")
    option_add(actor=agent, case=sibling, description="Elsewhere", proposed_by="staff")
    body = agent_api.get(_url(case)).json()
    assert (body["solution_options"], body["concessions"]) == ([], [])


def test_another_teams_case_is_404(outsider_api, agent, case):
    complete_current(case, agent)
    response = outsider_api.get(_url(case))
    assert response.status_code == 404
    assert "pinpoint" not in response.content.decode()


def test_a_malformed_or_unknown_case_id_is_404(agent_api):
    assert agent_api.get("/api/v1/playbook-progress/abc/").status_code == 404
    assert agent_api.get("/api/v1/playbook-progress/999999/").status_code == 404


def test_progress_is_read_only(agent_api, case):
    assert agent_api.post(_url(case), {}, format="json").status_code == 405
    assert agent_api.get("/api/v1/playbook-progress/").status_code == 404


def test_queries_do_not_grow_with_records(agent_api, agent, case):
    def grow(n):
        for i in range(n):
            option_add(actor=agent, case=case, description=f"Option {i}", proposed_by="client")
            concession_offer(actor=agent, case=case, kind="apology", note=f"Sorry {i}")
            other = CaseFactory(client=ClientFactory(team=case.team), owner=agent)
            concession_offer(actor=agent, case=other, kind="apology", note="Elsewhere")

    for _ in range(3):
        complete_current(case, agent)
    agent_api.get(_url(case))  # warm the token's "last used" write
    grow(5)
    with CaptureQueriesContext(connection) as small:
        assert agent_api.get(_url(case)).status_code == 200
    grow(45)
    with CaptureQueriesContext(connection) as large:
        body = agent_api.get(_url(case)).json()
    # The brainstorm step added one option of its own.
    assert (len(body["solution_options"]), len(body["concessions"])) == (5 + 45 + 1, 50)
    assert len(small) == len(large)


def test_each_concession_says_what_its_value_counts(agent_api, agent, case):
    concession_offer(actor=agent, case=case, kind="discount", unit="percent", value=Decimal("15"))
    concession_offer(actor=agent, case=case, kind="discount", value=Decimal("20"), currency="EUR")
    concession_offer(actor=agent, case=case, kind="free_hours", value=Decimal("2"))
    concession_offer(actor=agent, case=case, kind="apology")
    body = agent_api.get(_url(case)).json()
    assert [(c["kind"], c["value"], c["unit"], c["currency"]) for c in body["concessions"]] == [
        ("discount", "15.00", "percent", ""),
        ("discount", "20.00", "amount", "EUR"),
        ("free_hours", "2.00", "hours", ""),
        ("apology", None, "", ""),
    ]
