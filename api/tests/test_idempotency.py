from datetime import timedelta

from django.utils import timezone

from api.keys import idempotency_keys_purge
from api.models import IdempotencyKey
from api.tasks import idempotency_keys_purge_task
from clients.models import Case
from escalations.models import Escalation
from interactions.models import Interaction

INTERACTIONS = "/api/v1/interactions/"
CASES = "/api/v1/cases/"
CALL = {"channel": "call", "direction": "inbound", "mood": "calm", "summary": "Called about the visit."}


def _log(api, case, key, **changes):
    return api.post(INTERACTIONS, {**CALL, "case": case.pk, **changes}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeated_create_returns_the_first_result_and_creates_nothing(agent_api, case):
    first = _log(agent_api, case, "call-4711")
    events = case.events.count()
    second = _log(agent_api, case, "call-4711")
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Interaction.objects.count() == 1
    assert case.events.count() == events


def test_the_same_key_with_another_payload_is_refused_422(agent_api, case):
    _log(agent_api, case, "call-4711")
    response = _log(agent_api, case, "call-4711", summary="Something else")
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert Interaction.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_refused_422(agent_api, case, customer):
    _log(agent_api, case, "k-1")
    response = agent_api.post(CASES, {"client": customer.pk, "title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 422
    assert Case.objects.count() == 1


def test_keys_are_per_user(api_for, agent, teammate, case):
    _log(api_for(agent), case, "shared-key")
    response = _log(api_for(teammate), case, "shared-key")
    assert response.status_code == 201
    assert Interaction.objects.count() == 2
    assert {i.logged_by for i in Interaction.objects.all()} == {agent, teammate}


def test_without_a_key_each_post_creates(agent_api, case):
    agent_api.post(INTERACTIONS, {**CALL, "case": case.pk}, format="json")
    agent_api.post(INTERACTIONS, {**CALL, "case": case.pk}, format="json")
    assert Interaction.objects.count() == 2


def test_a_failed_request_frees_its_key_for_the_fixed_request(agent_api, case):
    bad = _log(agent_api, case, "retry-me", mood="sunny")
    assert bad.status_code == 400
    good = _log(agent_api, case, "retry-me")
    assert good.status_code == 201
    assert _log(agent_api, case, "retry-me").json() == good.json()


def test_an_unusable_key_is_400_naming_the_header(agent_api, case):
    response = _log(agent_api, case, "x" * 256)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Interaction.objects.exists()


def test_a_key_from_a_page_form_is_refused_on_another_request(agent_api, agent, customer):
    """Pages and the API keep their keys in one place, by the same rules."""
    import uuid

    from clients.services import case_open

    key = uuid.uuid4()
    case_open(actor=agent, client=customer, title="From the page", owner=agent, request_key=key)
    response = _log(agent_api, Case.objects.get(), f"clients.case:{key}")
    assert response.status_code == 422
    assert not Interaction.objects.exists()


def test_escalate_honours_the_key(agent_api, case):
    url = f"{CASES}{case.pk}/escalate/"
    payload = {"reason": "abusive_client", "note": "Insults."}
    first = agent_api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="esc-1")
    second = agent_api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="esc-1")
    assert first.status_code == second.status_code == 201
    assert Escalation.objects.count() == 1


def test_an_expired_key_is_forgotten(agent_api, case):
    _log(agent_api, case, "old")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _log(agent_api, case, "old").status_code == 201
    assert Interaction.objects.count() == 2


def test_the_hourly_purge_deletes_only_expired_keys(agent_api, case):
    _log(agent_api, case, "old")
    _log(agent_api, case, "fresh")
    IdempotencyKey.objects.filter(key="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert idempotency_keys_purge_task() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    assert idempotency_keys_purge() == 0
