from datetime import timedelta

from django.utils import timezone

from clients.tests.factories import CaseFactory

CASES = "/api/v1/cases/"


def _ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_cases_filter_by_status_priority_and_open(agent_api, agent, customer):
    urgent = CaseFactory(client=customer, owner=agent, priority=4)
    closed = CaseFactory(client=customer, owner=agent, status="closed", closed_at=timezone.now())
    assert _ids(agent_api.get(CASES, {"priority": 4})) == [urgent.pk]
    assert _ids(agent_api.get(CASES, {"status": "closed"})) == [closed.pk]
    assert closed.pk not in _ids(agent_api.get(CASES, {"open": "true"}))
    response = agent_api.get(CASES, {"status": "lost", "priority": 99})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "priority"}


def test_sorting_is_allow_listed(agent_api, agent, teammate, customer):
    now = timezone.now()
    old = CaseFactory(client=customer, owner=teammate, opened_at=now - timedelta(days=3))
    new = CaseFactory(client=customer, owner=agent, opened_at=now - timedelta(days=1))
    assert _ids(agent_api.get(CASES, {"ordering": "opened_at"})) == [old.pk, new.pk]
    assert _ids(agent_api.get(CASES, {"ordering": "-opened_at"})) == [new.pk, old.pk]
    default = _ids(agent_api.get(CASES))
    # Fields that walk into other tables, or that are not on the list, are ignored.
    for walk in ["owner__password", "-owner__password", "client__notes", "problem_statement", "owner"]:
        assert _ids(agent_api.get(CASES, {"ordering": walk})) == default


def test_filters_that_walk_into_other_tables_are_ignored(agent_api, agent, teammate, customer):
    CaseFactory(client=customer, owner=teammate)
    CaseFactory(client=customer, owner=agent)
    everything = _ids(agent_api.get(CASES))
    assert len(everything) == 2
    for param in ["owner__password__startswith", "owner__username", "team__members__password", "opened_by"]:
        assert _ids(agent_api.get(CASES, {param: "md5"})) == everything


def test_pages_are_bounded(agent_api, agent, customer):
    for _ in range(3):
        CaseFactory(client=customer, owner=agent)
    body = agent_api.get(CASES, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert agent_api.get(CASES, {"page": 99}).status_code == 404
    assert len(agent_api.get(CASES, {"page_size": 10_000}).json()["results"]) == 3  # capped at 100


def test_time_filters_take_any_valid_offset_and_refuse_nonsense(agent_api, agent, case):
    from interactions.services import interaction_log

    interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="x")
    url = "/api/v1/interactions/"
    # -19:50 is valid ISO 8601 but beyond what PostgreSQL accepts as an offset.
    assert agent_api.get(url, {"occurred_after": "1167-01-31T03:31:32-19:50"}).json()["count"] == 1
    assert agent_api.get(url, {"occurred_before": "2000-01-01T00:00:00+01:00"}).json()["count"] == 0
    response = agent_api.get(url, {"occurred_after": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400 and "occurred_after" in response.json()
    assert agent_api.get(url, {"occurred_after": "last tuesday"}).status_code == 400
