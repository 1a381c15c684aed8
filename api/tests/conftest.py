import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import api_token_create


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counts live in the cache, which outlives each test's database rollback.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_for():
    """An API client authenticated with a fresh personal token of `user`."""

    def make(user, name="tests"):
        _, raw = api_token_create(user=user, name=name)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api

    return make


@pytest.fixture
def agent_api(api_for, agent):
    return api_for(agent)


@pytest.fixture
def outsider_api(api_for, outsider):
    return api_for(outsider)
