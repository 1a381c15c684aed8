"""Concessions: team limits, pending above the limit with an escalation, a manager's decision."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clients.models import CaseEvent, CaseEventKind, CaseStatus
from clients.tests.factories import CaseFactory
from escalations.models import Escalation, EscalationReason
from playbooks.models import ConcessionStatus, FaultRecord
from playbooks.services import concession_decide, concession_limit_set, concession_offer, fault_record


@pytest.fixture
def refund_limit(manager, team):
    return concession_limit_set(actor=manager, team=team, kind="refund", max_value=Decimal("50"))


def test_a_concession_within_the_limit_is_granted(case, agent, refund_limit):
    concession = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("50"), currency="eur")
    assert concession.status == ConcessionStatus.GRANTED and concession.currency == "EUR"
    assert not Escalation.objects.exists()
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.CONCESSION_RECORDED).exists()


def test_a_concession_above_the_limit_is_pending_and_escalates_the_case_once(case, agent, refund_limit):
    concession = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("80"), currency="EUR")
    assert concession.status == ConcessionStatus.PENDING
    escalation = Escalation.objects.get(case=case)
    assert escalation.reason == EscalationReason.CONCESSION_OVER_LIMIT
    assert escalation.cause_key == f"concession:{concession.pk}"
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED


def test_limits_are_per_team_and_per_kind(case, agent, refund_limit):
    concession = concession_offer(actor=agent, case=case, kind="discount", value=Decimal("500"), currency="EUR")
    assert concession.status == ConcessionStatus.GRANTED  # no discount limit set
    assert concession_offer(actor=agent, case=case, kind="apology").status == ConcessionStatus.GRANTED


def test_a_concession_needs_its_value_and_currency(case, agent):
    with pytest.raises(ValidationError) as error:
        concession_offer(actor=agent, case=case, kind="refund", value=None)
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        concession_offer(actor=agent, case=case, kind="refund", value=Decimal("5"), currency="")
    assert "currency" in error.value.message_dict


def test_the_same_form_submitted_twice_records_one_concession(case, agent):
    import uuid

    key = uuid.uuid4()
    first = concession_offer(actor=agent, case=case, kind="apology", request_key=key)
    assert concession_offer(actor=agent, case=case, kind="apology", request_key=key) == first


def test_a_manager_approves_or_refuses_a_pending_concession(case, agent, manager, refund_limit):
    pending = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("80"), currency="EUR")
    approved = concession_decide(actor=manager, concession=pending, approve=True, note="Fair, two missed visits")
    assert approved.status == ConcessionStatus.APPROVED and approved.decided_by == manager
    with pytest.raises(ValidationError, match="not waiting"):
        concession_decide(actor=manager, concession=pending, approve=False, note="again")

    other = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("90"), currency="EUR")
    with pytest.raises(ValidationError):
        concession_decide(actor=manager, concession=other, approve=False, note="")  # refusing needs a why
    refused = concession_decide(actor=manager, concession=other, approve=False, note="One refund is enough")
    assert refused.status == ConcessionStatus.REFUSED
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.CONCESSION_DECIDED).count() == 2


def test_only_a_manager_of_the_team_decides(case, agent, refund_limit, other_team):
    from accounts.roles import Role
    from accounts.tests.factories import UserFactory

    pending = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("80"), currency="EUR")
    foreign_manager = UserFactory(teams=[other_team], role=Role.MANAGER)
    for actor in (agent, foreign_manager):
        with pytest.raises(ValidationError, match="Only a manager"):
            concession_decide(actor=actor, concession=pending, approve=True)
    pending.refresh_from_db()
    assert pending.status == ConcessionStatus.PENDING


def test_only_managers_set_limits(agent, team):
    with pytest.raises(ValidationError, match="Only a manager"):
        concession_limit_set(actor=agent, team=team, kind="refund", max_value=Decimal("1"))


def test_removing_a_limit_lifts_the_cap(case, agent, manager, team, refund_limit):
    concession_limit_set(actor=manager, team=team, kind="refund", max_value=None)
    assert concession_offer(actor=agent, case=case, kind="refund", value=Decimal("900"), currency="EUR").status == (
        ConcessionStatus.GRANTED
    )


def test_fault_record_is_one_per_case_and_on_the_timeline(case, agent):
    from django.utils import timezone

    fault_record(actor=agent, case=case, at_fault="no")
    record = fault_record(actor=agent, case=case, at_fault="partly", apology_given_at=timezone.now(), note="Late")
    assert FaultRecord.objects.get(case=case) == record and record.at_fault == "partly"
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.FAULT_RECORDED).count() == 2


def test_earlier_concessions_of_the_client_show_on_the_compromise_step(case, agent):
    from playbooks.selectors import case_playbook_context

    older_case = CaseFactory(client=case.client, owner=agent)
    concession_offer(actor=agent, case=older_case, kind="discount", value=Decimal("20"), currency="EUR")
    concession_offer(actor=agent, case=case, kind="apology")
    context = case_playbook_context(case, agent)
    assert [c.kind for c in context["pb_earlier_concessions"]] == ["discount"]
    assert [c.kind for c in context["pb_concessions"]] == ["apology"]
