"""Closing a resolved case with a lessons-learned review."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import CaseStatus, Temperament
from clients.services import case_change_status
from playbooks.models import CaseReview
from playbooks.services import case_close_with_review


@pytest.fixture
def resolved(case, agent):
    case_change_status(actor=agent, case=case, status=CaseStatus.IN_PROGRESS)
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    return case


def test_closing_with_a_review_stores_it_and_updates_the_clients_temperament(agent_client, resolved):
    url = reverse("cases:close_review", args=[resolved.pk])
    assert b"Close with a review" in agent_client.get(resolved.get_absolute_url()).content
    response = agent_client.post(
        url,
        {
            "what_worked": "Letting her vent first",
            "what_to_change": "Call sooner",
            "new_temperament": Temperament.DEMANDER,
            "update_client": "on",
        },
    )
    assert response.status_code == 302
    resolved.refresh_from_db()
    resolved.client.refresh_from_db()
    review = CaseReview.objects.get(case=resolved)
    assert (review.what_worked, review.temperament_changed, review.new_temperament) == (
        "Letting her vent first",
        True,
        Temperament.DEMANDER,
    )
    assert resolved.status == CaseStatus.CLOSED and resolved.client.temperament == Temperament.DEMANDER


def test_the_client_profile_stays_unless_the_agent_asks(agent, resolved):
    case_close_with_review(
        actor=agent, case=resolved, what_worked="Patience", new_temperament=Temperament.SILENT, update_client=False
    )
    resolved.client.refresh_from_db()
    assert resolved.client.temperament == Temperament.COMPLAINER


def test_an_open_case_cannot_be_closed_with_a_review(agent_client, agent, case):
    with pytest.raises(ValidationError):
        case_close_with_review(actor=agent, case=case, what_worked="x")
    response = agent_client.post(reverse("cases:close_review", args=[case.pk]), {"what_worked": "x"})
    assert response.status_code == 422
    assert not CaseReview.objects.exists()


def test_a_review_needs_what_worked_and_nothing_is_saved_without_it(agent_client, resolved):
    response = agent_client.post(reverse("cases:close_review", args=[resolved.pk]), {"what_worked": ""})
    assert response.status_code == 422
    resolved.refresh_from_db()
    assert resolved.status == CaseStatus.RESOLVED and not CaseReview.objects.exists()


def test_a_case_with_an_undecided_escalation_is_not_closed_with_a_review(agent_client, resolved):
    from escalations.models import Escalation

    # A resolved case left with an open escalation (data from before the rule).
    Escalation.objects.create(case=resolved, reason="other", note="Need help", raised_at=resolved.opened_at)
    typed = {"what_worked": "Letting her vent first", "what_to_change": "Call sooner"}
    response = agent_client.post(reverse("cases:close_review", args=[resolved.pk]), typed)
    assert response.status_code == 422
    page = response.content.decode()
    assert "A manager has not yet decided this case&#x27;s escalation: settle it first" in page
    assert "Letting her vent first" in page and "Call sooner" in page  # nothing typed is lost
    resolved.refresh_from_db()
    assert resolved.status == CaseStatus.RESOLVED and not CaseReview.objects.exists()
