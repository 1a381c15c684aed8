"""POST /api/v1/escalations/{id}/decide/: the review page's decisions, for managers, through the same service."""

from decimal import Decimal

import pytest

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from clients.models import CaseStatus
from escalations.models import EscalationReason
from escalations.services import case_escalate
from playbooks.defaults import install_defaults
from playbooks.models import ConcessionStatus, Playbook, PlaybookVersion, Step
from playbooks.services import concession_limit_set, concession_offer


@pytest.fixture
def escalation(case, agent):
    return case_escalate(actor=agent, case=case, reason=EscalationReason.CANNOT_RESOLVE, note="Need help")


def url(escalation):
    return f"/api/v1/escalations/{escalation.pk}/decide/"


def test_a_manager_hands_the_case_back_with_guidance(api_for, manager, escalation):
    response = api_for(manager).post(
        url(escalation), {"decision": "hand_back", "note": "Offer Thursday."}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["decision"] == "hand_back" and response.json()["decided_by"] == manager.pk
    escalation.case.refresh_from_db()
    assert escalation.case.status == CaseStatus.IN_PROGRESS


def test_handing_back_without_guidance_names_the_note(api_for, manager, escalation):
    response = api_for(manager).post(url(escalation), {"decision": "hand_back"}, format="json")
    assert response.status_code == 400 and "note" in response.json()


def test_reassigning_to_someone_outside_the_team_names_new_owner(api_for, manager, outsider, escalation):
    body = {"decision": "reassign", "new_owner": outsider.pk}
    response = api_for(manager).post(url(escalation), body, format="json")
    assert response.status_code == 400 and "new_owner" in response.json()


def test_reassigning_to_a_teammate(api_for, manager, teammate, escalation):
    response = api_for(manager).post(url(escalation), {"decision": "reassign", "new_owner": teammate.pk}, format="json")
    assert response.status_code == 200
    escalation.case.refresh_from_db()
    assert escalation.case.owner == teammate


def test_approving_a_pending_concession(api_for, manager, agent, case):
    install_defaults(Playbook, PlaybookVersion, Step)
    concession_limit_set(actor=manager, team=case.team, kind="refund", max_value=Decimal("10"))
    concession = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("50"), currency="EUR")
    escalation = case.escalations.get()
    body = {"decision": "concession_approved", "concession": concession.pk}
    response = api_for(manager).post(url(escalation), body, format="json")
    assert response.status_code == 200, response.json()
    concession.refresh_from_db()
    assert concession.status == ConcessionStatus.APPROVED


def test_an_escalation_is_decided_once(api_for, manager, escalation):
    api = api_for(manager)
    assert api.post(url(escalation), {"decision": "take_over"}, format="json").status_code == 200
    again = api.post(url(escalation), {"decision": "take_over"}, format="json")
    assert again.status_code == 400 and "already decided" in str(again.json())


def test_agents_cannot_decide(agent_api, escalation):
    assert agent_api.post(url(escalation), {"decision": "take_over"}, format="json").status_code == 403
    escalation.refresh_from_db()
    assert escalation.decided_at is None


def test_a_manager_of_another_team_gets_404(api_for, other_team, escalation):
    stranger = UserFactory(username="mona", teams=[other_team], role=Role.MANAGER)
    assert api_for(stranger).post(url(escalation), {"decision": "take_over"}, format="json").status_code == 404
