import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import api_token_create, api_token_revoke

CASES = "/api/v1/cases/"


def _bearer(raw):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_only_a_hash_and_a_short_prefix_are_stored(agent):
    token, raw = api_token_create(user=agent, name="Phone system")
    row = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("cb_") and len(raw) > 40
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.prefix == raw[:11]
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert raw not in stored


def test_a_token_acts_as_its_user_and_records_its_use(agent, case):
    token, raw = api_token_create(user=agent, name="Phone system")
    response = _bearer(raw).get(CASES)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [case.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_user_may_hold_several_named_tokens_but_not_two_with_one_name(agent):
    api_token_create(user=agent, name="Phone system")
    api_token_create(user=agent, name="Chat")
    with pytest.raises(Exception, match="already have a token with this name"):
        api_token_create(user=agent, name="Phone system")
    assert agent.api_tokens.count() == 2


def test_a_revoked_token_stops_working_at_once(agent, case):
    token, raw = api_token_create(user=agent, name="Phone system")
    api_token_revoke(token=token)
    response = _bearer(raw).get(CASES)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer cb_not-a-token", "Bearer a b", "Basic dXNlcjpwYXNz", "Token cb_x"]
)
def test_a_missing_or_wrong_token_is_401_or_403_json_never_data(case, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(CASES)
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_no_credentials_is_401(case):
    response = APIClient().get(CASES)
    assert response.status_code == 401


def test_a_deactivated_users_token_is_refused(agent):
    _, raw = api_token_create(user=agent, name="Phone system")
    agent.is_active = False
    agent.save()
    assert _bearer(raw).get(CASES).status_code == 401


# --- The profile page ----------------------------------------------------------------


def test_profile_lists_tokens_by_name_and_prefix_only(agent_client, agent):
    token, raw = api_token_create(user=agent, name="Phone system")
    page = agent_client.get(reverse("accounts:profile")).content.decode()
    assert "Phone system" in page and token.prefix in page
    assert raw not in page


def test_creating_a_token_on_the_profile_shows_it_once(agent_client, agent, case):
    response = agent_client.post(reverse("api_tokens:create"), {"name": "Chat tool"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.context["raw"]
    assert raw in response.content.decode()
    assert agent.api_tokens.get().name == "Chat tool"
    assert raw not in agent_client.get(reverse("accounts:profile")).content.decode()
    assert _bearer(raw).get(CASES).status_code == 200


def test_a_duplicate_token_name_is_refused_on_the_form(agent_client, agent):
    api_token_create(user=agent, name="Chat tool")
    response = agent_client.post(reverse("api_tokens:create"), {"name": "Chat tool"})
    assert response.status_code == 422
    assert "already have a token with this name" in response.content.decode()
    assert agent.api_tokens.count() == 1


def test_revoking_from_the_profile(agent_client, agent):
    token, raw = api_token_create(user=agent, name="Chat tool")
    response = agent_client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert _bearer(raw).get(CASES).status_code == 401


def test_nobody_can_revoke_another_users_token(outsider_client, agent):
    token, _ = api_token_create(user=agent, name="Chat tool")
    assert outsider_client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_token_pages_need_a_login_and_a_post(agent_client, agent):
    assert Client().post(reverse("api_tokens:create"), {"name": "x"}).status_code == 302
    assert agent_client.get(reverse("api_tokens:create")).status_code == 405
    assert not agent.api_tokens.exists()


# --- manage.py api_token -------------------------------------------------------------


def test_command_creates_lists_and_revokes(agent, case, capsys):
    call_command("api_token", "create", "--user", "alice", "--name", "Import script")
    raw = capsys.readouterr().out.strip()
    assert _bearer(raw).get(CASES).status_code == 200

    call_command("api_token", "list", "--user", "alice")
    listing = capsys.readouterr().out
    assert "Import script" in listing and raw[:11] in listing and raw not in listing

    call_command("api_token", "revoke", "--user", "alice", "--name", "Import script")
    assert _bearer(raw).get(CASES).status_code == 401


def test_command_explains_mistakes(agent):
    with pytest.raises(CommandError, match="No user named"):
        call_command("api_token", "create", "--user", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="no token named"):
        call_command("api_token", "revoke", "--user", "alice", "--name", "x")
    call_command("api_token", "create", "--user", "alice", "--name", "x")
    with pytest.raises(CommandError, match="already have a token"):
        call_command("api_token", "create", "--user", "alice", "--name", "x")
