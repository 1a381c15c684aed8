"""Waiting on the client pauses the resolution clock; a contact from the client ends the wait."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.business_hours import Calendar
from clients.models import Case, CaseEventKind, CaseStatus
from clients.selectors import case_clock
from clients.services import case_change_status, case_wait_on_client
from interactions.services import interaction_log

UTC = ZoneInfo("UTC")
ALWAYS = Calendar(working_days="0123456", starts=time(0), ends=time(23, 59))


def test_waiting_starts_and_ends_with_timeline_entries(agent, case):
    case_wait_on_client(actor=agent, case=case, waiting=True, note="Asked for the invoice number")
    assert case.waiting_on_client_since is not None
    with pytest.raises(ValidationError):
        case_wait_on_client(actor=agent, case=case, waiting=True)
    case_wait_on_client(actor=agent, case=case, waiting=False)
    case.refresh_from_db()
    assert case.waiting_on_client_since is None and len(case.waiting_periods) == 1
    kinds = list(case.events.values_list("kind", flat=True))
    assert CaseEventKind.WAITING_STARTED in kinds and CaseEventKind.WAITING_ENDED in kinds


def test_the_clock_does_not_count_the_wait(case):
    opened = datetime(2026, 3, 2, 8, tzinfo=UTC)
    Case.objects.filter(pk=case.pk).update(
        opened_at=opened,
        waiting_periods=[[(opened + timedelta(hours=2)).isoformat(), (opened + timedelta(hours=5)).isoformat()]],
    )
    case.refresh_from_db()
    clock = case_clock(case, now=opened + timedelta(hours=10), calendar=ALWAYS, target_hours=8)
    assert clock.elapsed == timedelta(hours=7)
    assert clock.breach_at == opened + timedelta(hours=11)


def test_a_wait_still_running_pauses_the_clock_until_now(case):
    opened = datetime(2026, 3, 2, 8, tzinfo=UTC)
    Case.objects.filter(pk=case.pk).update(opened_at=opened, waiting_on_client_since=opened + timedelta(hours=1))
    case.refresh_from_db()
    clock = case_clock(case, now=opened + timedelta(hours=6), calendar=ALWAYS, target_hours=8)
    assert clock.elapsed == timedelta(hours=1)


def test_a_contact_from_the_client_ends_the_wait(agent, case):
    case_wait_on_client(actor=agent, case=case, waiting=True)
    interaction_log(actor=agent, case=case, channel="email", direction="outbound", mood="calm", summary="Reminder")
    case.refresh_from_db()
    assert case.waiting_on_client_since is not None  # our own email does not end it
    interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="Here it is")
    case.refresh_from_db()
    assert case.waiting_on_client_since is None and len(case.waiting_periods) == 1


def test_resolving_ends_the_wait(agent, case):
    case_wait_on_client(actor=agent, case=case, waiting=True)
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    case.refresh_from_db()
    assert case.waiting_on_client_since is None and len(case.waiting_periods) == 1


def test_the_case_page_button_pauses_and_resumes(agent_client, case):
    url = reverse("cases:waiting", args=[case.pk])
    assert agent_client.post(url, {"waiting": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.waiting_on_client_since is not None
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert "the resolution clock is paused" in page
    agent_client.post(url, {"waiting": "0"})
    case.refresh_from_db()
    assert case.waiting_on_client_since is None


def test_outsiders_cannot_pause_another_teams_case(outsider_client, case):
    assert outsider_client.post(reverse("cases:waiting", args=[case.pk]), {"waiting": "1"}).status_code == 404
    case.refresh_from_db()
    assert case.waiting_on_client_since is None
