"""A contact's time: the log forms' default ("now", shown to the minute) logs the exact
time, so the timeline keeps the real order of events; a time set on purpose is kept."""

import zoneinfo
from datetime import datetime, timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from core.testing import form_as_rendered
from interactions.models import FollowUpKind, Interaction
from interactions.selectors import case_timeline
from interactions.services import follow_up_schedule

PARIS = zoneinfo.ZoneInfo("Europe/Paris")  # alice's zone (conftest)
HTMX = {"HX-Request": "true"}


def _tomorrow_at(hour: int, minute: int, second: int = 0) -> datetime:
    """A moment tomorrow in Paris, whatever day the tests run (late morning: never in a clock change)."""
    day = timezone.localdate(timezone=PARIS) + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=PARIS)


def _wall(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M}"


def _schedule_at(moment, agent, case):
    with time_machine.travel(moment, tick=False):
        return follow_up_schedule(
            actor=agent, case=case, kind=FollowUpKind.CALL_BACK, due_at=moment + timedelta(hours=2), note="Ring her"
        )


def _drawn_log_form(agent_client, case, at):
    with time_machine.travel(at, tick=False):
        html = agent_client.get(case.get_absolute_url()).content.decode()
    return form_as_rendered(html, "log-contact")


def _post_log_form(agent_client, case, data, at):
    with time_machine.travel(at, tick=False):
        response = agent_client.post(reverse("cases:log_interaction", args=[case.pk]), data, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:2000]
    return Interaction.objects.get(case=case)


def _newest_first(case, *rows):
    """`rows` in the order the case timeline shows them, newest first (the first contact
    also moves the case on: that entry is left out)."""
    return [event.target for event in case_timeline(case) if event.target in rows]


def test_a_contact_logged_with_the_default_time_comes_after_what_happened_before_it(agent_client, agent, case):
    data = _drawn_log_form(agent_client, case, _tomorrow_at(10, 5, 5))
    assert data["occurred_at"] == _wall(_tomorrow_at(10, 5))  # the default, to the minute
    follow_up = _schedule_at(_tomorrow_at(10, 5, 20), agent, case)
    data["summary"] = "She called back before we did."
    contact = _post_log_form(agent_client, case, data, _tomorrow_at(10, 5, 40))
    assert contact.occurred_at == _tomorrow_at(10, 5, 40)  # not 10:05:00
    assert _newest_first(case, contact, follow_up) == [contact, follow_up]  # the contact is the newer


def test_a_form_drawn_in_one_minute_and_sent_in_the_next_logs_the_exact_time(agent_client, agent, case):
    data = _drawn_log_form(agent_client, case, _tomorrow_at(10, 5, 50))
    follow_up = _schedule_at(_tomorrow_at(10, 6, 0), agent, case)
    data["summary"] = "Typed across the minute."
    contact = _post_log_form(agent_client, case, data, _tomorrow_at(10, 6, 10))
    assert contact.occurred_at == _tomorrow_at(10, 6, 10)
    assert _newest_first(case, contact, follow_up) == [contact, follow_up]


def test_an_earlier_time_set_on_purpose_is_kept_as_given(agent_client, agent, case):
    data = _drawn_log_form(agent_client, case, _tomorrow_at(10, 5, 5))
    follow_up = _schedule_at(_tomorrow_at(10, 5, 20), agent, case)
    data.update(summary="The call we had at one minute past ten.", occurred_at=_wall(_tomorrow_at(10, 1)))
    contact = _post_log_form(agent_client, case, data, _tomorrow_at(10, 5, 40))
    assert contact.occurred_at == _tomorrow_at(10, 1)
    assert _newest_first(case, follow_up, contact) == [follow_up, contact]  # it happened before the promise


def test_the_quick_log_dialogs_default_time_logs_the_exact_time(agent_client, agent, customer, case):
    with time_machine.travel(_tomorrow_at(10, 5, 5), tick=False):
        html = agent_client.get(reverse("quick_log:form"), headers=HTMX).content.decode()
    data = form_as_rendered(html, "quick-log-form")
    assert data["occurred_at"] == _wall(_tomorrow_at(10, 5))
    follow_up = _schedule_at(_tomorrow_at(10, 5, 20), agent, case)
    data.update(client=str(customer.pk), case=str(case.pk), summary="Called back as promised.")
    with time_machine.travel(_tomorrow_at(10, 5, 40), tick=False):
        response = agent_client.post(reverse("quick_log:save"), data, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:2000]
    contact = Interaction.objects.get(case=case)
    assert contact.occurred_at == _tomorrow_at(10, 5, 40)
    assert _newest_first(case, contact, follow_up) == [contact, follow_up]
