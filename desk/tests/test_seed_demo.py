from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import Team, User
from clients.business_hours import calendar_for_team
from clients.models import Case, CaseStatus, Client, Temperament
from interactions.models import FollowUp, Interaction, Mood


def test_seed_demo_tells_the_whole_story_once(db):
    call_command("seed_demo")
    counts = (User.objects.count(), Client.objects.count(), Case.objects.count(), Interaction.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Client.objects.count(), Case.objects.count(), Interaction.objects.count()) == counts

    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert set(Client.objects.values_list("temperament", flat=True)) == set(Temperament.values)
    assert set(Interaction.objects.values_list("mood", flat=True)) == set(Mood.values)
    from playbooks.models import StepRecord

    assert StepRecord.objects.count() == 3  # the oven case is part-way through its playbook
    from interactions.models import FollowUp

    assert FollowUp.objects.filter(owner__username="agent").count() == 2  # promises on the oven case
    for username in ["agent", "manager", "admin"]:
        assert User.objects.get(username=username).check_password("casebook-demo")


def _in_working_hours(calendar, moment) -> bool:
    local = moment.astimezone(ZoneInfo(calendar.time_zone))
    return calendar.is_working_day(local.date()) and calendar.starts <= local.time() <= calendar.ends


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 7, 10, 0, tzinfo=UTC),  # a Monday morning
        datetime(2026, 12, 6, 3, 0, tzinfo=UTC),  # a Sunday night: no working hours today
    ],
)
def test_seed_demo_reads_like_a_real_working_day(db, now):
    with time_machine.travel(now, tick=False):
        call_command("seed_demo")
    calendars = {team.pk: calendar_for_team(team) for team in Team.objects.all()}

    contacts = list(Interaction.objects.select_related("case"))
    assert all(_in_working_hours(calendars[c.case.team_id], c.occurred_at) for c in contacts)
    assert all(c.occurred_at < now for c in contacts)
    # Spread over the weeks and over the day, not all at one time of day.
    assert len({c.occurred_at.date() for c in contacts}) >= 8
    assert len({c.occurred_at.time() for c in contacts}) >= 5

    promises = FollowUp.objects.select_related("case")
    assert promises and all(_in_working_hours(calendars[p.case.team_id], p.due_at) for p in promises)
    assert all(p.due_at > now for p in promises.filter(status="open"))

    # Each case's last activity is its own: only the case being worked right now (the oven
    # case, part-way through its playbook) moved in the last quarter hour.
    cases = list(Case.objects.all())
    recent = [case.title for case in cases if case.last_activity_at > now - timedelta(minutes=15)]
    assert recent == ["Oven service visit missed twice"]
    assert len({case.last_activity_at for case in cases}) == len(cases)
    for case in Case.objects.exclude(status__in=["new", "in_progress"]):
        last_contact = case.interactions.order_by("-occurred_at").first()
        assert last_contact is None or last_contact.occurred_at < case.last_activity_at < now
