"""Escalations: the automatic rules, who is told, the review queue and the decisions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notice
from accounts.roles import Role
from accounts.selectors import team_settings
from accounts.tests.factories import UserFactory
from clients.models import CaseStatus
from clients.services import boundary_warning_give, case_change_status, client_set_written_contact_only
from clients.tests.factories import CaseFactory
from clients.tests.test_query_counts import count_queries
from escalations.models import Escalation, EscalationDecision, EscalationReason
from escalations.services import case_escalate, escalation_decide
from escalations.tasks import escalation_rules_run
from interactions.models import FollowUp, FollowUpStatus, OutgoingEmail
from interactions.services import interaction_log
from interactions.tests.factories import InteractionFactory
from playbooks.models import ConcessionStatus
from playbooks.services import concession_limit_set, concession_offer


def _log(case, actor, mood="calm", **kwargs):
    return interaction_log(
        actor=actor, case=case, channel="call", direction="inbound", mood=mood, summary="Talked.", **kwargs
    )


def _rules_twice():
    first = escalation_rules_run()
    second = escalation_rules_run()
    assert sum(second.values()) == 0, second
    return first


# --- Rules ---------------------------------------------------------------------------


def _written_elsewhere(case, mood="abusive"):
    """A contact that reached the table without interaction_log (an import, a script): only
    the rules see it."""
    return InteractionFactory(case=case, mood=mood)


def test_logging_an_abusive_contact_escalates_at_once_and_the_rule_adds_nothing(case, agent, manager):
    contact = _log(case, agent, mood="abusive")
    assert contact.escalated is True
    escalation = case.escalations.get()  # before any rule ran
    assert (escalation.reason, escalation.cause_key, escalation.raised_by) == (
        EscalationReason.ABUSIVE_CLIENT,
        f"abusive:{contact.pk}",
        None,
    )
    assert escalation.note.startswith("An abusive contact was logged (call, ")
    assert case.status == CaseStatus.ESCALATED
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    assert OutgoingEmail.objects.filter(cause_key=f"escalation:{escalation.pk}:manager:{manager.pk}").exists()
    assert sum(_rules_twice().values()) == 0
    assert case.escalations.count() == 1


def test_a_calm_contact_escalates_nothing(case, agent, manager):
    assert _log(case, agent, mood="angry").escalated is False
    assert not case.escalations.exists()


def test_an_abusive_contact_on_a_resolved_case_escalates_nothing(case, agent, manager):
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    contact = _log(case, agent, mood="abusive")
    assert contact.escalated is False and not case.escalations.exists()
    assert sum(_rules_twice().values()) == 0


def test_each_abusive_contact_logged_is_new_news(case, agent, manager):
    first = _log(case, agent, mood="abusive")
    second = _log(case, agent, mood="abusive")
    assert first.escalated and second.escalated
    assert sorted(case.escalations.values_list("cause_key", flat=True)) == sorted(
        [f"abusive:{first.pk}", f"abusive:{second.pk}"]
    )
    assert _rules_twice()["escalate_abusive_contacts"] == 0


def test_an_abusive_contact_written_elsewhere_is_escalated_by_the_rule_once(case, agent, manager):
    _written_elsewhere(case)
    counts = _rules_twice()
    assert counts["escalate_abusive_contacts"] == 1
    escalation = case.escalations.get()
    assert escalation.reason == EscalationReason.ABUSIVE_CLIENT
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED


def test_abusive_contacts_already_in_a_managers_hands_do_not_escalate_again(case, agent, manager):
    _written_elsewhere(case)
    _written_elsewhere(case)
    case_escalate(actor=agent, case=case, reason=EscalationReason.ABUSIVE_CLIENT, note="Insults on two calls")
    assert _rules_twice()["escalate_abusive_contacts"] == 0
    assert case.escalations.count() == 1
    _written_elsewhere(case)  # a new abusive call after the escalation is new news
    assert escalation_rules_run()["escalate_abusive_contacts"] == 1


def test_several_abusive_contacts_in_one_sweep_escalate_once(case, agent, manager):
    for _ in range(3):
        _written_elsewhere(case)
    assert _rules_twice()["escalate_abusive_contacts"] == 1
    assert case.escalations.filter(reason=EscalationReason.ABUSIVE_CLIENT).count() == 1


def test_abuse_after_a_boundary_warning_hands_the_case_to_a_manager_once(case, agent, manager):
    warning = boundary_warning_give(actor=agent, case=case, note="Asked to keep it respectful")
    contact = _log(case, agent, mood="abusive")
    assert contact.escalated is True
    # One escalation for one contact, under the warning's cause, before any rule ran.
    escalation = case.escalations.get()
    assert escalation.cause_key == f"boundary:{warning.pk}"
    assert "after a boundary warning" in escalation.note
    assert sum(_rules_twice().values()) == 0
    assert case.escalations.count() == 1
    # The warning has had its escalation: the next abusive contact is new news of its own.
    again = _log(case, agent, mood="abusive")
    assert case.escalations.filter(cause_key=f"abusive:{again.pk}").count() == 1
    assert sum(_rules_twice().values()) == 0


def test_abuse_after_a_boundary_warning_written_elsewhere_is_escalated_by_the_rule(case, agent, manager):
    warning = boundary_warning_give(actor=agent, case=case, note="Asked to keep it respectful")
    _written_elsewhere(case)
    counts = _rules_twice()
    assert counts["escalate_abuse_after_warning"] == 1
    assert case.escalations.filter(cause_key=f"boundary:{warning.pk}").count() == 1


def test_a_warning_without_later_abuse_escalates_nothing(case, agent, manager):
    _log(case, agent, mood="angry")
    boundary_warning_give(actor=agent, case=case)
    assert escalation_rules_run()["escalate_abuse_after_warning"] == 0


def test_a_missed_follow_up_escalates_once(case, agent, manager):
    FollowUp.objects.create(
        case=case,
        owner=agent,
        kind="call_back",
        due_at=timezone.now() - timedelta(hours=2),
        status=FollowUpStatus.MISSED,
    )
    assert _rules_twice()["escalate_missed_follow_ups"] == 1
    assert case.escalations.get().reason == EscalationReason.MISSED_FOLLOW_UP


def test_contacts_without_progress_escalate_once_per_stall(case, agent, manager):
    settings = team_settings(case.team)
    settings.stall_contacts = 2
    settings.save()
    _log(case, agent)
    assert escalation_rules_run()["escalate_stalled_cases"] == 0
    _log(case, agent)
    assert _rules_twice()["escalate_stalled_cases"] == 1
    assert case.escalations.get().reason == EscalationReason.STALLED


def test_the_concession_rule_is_a_safety_net_for_the_offer(case, agent, manager):
    concession_limit_set(actor=manager, team=case.team, kind="refund", max_value=Decimal("10"))
    concession = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("50"), currency="EUR")
    assert concession.status == ConcessionStatus.PENDING
    assert escalation_rules_run()["escalate_pending_concessions"] == 0
    Escalation.objects.filter(case=case).delete()
    assert _rules_twice()["escalate_pending_concessions"] == 1
    assert case.escalations.get().cause_key == f"concession:{concession.pk}"


def test_a_case_past_its_resolution_target_escalates_once(customer, agent, manager):
    settings = team_settings(customer.team)
    settings.resolution_target_hours = 8
    settings.save()
    old = CaseFactory(client=customer, owner=agent, opened_at=timezone.now() - timedelta(days=10))
    young = CaseFactory(client=customer, owner=agent, opened_at=timezone.now() - timedelta(hours=2))
    assert _rules_twice()["escalate_overdue_cases"] == 1
    assert old.escalations.get().reason == EscalationReason.OVERDUE
    assert not young.escalations.exists()


# --- Who is told ----------------------------------------------------------------------


def test_managers_get_one_email_and_one_notice_per_escalation(case, agent, manager):
    second = UserFactory(username="mona", teams=[case.team], role=Role.MANAGER, email="mona@example.com")
    manager.email = "marcus@example.com"
    manager.save()
    escalation = case_escalate(case=case, reason=EscalationReason.OVERDUE, cause_key="test:1")
    case_escalate(case=case, reason=EscalationReason.OVERDUE, cause_key="test:1")
    for user in (manager, second):
        assert OutgoingEmail.objects.filter(cause_key=f"escalation:{escalation.pk}:manager:{user.pk}").count() == 1
        notice = Notice.objects.get(user=user)
        assert notice.url == reverse("escalations:review", args=[escalation.pk])
    assert not Notice.objects.filter(user=agent).exists()
    email = OutgoingEmail.objects.get(owner=manager)
    assert f"/escalations/{escalation.pk}/" in email.body_text


# --- Decisions ------------------------------------------------------------------------


@pytest.fixture
def escalation(case, agent):
    agent.email = "alice@example.com"
    agent.save()
    return case_escalate(case=case, reason=EscalationReason.ABUSIVE_CLIENT, note="Shouting", actor=agent)


def test_taking_over_makes_the_manager_owner_and_tells_the_agent(escalation, manager, agent):
    escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.TAKE_OVER)
    escalation.refresh_from_db()
    case = escalation.case
    case.refresh_from_db()
    assert (escalation.decision, escalation.decided_by) == (EscalationDecision.TAKE_OVER, manager)
    assert case.owner == manager and case.status == CaseStatus.IN_PROGRESS
    assert case.events.filter(kind="escalation_decided").count() == 1
    assert Notice.objects.filter(user=agent).count() == 1
    assert OutgoingEmail.objects.filter(cause_key=f"escalation:{escalation.pk}:decided:{agent.pk}").count() == 1


def test_reassigning_gives_the_case_to_another_agent_of_the_team(escalation, manager, teammate, agent):
    escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.REASSIGN, new_owner=teammate)
    escalation.case.refresh_from_db()
    assert escalation.case.owner == teammate
    assert Notice.objects.filter(user__in=[agent, teammate]).count() == 2


def test_reassigning_to_someone_outside_the_team_is_refused(escalation, manager, outsider):
    with pytest.raises(ValidationError):
        escalation_decide(
            actor=manager, escalation=escalation, decision=EscalationDecision.REASSIGN, new_owner=outsider
        )


def test_handing_back_needs_guidance_and_returns_the_case_to_the_agent(escalation, manager, agent):
    with pytest.raises(ValidationError):
        escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.HAND_BACK)
    escalation_decide(
        actor=manager, escalation=escalation, decision=EscalationDecision.HAND_BACK, note="Offer a callback"
    )
    case = escalation.case
    case.refresh_from_db()
    assert case.owner == agent and case.status == CaseStatus.IN_PROGRESS


def test_no_one_decides_twice(escalation, manager):
    escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.TAKE_OVER)
    with pytest.raises(ValidationError, match="already decided"):
        escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.HAND_BACK, note="x")


def test_agents_and_other_teams_managers_cannot_decide(escalation, agent, other_team):
    stranger = UserFactory(username="olga", teams=[other_team], role=Role.MANAGER)
    for user in (agent, stranger):
        with pytest.raises(PermissionDenied):
            escalation_decide(actor=user, escalation=escalation, decision=EscalationDecision.TAKE_OVER)


def test_the_case_stays_escalated_while_another_escalation_is_open(escalation, manager):
    case_escalate(case=escalation.case, reason=EscalationReason.OVERDUE, cause_key="overdue:resolution")
    escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.TAKE_OVER)
    escalation.case.refresh_from_db()
    assert escalation.case.status == CaseStatus.ESCALATED


# --- Pages ----------------------------------------------------------------------------


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _concession_case(case, agent, manager):
    concession_limit_set(actor=manager, team=case.team, kind="refund", max_value=Decimal("10"))
    concession = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("50"), currency="EUR")
    return concession, case.escalations.get(cause_key=f"concession:{concession.pk}")


@pytest.mark.parametrize("approve", [True, False])
def test_a_manager_approves_or_refuses_a_concession_from_the_review_page(manager_client, case, agent, manager, approve):
    concession, escalation = _concession_case(case, agent, manager)
    decision = EscalationDecision.CONCESSION_APPROVED if approve else EscalationDecision.CONCESSION_REFUSED
    response = manager_client.post(
        reverse("escalations:decide", args=[escalation.pk]),
        {"decision": decision, "concession": concession.pk, "note": "Goodwill" if approve else "Too much"},
    )
    assert response.status_code == 302
    concession.refresh_from_db()
    escalation.refresh_from_db()
    assert concession.status == (ConcessionStatus.APPROVED if approve else ConcessionStatus.REFUSED)
    assert escalation.decision == decision


def test_a_second_decision_on_the_page_says_it_was_decided(manager_client, escalation, manager):
    escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.TAKE_OVER)
    response = manager_client.post(
        reverse("escalations:decide", args=[escalation.pk]), {"decision": "hand_back", "note": "x"}
    )
    assert response.status_code == 422
    assert "already decided" in response.content.decode()


def test_the_review_page_shows_the_case_file(manager_client, escalation):
    response = manager_client.get(reverse("escalations:review", args=[escalation.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Shouting" in body and "Playbook record" in body and "Record the decision" in body


def test_a_manager_of_another_team_gets_404(client, escalation, other_team):
    client.force_login(UserFactory(username="olga", teams=[other_team], role=Role.MANAGER))
    assert client.get(reverse("escalations:review", args=[escalation.pk])).status_code == 404
    response = client.post(reverse("escalations:decide", args=[escalation.pk]), {"decision": "take_over"})
    assert response.status_code == 404
    assert client.get(reverse("escalations:queue")).content.decode().count("Shouting") == 0


def test_the_queue_lists_oldest_first_and_highlights_the_overdue(manager_client, customer, agent):
    old = CaseFactory(client=customer, owner=agent, title="Old-one")
    new = CaseFactory(client=customer, owner=agent, title="New-one")
    e_old = case_escalate(case=old, reason=EscalationReason.OVERDUE, cause_key="a")
    case_escalate(case=new, reason=EscalationReason.STALLED, cause_key="b")
    Escalation.objects.filter(pk=e_old.pk).update(raised_at=timezone.now() - timedelta(days=10))
    body = manager_client.get(reverse("escalations:queue")).content.decode()
    assert body.index("Old-one") < body.index("New-one")
    assert body.count("Past target") == 1
    only_overdue = manager_client.get(reverse("escalations:queue"), {"overdue": "on"}).content.decode()
    assert "Old-one" in only_overdue and "New-one" not in only_overdue
    stalled = manager_client.get(reverse("escalations:queue"), {"reason": "stalled"}).content.decode()
    assert "New-one" in stalled and "Old-one" not in stalled


def _escalate_cases(customer, agent, n):
    for _ in range(n):
        case_escalate(case=CaseFactory(client=customer, owner=agent), reason=EscalationReason.OTHER, cause_key="q")


def test_the_queue_query_count_does_not_grow(manager_client, customer, agent):
    _escalate_cases(customer, agent, 5)
    small = count_queries(manager_client, reverse("escalations:queue"))
    _escalate_cases(customer, agent, 45)
    assert count_queries(manager_client, reverse("escalations:queue")) == small


# --- Written contact only -------------------------------------------------------------


def test_written_contact_only_shows_a_banner_and_the_log_form_starts_on_email(manager_client, case, manager):
    client_set_written_contact_only(actor=manager, client=case.client, on=True, note="Abuse on the phone")
    body = manager_client.get(case.get_absolute_url()).content.decode()
    assert "Written contact only." in body
    assert '<option value="email" selected>' in body
    assert "Written contact only." in manager_client.get(case.client.get_absolute_url()).content.decode()


def test_agents_cannot_set_written_contact_only(agent, customer):
    with pytest.raises(PermissionDenied):
        client_set_written_contact_only(actor=agent, client=customer, on=True)


def test_the_agent_records_a_boundary_warning_from_the_case_page(agent_client, case):
    response = agent_client.post(reverse("cases:boundary_warning", args=[case.pk]), {"note": "Asked for respect"})
    assert response.status_code == 302
    assert case.boundary_warnings.get().note == "Asked for respect"
    body = agent_client.get(case.get_absolute_url()).content.decode()
    assert "Boundary warning given" in body
    assert "business hours" in body  # the case's resolution clock


def test_the_rules_run_from_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["escalation-rules"]
    assert entry["task"] == "escalations.tasks.escalation_rules"


def test_a_stalled_escalation_tells_the_cases_owner(case, agent, manager):
    settings = team_settings(case.team)
    settings.stall_contacts = 2
    settings.save()
    _log(case, agent)
    _log(case, agent)
    assert _rules_twice()["escalate_stalled_cases"] == 1
    notices = list(Notice.objects.filter(user=agent).values_list("message", flat=True))
    assert len(notices) == 1 and "went to a manager by itself" in notices[0] and "No progress" in notices[0]


def test_escalating_by_hand_leaves_no_notice_for_the_one_who_did_it(case, agent, manager):
    case_escalate(actor=agent, case=case, reason=EscalationReason.CANNOT_RESOLVE, note="Out of ideas.")
    assert not Notice.objects.filter(user=agent).exists()


def test_a_stalled_case_owned_by_a_manager_is_told_once(case, manager):
    case.owner = manager
    case.save()
    case_escalate(case=case, reason=EscalationReason.STALLED, cause_key="stall:test")
    assert Notice.objects.filter(user=manager).count() == 1  # as a manager, with the review link
