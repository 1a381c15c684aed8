"""Hostile text through the API: stored exactly, and a NUL is a 400 on the field, never a 500.
The forms' side: casebook/tests/test_hostile_input.py."""

import pytest

from casebook.tests.test_hostile_input import MIXED, XSS
from interactions.models import Interaction


@pytest.mark.parametrize("value", ["bad\x00value", XSS, MIXED])
def test_the_api_stores_hostile_text_or_refuses_nul_with_a_400(agent_api, case, value):
    response = agent_api.post(
        "/api/v1/interactions/",
        {"case": case.pk, "channel": "call", "direction": "inbound", "mood": "calm", "summary": value},
        format="json",
    )
    if "\x00" in value:
        assert response.status_code == 400
        assert "summary" in response.json()
    else:
        assert response.status_code == 201, response.json()
        assert Interaction.objects.get(pk=response.json()["id"]).summary == value
