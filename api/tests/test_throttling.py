import pytest

from core.testing import require_redis

CASES = "/api/v1/cases/"


@pytest.fixture
def three_per_minute(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/min"}}


def test_past_its_budget_a_token_gets_429_with_retry_after(three_per_minute, api_for, agent, case):
    require_redis()
    api = api_for(agent)
    assert [api.get(CASES).status_code for _ in range(3)] == [200, 200, 200]
    response = api.get(CASES)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()


def test_each_token_has_its_own_budget(three_per_minute, api_for, agent, case):
    first, second = api_for(agent, name="phone"), api_for(agent, name="chat")
    for _ in range(3):
        first.get(CASES)
    assert first.get(CASES).status_code == 429
    assert second.get(CASES).status_code == 200


def test_anonymous_readers_of_the_schema_are_throttled_by_address(three_per_minute, client):
    statuses = [client.get("/api/schema/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
