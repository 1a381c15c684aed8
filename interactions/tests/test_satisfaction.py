"""Satisfaction ratings: signed one-click links, single use, expiring; low ratings reopen and escalate."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from clients.models import CaseEvent, CaseEventKind, CaseStatus
from clients.services import case_change_status
from escalations.models import Escalation, EscalationReason
from interactions.models import FollowUp, SatisfactionSurvey
from interactions.services import RATING_SALT, follow_ups_sweep, rating_token


@pytest.fixture
def survey(agent, case, settings):
    settings.CASEBOOK_SATISFACTION_DELAY_DAYS = 3
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    type(case).objects.filter(pk=case.pk).update(resolved_at=timezone.now() - timedelta(days=3, hours=1))
    follow_ups_sweep()
    return SatisfactionSurvey.objects.get(case=case)


def _rate(client, survey, rating):
    return client.get(reverse("rating", args=[rating_token(survey, rating)]))


def test_a_rating_link_works_without_login_stores_the_answer_and_thanks(client, survey):
    response = _rate(client, survey, 5)
    assert response.status_code == 200
    assert b"Thank you" in response.content
    survey.refresh_from_db()
    assert survey.rating == 5 and survey.rated_at
    assert CaseEvent.objects.filter(case=survey.case, kind=CaseEventKind.SATISFACTION_RATED).count() == 1
    survey.case.refresh_from_db()
    assert survey.case.status == CaseStatus.RESOLVED


def test_a_rating_link_works_once(client, survey):
    _rate(client, survey, 4)
    response = _rate(client, survey, 1)
    assert response.status_code == 400
    survey.refresh_from_db()
    assert survey.rating == 4
    assert not Escalation.objects.exists()


def test_an_expired_link_is_refused(client, survey, settings):
    settings.CASEBOOK_RATING_LINK_DAYS = -1
    response = _rate(client, survey, 5)
    assert response.status_code == 400 and b"expired" in response.content
    survey.refresh_from_db()
    assert survey.rating is None


def test_a_tampered_or_unsigned_link_is_refused(client, survey):
    forged = signing.dumps({"s": survey.pk, "r": 5}, salt="another-salt")
    assert client.get(reverse("rating", args=[forged])).status_code == 400
    out_of_range = signing.dumps({"s": survey.pk, "r": 9}, salt=RATING_SALT)
    assert client.get(reverse("rating", args=[out_of_range])).status_code == 400
    survey.refresh_from_db()
    assert survey.rating is None


@pytest.mark.parametrize("rating", [1, 2])
def test_a_low_rating_reopens_the_case_and_escalates_it_once(client, survey, rating):
    _rate(client, survey, rating)
    case = survey.case
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    escalation = Escalation.objects.get(case=case)
    assert escalation.reason == EscalationReason.LOW_SATISFACTION
    assert escalation.cause_key == f"rating:{survey.pk}"
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.STATUS_CHANGED, data__to="in_progress").exists()


def test_the_satisfaction_check_is_a_done_follow_up_of_its_own_kind(survey):
    follow_up = FollowUp.objects.get(pk=survey.follow_up_id)
    assert follow_up.kind == "satisfaction_check" and follow_up.status == "done"
