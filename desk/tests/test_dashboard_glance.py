"""Issue 19: the managers' dashboard reads at a glance. Times in days and hours, the period's
dates in the form, the "Open cases" figure leading to the open cases, "today" as the team
lives it, and the counts a manager acts on never more than a minute old."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Team, TeamSettings
from accounts.roles import Role
from accounts.tests.factories import TeamFactory, UserFactory
from clients.models import OPEN_STATUSES, CaseStatus, RootCause, Temperament
from clients.tests.factories import CaseFactory, ClientFactory
from desk.reports import agent_figures, chart_data, dashboard_figures, period_between
from interactions.models import FollowUp, FollowUpKind, Mood
from interactions.tests.factories import InteractionFactory

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
MARCH = {"start": "2026-03-01", "end": "2026-03-18"}


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _resolved(team, owner, *, hours, temperament=Temperament.COMPLAINER, cause=RootCause.OTHER):
    opened = NOW - timedelta(days=2) - timedelta(hours=hours)
    return CaseFactory(
        client=ClientFactory(team=team, temperament=temperament),
        owner=owner,
        opened_at=opened,
        resolved_at=opened + timedelta(hours=hours),
        status=CaseStatus.RESOLVED,
        root_cause=cause,
    )


# --- Durations in days and hours -----------------------------------------------------


def test_the_dashboard_and_the_root_cause_report_show_times_in_days_and_hours(client, manager, agent, team):
    _resolved(team, agent, hours=962, cause=RootCause.NEED_FOR_CONTROL)
    _resolved(team, agent, hours=76, temperament=Temperament.ANGRY)
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        dashboard = client.get(reverse("dashboard"), MARCH).content.decode()
        report = client.get(reverse("root_causes"), MARCH).content.decode()
    for page in (dashboard, report):
        assert 'data-label="Median time">40 days</td>' in page
        assert 'data-label="Median time">3 days 4 hours</td>' in page
        assert "962" not in page and "hours</th>" not in page


def test_a_chart_of_times_counts_in_days_from_two_days_on_and_gives_each_time_in_words(team, agent):
    _resolved(team, agent, hours=962, temperament=Temperament.ANGRY)
    _resolved(team, agent, hours=5)
    with time_machine.travel(NOW, tick=False):
        figures = dashboard_figures(
            teams=Team.objects.filter(pk=team.pk), period=period_between(date(2026, 1, 1), NOW.date())
        )
    charts = chart_data(figures)
    # Complainer (5 hours) and Angry (962 hours) on one axis: in days.
    assert charts["temperament"]["unit"] == "days"
    assert charts["temperament"]["labels"] == ["Angry", "Complainer"]
    assert charts["temperament"]["median"] == [40.1, 0.2]
    assert charts["temperament"]["median_words"] == ["40 days", "5 hours"]
    # A chart whose longest time is under two days stays in hours.
    short = chart_data({**figures, "by_root_cause": [figures["by_temperament"][1]]})["root_cause"]
    assert short["unit"] == "hours" and short["median"] == [5.0] and short["p90_words"] == ["5 hours"]


def test_the_charts_label_their_axes_in_the_pages_words(client, manager):
    client.force_login(manager)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-axis-hours="Hours to resolution"' in page and 'data-axis-days="Days to resolution"' in page


# --- A chart, its table behind a toggle; scrollable tables reachable by keyboard ------


def test_each_charts_table_is_folded_under_it_and_every_table_box_is_a_named_focusable_region(
    client, manager, agent, team
):
    _resolved(team, agent, hours=30)
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("dashboard"), MARCH).content.decode()
        report = client.get(reverse("root_causes"), MARCH).content.decode()
    assert page.count('<details class="chart-table"><summary>') == 4  # weeks, ratings, two times
    for html in (page, report):
        boxes = re.findall(r'<div class="table-responsive"[^>]*>', html)
        assert boxes and all('role="region"' in box and 'tabindex="0"' in box for box in boxes)
        names = [re.search(r'aria-label="([^"]+)"', box).group(1) for box in boxes]
        assert len(set(names)) == len(names)  # each region is told apart by its name
    assert "style=" not in page and "<script>" not in page  # the site's CSP: no inline styles or scripts


# --- The period's dates in their own fields -------------------------------------------


@pytest.mark.parametrize("page", ["dashboard", "root_causes"])
@pytest.mark.parametrize("query", [{}, {"team": "team"}])
def test_the_period_form_shows_the_dates_in_effect_with_no_dates_asked_for(client, manager, team, page, query):
    type(manager).objects.filter(pk=manager.pk).update(time_zone="Pacific/Auckland")
    client.force_login(manager)
    query = {name: team.pk for name in query}
    with time_machine.travel(NOW, tick=False):  # already Thursday 19 March in Auckland
        response = client.get(reverse(page), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input type="date" name="start" value="2026-01-23"', html)
    assert re.search(r'<input type="date" name="end" value="2026-03-19"', html)
    period = response.context["period"]
    assert (period.start.date(), period.last_day) == (date(2026, 1, 23), date(2026, 3, 19))


def test_dates_asked_for_stay_in_the_form(client, manager):
    client.force_login(manager)
    html = client.get(reverse("dashboard"), {"start": "2026-02-02", "end": ""}).content.decode()
    assert 'name="start" value="2026-02-02"' in html
    assert f'name="end" value="{client.get(reverse("dashboard")).context["period"].last_day.isoformat()}"' in html


# --- "Open cases" leads to the open cases --------------------------------------------


def test_the_open_cases_figure_links_to_the_open_cases_only(client, manager, team, other_team, outsider):
    opened = {CaseFactory(client__team=team, owner=manager, status=status).pk for status in OPEN_STATUSES}
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        CaseFactory(client__team=team, owner=manager, status=status, resolved_at=NOW, closed_at=NOW)
    CaseFactory(client__team=other_team, owner=outsider, status=CaseStatus.NEW)
    client.force_login(manager)
    page = client.get(reverse("dashboard"))
    href = re.search(
        r'<a class="card [^"]*" href="([^"]+)"><div class="card-body py-2"><div[^>]*>Open cases<', page.content.decode()
    )
    listed = client.get(href.group(1).replace("&amp;", "&"))
    assert listed.status_code == 200
    assert {case.pk for case in listed.context["page"].object_list} == opened
    assert page.context["figures"]["counts"]["open"] == len(opened)
    assert 'value="open" selected' in listed.content.decode()  # the filter says what is shown


def test_the_open_cases_filter_also_narrows_the_export(client, manager, team):
    kept = CaseFactory(client__team=team, owner=manager, status=CaseStatus.IN_PROGRESS)
    gone = CaseFactory(client__team=team, owner=manager, status=CaseStatus.RESOLVED, resolved_at=NOW)
    client.force_login(manager)
    rows = b"".join(client.get(reverse("cases:export"), {"status": "open"}).streaming_content).decode()
    assert kept.title in rows and gone.title not in rows


# --- "Today" in the team's time zone --------------------------------------------------


@pytest.fixture
def auckland_day(team, agent, case):
    """Noon UTC on 18 March is 01:00 on Thursday 19 March in Auckland (UTC+13) and 05:00 on
    Wednesday 18 March in Los Angeles (UTC-7), where the manager is."""
    TeamSettings.objects.update_or_create(team=team, defaults={"time_zone": "Pacific/Auckland"})
    for when in (datetime(2026, 3, 18, 10, 30, tzinfo=UTC), datetime(2026, 3, 18, 11, 30, tzinfo=UTC)):
        InteractionFactory(case=case, logged_by=agent, mood=Mood.ANGRY, occurred_at=when)  # 23:30 and 00:30
    for when in (datetime(2026, 3, 19, 9, tzinfo=UTC), datetime(2026, 3, 19, 12, tzinfo=UTC)):
        FollowUp.objects.create(case=case, owner=agent, kind=FollowUpKind.CALL_BACK, due_at=when)  # 22:00, 01:00


def _alice(response):
    return next(row for row in response.context["figures"]["agents"] if row["user"].username == "alice")


def test_today_on_the_dashboard_is_the_teams_day_not_the_managers(client, manager, auckland_day):
    type(manager).objects.filter(pk=manager.pk).update(time_zone="America/Los_Angeles")
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        alice = _alice(client.get(reverse("dashboard")))
    # Auckland's Thursday: the 00:30 contact, and the promise due at 22:00 (01:00 is Friday's).
    assert (alice["hostile_today"], alice["follow_ups_due"]) == (1, 1)


def test_a_manager_of_several_teams_sees_the_day_of_the_team_shown(client, manager, team, auckland_day):
    elsewhere = TeamFactory(name="Night shift")
    TeamSettings.objects.create(team=elsewhere, time_zone="America/Los_Angeles")
    manager.teams.add(elsewhere)
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        alice = _alice(client.get(reverse("dashboard"), {"team": team.pk}))
    assert (alice["hostile_today"], alice["follow_ups_due"]) == (1, 1)


def test_with_several_teams_shown_each_member_has_their_own_teams_day(team, agent, case, auckland_day):
    elsewhere = TeamFactory(name="Night shift")
    TeamSettings.objects.create(team=elsewhere, time_zone="America/Los_Angeles")
    night = UserFactory(username="nina", teams=[elsewhere])
    night_case = CaseFactory(client__team=elsewhere, owner=night)
    InteractionFactory(
        case=night_case, logged_by=night, mood=Mood.ABUSIVE, occurred_at=datetime(2026, 3, 18, 10, 30, tzinfo=UTC)
    )
    FollowUp.objects.create(
        case=night_case, owner=night, kind=FollowUpKind.CALL_BACK, due_at=datetime(2026, 3, 19, 9, tzinfo=UTC)
    )
    rows = {row["user"].username: row for row in agent_figures(teams=Team.objects.all(), now=NOW)}
    assert (rows["alice"]["hostile_today"], rows["alice"]["follow_ups_due"]) == (1, 1)
    # Los Angeles' Wednesday: 03:30 is today; the promise due 02:00 on Thursday is not.
    assert (rows["nina"]["hostile_today"], rows["nina"]["follow_ups_due"]) == (1, 0)


# --- Counts a manager acts on: at most a minute old, and a Refresh button ---------------


@pytest.fixture
def cached(settings, fresh_cache):
    settings.CASEBOOK_DASHBOARD_CACHE_SECONDS = 300


def test_the_counts_a_manager_acts_on_are_never_more_than_a_minute_old(client, manager, team, cached):
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(manager)
        first = client.get(reverse("dashboard"))
        assert first.context["figures"]["counts"]["open"] == 0
        CaseFactory(client__team=team, owner=manager, opened_at=NOW)
        clock.shift(61)
        page = client.get(reverse("dashboard"))
    assert page.context["figures"]["counts"]["open"] == 1
    assert '<div class="fs-4 fw-semibold" id="count-open">1</div>' in page.content.decode()
    # The period's figures are still those worked out a minute ago, and the page says so.
    assert page.context["figures"]["weeks"] == first.context["figures"]["weeks"] == []
    assert page.context["computed_at"] == NOW and page.context["counted_at"] == NOW + timedelta(seconds=61)
    assert "Figures as of 12:00 (1" in page.content.decode() and "as of 12:01" in page.content.decode()
    assert "Figures as of 12:00 (just now)" in first.content.decode()  # not "0 minutes ago"


def test_refresh_works_every_figure_out_now_for_the_same_filter(client, manager, team, cached):
    client.force_login(manager)
    url = reverse("dashboard") + f"?team={team.pk}"
    with time_machine.travel(NOW, tick=False) as clock:
        assert client.get(url).context["figures"]["counts"]["open"] == 0
        CaseFactory(client__team=team, owner=manager, opened_at=NOW)
        clock.shift(5)
        assert client.get(url).context["figures"]["counts"]["open"] == 0  # from the cache
        page = client.get(url).content.decode()
        assert f'<form method="post" action="/?team={team.pk}">' in page
        refreshed = client.post(url)
        assert refreshed.status_code == 302 and refreshed.url == url
        page = client.get(url)
    assert page.context["figures"]["counts"]["open"] == 1
    assert [row["opened"] for row in page.context["figures"]["weeks"]] == [1]


def test_refresh_stays_within_the_managers_teams(client, manager, other_team, outsider, cached):
    CaseFactory(client__team=other_team, owner=outsider)
    client.force_login(manager)
    response = client.post(reverse("dashboard") + f"?team={other_team.pk}")
    assert response.status_code == 422
    assert response.context["figures"]["counts"]["open"] == 0


def test_an_agent_cannot_refresh_the_dashboard(agent_client, cached):
    response = agent_client.post(reverse("dashboard"))
    assert response.status_code == 302 and response.url == reverse("my_day")


def test_a_page_whose_counts_are_worked_out_again_stays_within_ten_queries(
    client, manager, team, agent, case, cached, django_assert_max_num_queries
):
    UserFactory(username="maria", teams=[team], role=Role.MANAGER)
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False) as clock:
        client.get(reverse("dashboard"))
        clock.shift(61)  # the counts are due again, the period's figures are not
        with django_assert_max_num_queries(10):
            assert client.get(reverse("dashboard")).status_code == 200
