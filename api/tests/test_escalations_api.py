from escalations.models import EscalationReason
from escalations.services import case_escalate

ESCALATIONS = "/api/v1/escalations/"


def test_list_and_read_escalations_of_the_users_teams(agent_api, agent, case):
    escalation = case_escalate(case=case, reason=EscalationReason.ABUSIVE_CLIENT, note="Insults.", actor=agent)
    body = agent_api.get(ESCALATIONS, {"open": "true"}).json()
    assert [row["id"] for row in body["results"]] == [escalation.pk]
    detail = agent_api.get(f"{ESCALATIONS}{escalation.pk}/").json()
    assert detail["reason"] == "abusive_client" and detail["decided_at"] is None
    assert agent_api.get(ESCALATIONS, {"open": "false"}).json()["count"] == 0


def test_another_teams_escalation_is_404(outsider_api, agent, case):
    escalation = case_escalate(case=case, reason=EscalationReason.OTHER, note="Help.", actor=agent)
    assert outsider_api.get(f"{ESCALATIONS}{escalation.pk}/").status_code == 404
    assert outsider_api.get(ESCALATIONS).json()["count"] == 0


def test_escalations_are_read_only_here(agent_api, agent, case):
    escalation = case_escalate(case=case, reason=EscalationReason.OTHER, note="Help.", actor=agent)
    assert agent_api.post(ESCALATIONS, {"case": case.pk}, format="json").status_code == 405
    assert agent_api.patch(f"{ESCALATIONS}{escalation.pk}/", {"decision": "x"}, format="json").status_code == 405
