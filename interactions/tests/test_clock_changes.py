"""Clock changes (Europe/Paris): times a change skips or repeats, typed in forms, shown by
forms as their defaults, and printed in emails."""

import uuid
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casebook.forms import LocalDateTimeField
from casebook.testing import form_as_rendered, next_european_clock_change
from interactions.forms import FollowUpForm, InteractionForm
from interactions.models import FollowUpKind, Interaction, OutgoingEmail
from interactions.services import follow_up_schedule, follow_ups_sweep

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

# 2026-10-25, Paris: at 03:00 CEST the clocks go back to 02:00 CET, so 02:00-02:59 happens
# twice: 02:40 CEST is 00:40 UTC, 02:40 CET is 01:40 UTC.
FIRST_PASS = datetime(2026, 10, 25, 0, 40, tzinfo=UTC)
SECOND_PASS = datetime(2026, 10, 25, 1, 40, tzinfo=UTC)


def _field(value):
    with timezone.override(PARIS):
        return LocalDateTimeField().clean(value)


# --- Typed times -------------------------------------------------------------------------


def test_a_time_the_spring_change_skips_is_refused_naming_the_change():
    day = next_european_clock_change(3)
    with pytest.raises(Exception) as refused:
        _field(f"{day}T02:30")
    assert refused.value.messages == [
        f"02:30 does not exist on {day.day} March (clocks go forward from 02:00 to 03:00)."
    ]


def test_a_time_the_autumn_change_repeats_is_refused_naming_both_choices():
    day = next_european_clock_change(10)
    with pytest.raises(Exception) as refused:
        _field(f"{day}T02:30")
    assert refused.value.messages == [
        f"02:30 happens twice on {day.day} October: 02:30 CEST (UTC+02:00) or 02:30 CET (UTC+01:00)? "
        f"Pick which one below (or type the time with its offset, e.g. {day}T02:30+01:00)."
    ]


def test_a_repeated_time_with_its_offset_is_accepted_as_that_moment():
    day = next_european_clock_change(10)
    first = _field(f"{day}T02:30+02:00")
    second = _field(f"{day}T02:30+01:00")
    assert second - first == timedelta(hours=1)
    assert first.astimezone(UTC).time().isoformat() == "00:30:00"


def test_the_times_around_a_change_are_taken_as_typed():
    spring, autumn = next_european_clock_change(3), next_european_clock_change(10)
    assert _field(f"{spring}T01:59").astimezone(UTC).hour == 0  # winter time, UTC+1
    assert _field(f"{spring}T03:00").astimezone(UTC).hour == 1  # summer time, UTC+2
    assert _field(f"{autumn}T01:59").astimezone(UTC).hour == 23  # summer time, the day before in UTC
    assert _field(f"{autumn}T03:00").astimezone(UTC).hour == 2  # winter time


def test_a_refused_repeated_time_comes_back_with_both_choices_and_either_is_accepted(case):
    day = next_european_clock_change(10)
    data = {"kind": FollowUpKind.CALL_BACK, "due_at": f"{day}T02:30", "note": "", "owner": ""}
    with timezone.override(PARIS):
        form = FollowUpForm(data, case=case)
        assert not form.is_valid() and "happens twice" in form.errors["due_at"][0]
        html = str(form["due_at"])
        assert f'value="{day}T02:30"' in html  # the browser's input keeps the typed wall time
        assert f'<option value="{day}T02:30+02:00">02:30 CEST (UTC+02:00)</option>' in html
        assert f'<option value="{day}T02:30+01:00">02:30 CET (UTC+01:00)</option>' in html
        chosen = FollowUpForm({**data, "due_at_zoned": f"{day}T02:30+01:00"}, case=case)
        assert chosen.is_valid(), chosen.errors
    assert chosen.cleaned_data["due_at"].astimezone(UTC).hour == 1


def test_a_stale_choice_never_moves_a_time_the_user_changed(case):
    """The companion offset only counts while the input still shows its wall time."""
    day = next_european_clock_change(10)
    data = {"kind": FollowUpKind.CALL_BACK, "due_at": f"{day}T09:00", "due_at_zoned": f"{day}T02:30+01:00"}
    with timezone.override(PARIS):
        form = FollowUpForm({**data, "note": "", "owner": ""}, case=case)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["due_at"] == datetime(day.year, day.month, day.day, 9, tzinfo=PARIS)


def test_outside_a_repeated_hour_the_input_renders_as_before():
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), tick=False), timezone.override(PARIS):
        html = str(InteractionForm()["occurred_at"])
    assert 'type="datetime-local"' in html and 'value="2026-07-01T14:00"' in html
    assert "occurred_at_zoned" not in html


# --- The form's own default in the repeated hour ------------------------------------------


@pytest.mark.parametrize(("moment", "shown"), [(FIRST_PASS, "+02:00"), (SECOND_PASS, "+01:00")])
def test_the_case_pages_log_form_posted_as_rendered_logs_the_contact_now(agent_client, case, moment, shown):
    with time_machine.travel(moment, tick=False):
        html = agent_client.get(case.get_absolute_url()).content.decode()
        data = form_as_rendered(html, "log-contact")
        assert data["occurred_at"] == "2026-10-25T02:40"
        assert data["occurred_at_zoned"] == f"2026-10-25T02:40{shown}"
        data["summary"] = "She called about the missed visit."
        response = agent_client.post(reverse("cases:log_interaction", args=[case.pk]), data)
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    assert Interaction.objects.get(case=case).occurred_at == moment


@pytest.mark.parametrize("moment", [FIRST_PASS, SECOND_PASS])
def test_the_quick_log_dialog_posted_as_rendered_logs_the_contact_now(agent_client, customer, case, moment):
    with time_machine.travel(moment, tick=False):
        html = agent_client.get(reverse("quick_log:form"), headers={"HX-Request": "true"}).content.decode()
        data = form_as_rendered(html, "quick-log-form")
        assert data["occurred_at"] == "2026-10-25T02:40" and "occurred_at_zoned" in data
        # What the user picks in the dialog: the client and one of their cases, and the words.
        data.update(client=str(customer.pk), case=str(case.pk), summary="Called back as promised.")
        response = agent_client.post(reverse("quick_log:save"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert Interaction.objects.get(case=case).occurred_at == moment


# --- Emails ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "zone"), [(FIRST_PASS + timedelta(minutes=11), "CEST"), (SECOND_PASS + timedelta(minutes=11), "CET")]
)
def test_reminder_and_overdue_emails_print_the_zone_of_a_repeated_hours_time(agent, case, due, zone, settings):
    settings.CASEBOOK_REMINDER_LEAD_MINUTES = 30
    settings.CASEBOOK_OVERDUE_GRACE_MINUTES = 60
    with time_machine.travel(due - timedelta(hours=3), tick=False):
        follow_up_schedule(actor=agent, case=case, kind=FollowUpKind.CALL_BACK, due_at=due, request_key=uuid.uuid4())
    with time_machine.travel(due - timedelta(minutes=10), tick=False):
        assert follow_ups_sweep()["reminded"] == 1
    with time_machine.travel(due + timedelta(minutes=61), tick=False):
        assert follow_ups_sweep()["warned"] == 1
    reminder = OutgoingEmail.objects.get(cause_key__contains=":reminder:")
    overdue = OutgoingEmail.objects.get(cause_key__contains=":overdue:", to_email=agent.email)
    assert f"Due Sun 25 Oct, 02:51 {zone}:" in reminder.subject
    assert f"Due: Sunday 25 October 2026, 02:51 {zone}" in reminder.body_text
    assert f"Due: Sunday 25 October 2026, 02:51 {zone}" in reminder.body_html
    assert f"Was due: Sunday 25 October 2026, 02:51 {zone}" in overdue.body_text
    assert f"Was due: Sunday 25 October 2026, 02:51 {zone}" in overdue.body_html
