"""The dashboard's figures, checked against a small hand-made data set with known answers."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from clients.models import Case, CaseStatus, RootCause, Temperament
from clients.tests.factories import CaseFactory, ClientFactory
from desk.reports import dashboard_figures, outcomes_by_temperament, percentile_cont, period_between
from escalations.models import Escalation, EscalationReason
from interactions.models import FollowUp, FollowUpKind, FollowUpStatus, Mood, SatisfactionSurvey
from interactions.tests.factories import InteractionFactory
from playbooks.models import Concession, ConcessionKind, ConcessionStatus

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday


def at(month, day, hour=0):
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _case(team, owner, *, temperament=Temperament.COMPLAINER, opened, resolved=None, status=None, cause=None):
    client = ClientFactory(team=team, temperament=temperament)
    return CaseFactory(
        client=client,
        owner=owner,
        opened_at=opened,
        resolved_at=resolved,
        status=status or (CaseStatus.RESOLVED if resolved else CaseStatus.IN_PROGRESS),
        root_cause=cause or RootCause.COMMUNICATION_BREAKDOWN,
    )


def _rating(case, rating, when):
    follow_up = FollowUp.objects.create(
        case=case,
        owner=case.owner,
        kind=FollowUpKind.SATISFACTION_CHECK,
        due_at=when,
        status=FollowUpStatus.DONE,
        completed_at=when,
    )
    SatisfactionSurvey.objects.create(case=case, follow_up=follow_up, sent_at=when, rating=rating, rated_at=when)


def _concession(case, kind, value, status):
    concession = Concession.objects.create(
        case=case,
        client=case.client,
        kind=kind,
        value=value,
        currency="EUR" if value is not None else "",
        status=status,
        created_by=case.owner,
    )
    Concession.objects.filter(pk=concession.pk).update(created_at=at(3, 12))


@pytest.fixture
def known(team, other_team, agent, teammate, outsider):
    """Four resolved complainer cases (4, 10, 24 and 312 hours), one open, one escalated,
    and one resolved case in another team that must never count."""
    a = _case(team, agent, opened=at(3, 2, 9), resolved=at(3, 2, 19))  # 10 h
    b = _case(team, agent, opened=at(3, 3), resolved=at(3, 4))  # 24 h
    c = _case(team, teammate, opened=at(3, 10), resolved=at(3, 10, 4), cause=RootCause.OTHER)  # 4 h
    _case(team, agent, opened=at(2, 20), resolved=at(3, 5))  # 312 h, opened before the period
    d = _case(team, agent, temperament=Temperament.ANGRY, opened=at(3, 10))
    e = _case(team, teammate, opened=at(3, 11), status=CaseStatus.ESCALATED)
    f = _case(other_team, outsider, opened=at(3, 10), resolved=at(3, 10, 1))
    FollowUp.objects.create(case=d, owner=agent, kind=FollowUpKind.CALL_BACK, due_at=at(3, 17))  # overdue
    FollowUp.objects.create(case=a, owner=agent, kind=FollowUpKind.CALL_BACK, due_at=at(3, 17))  # case resolved
    FollowUp.objects.create(case=e, owner=teammate, kind=FollowUpKind.CALL_BACK, due_at=at(3, 20))  # not yet due
    for case, rating in [(a, 5), (b, 3), (c, 4), (f, 1)]:
        _rating(case, rating, at(3, 12))
    _concession(a, ConcessionKind.REFUND, Decimal("20"), ConcessionStatus.GRANTED)
    _concession(b, ConcessionKind.REFUND, Decimal("30"), ConcessionStatus.APPROVED)
    _concession(c, ConcessionKind.REFUND, Decimal("100"), ConcessionStatus.PENDING)
    _concession(a, ConcessionKind.APOLOGY, None, ConcessionStatus.GRANTED)
    _concession(f, ConcessionKind.REFUND, Decimal("999"), ConcessionStatus.GRANTED)
    for case, reason, when in [
        (e, EscalationReason.CANNOT_RESOLVE, at(3, 11)),
        (d, EscalationReason.CANNOT_RESOLVE, at(3, 12)),
        (a, EscalationReason.ABUSIVE_CLIENT, at(3, 3)),
        (f, EscalationReason.ABUSIVE_CLIENT, at(3, 12)),
    ]:
        Escalation.objects.create(case=case, reason=reason, raised_at=when)
    # Three hostile contacts for the agent today (the team's default limit is 3), one for the teammate yesterday.
    for hour, mood in [(8, Mood.ANGRY), (9, Mood.ABUSIVE), (10, Mood.ANGRY)]:
        InteractionFactory(case=d, logged_by=agent, mood=mood, occurred_at=at(3, 18, hour))
    InteractionFactory(case=d, logged_by=agent, mood=Mood.FRUSTRATED, occurred_at=at(3, 18, 11))
    InteractionFactory(case=e, logged_by=teammate, mood=Mood.ANGRY, occurred_at=at(3, 17, 15))
    return {"a": a, "d": d, "e": e}


@pytest.fixture
def figures(known, team):
    with timezone.override("UTC"):
        return dashboard_figures(
            teams=Team.objects.filter(pk=team.pk), period=period_between(date(2026, 3, 2), date(2026, 3, 18)), now=NOW
        )


def test_counts_of_open_escalated_and_overdue_cases(figures):
    assert figures["counts"] == {"open": 2, "escalated": 1, "overdue": 1}


def test_cases_opened_and_resolved_per_week(figures):
    assert figures["weeks"] == [
        {"week": date(2026, 3, 2), "opened": 2, "resolved": 3},
        {"week": date(2026, 3, 9), "opened": 3, "resolved": 1},
    ]


def test_resolution_time_median_and_90th_percentile_by_temperament_and_root_cause(figures):
    # 4, 10, 24, 312 hours: median (10 + 24) / 2; 90th percentile 24 + 0.7 * (312 - 24).
    assert [(r["key"], r["count"], r["median"], r["p90"]) for r in figures["by_temperament"]] == [
        (Temperament.COMPLAINER, 4, 17.0, 225.6)
    ]
    assert [(r["key"], r["count"], r["median"], r["p90"]) for r in figures["by_root_cause"]] == [
        (RootCause.COMMUNICATION_BREAKDOWN, 3, 24.0, 254.4),
        (RootCause.OTHER, 1, 4.0, 4.0),
    ]


def test_the_sqlite_fallback_interpolates_like_postgresql():
    assert percentile_cont([312, 4, 24, 10], 0.5) == 17
    assert percentile_cont([312, 4, 24, 10], 0.9) == pytest.approx(225.6)
    assert percentile_cont([], 0.5) is None


def test_satisfaction_concessions_and_escalations(figures):
    assert [row["count"] for row in figures["ratings"]] == [0, 0, 1, 1, 1]
    assert figures["rating_average"] == 4
    assert [(r["kind"], r["count"], r["value"]) for r in figures["concessions"]] == [
        (ConcessionKind.APOLOGY, 1, None),
        (ConcessionKind.REFUND, 2, Decimal("50")),
    ]
    assert [(r["reason"], r["count"]) for r in figures["escalations"]] == [
        (EscalationReason.CANNOT_RESOLVE, 2),
        (EscalationReason.ABUSIVE_CLIENT, 1),
    ]


def test_discounts_in_percent_are_counted_apart_and_not_summed(known, team):
    for percent in ("10", "15"):
        concession = Concession.objects.create(
            case=known["a"],
            client=known["a"].client,
            kind=ConcessionKind.DISCOUNT,
            value=Decimal(percent),
            unit="percent",
            status=ConcessionStatus.GRANTED,
            created_by=known["a"].owner,
        )
        Concession.objects.filter(pk=concession.pk).update(created_at=at(3, 12))
    with timezone.override("UTC"):
        figures = dashboard_figures(
            teams=Team.objects.filter(pk=team.pk), period=period_between(date(2026, 3, 2), date(2026, 3, 18)), now=NOW
        )
    discounts = [(r["unit"], r["count"], r["value"]) for r in figures["concessions"] if r["kind"] == "discount"]
    assert discounts == [("percent", 2, None)]


def test_per_agent_open_cases_follow_ups_due_and_hostile_contacts_today(figures, agent, teammate):
    rows = {row["user"].username: row for row in figures["agents"]}
    # alice's two promises due yesterday both count, also the one on a case resolved since.
    assert (rows["alice"]["open_cases"], rows["alice"]["follow_ups_due"], rows["alice"]["hostile_today"]) == (1, 2, 3)
    assert rows["alice"]["needs_break"] is True
    assert (rows["bob"]["open_cases"], rows["bob"]["follow_ups_due"], rows["bob"]["hostile_today"]) == (1, 0, 0)
    assert rows["bob"]["needs_break"] is False
    assert "charlie" not in rows


def test_outcomes_by_temperament_are_the_agents_own(known, agent):
    rows = outcomes_by_temperament(agent=agent, cases=Case.objects.all())
    # alice resolved a (10 h, rated 5), b (24 h, rated 3) and g (312 h, unrated).
    assert [(r["key"], r["count"], r["median"], r["satisfaction"]) for r in rows] == [
        (Temperament.COMPLAINER, 3, 24.0, 4)
    ]


def test_the_manager_sees_the_dashboard_with_a_kind_flag(client, manager, known):
    client.force_login(manager)
    page = client.get(reverse("dashboard"), {"start": "2026-03-02", "end": "2026-03-18"})
    assert page.status_code == 200
    assert b'id="dashboard-data"' in page.content
    assert b'data-label="Median time">17 hours</td>' in page.content


def test_an_agent_is_sent_to_my_day_and_sees_a_kind_suggestion_after_a_hard_day(agent_client, agent, case):
    for _ in range(3):
        InteractionFactory(case=case, logged_by=agent, mood=Mood.ABUSIVE)
    response = agent_client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url == reverse("my_day")
    page = agent_client.get(response.url).content.decode()
    assert "take the next difficult case" in page and "3 angry or abusive contacts" in page


def test_the_date_range_must_be_in_order(client, manager):
    client.force_login(manager)
    response = client.get(reverse("dashboard"), {"start": "2026-03-18", "end": "2026-03-02"})
    assert response.status_code == 422


def test_a_manager_cannot_filter_on_another_team(client, manager, other_team):
    client.force_login(manager)
    response = client.get(reverse("dashboard"), {"team": other_team.pk})
    assert response.status_code == 422


def test_outcomes_are_private_to_the_agent_and_their_managers(client, agent, teammate, manager, outsider):
    client.force_login(agent)
    assert client.get(reverse("my_outcomes")).status_code == 200
    assert client.get(reverse("team_outcomes", args=[teammate.pk])).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("team_outcomes", args=[agent.pk])).status_code == 200
    assert client.get(reverse("team_outcomes", args=[outsider.pk])).status_code == 404


def test_the_client_page_charts_the_mood_of_their_latest_contacts(agent_client, case):
    InteractionFactory(case=case, mood=Mood.CALM, occurred_at=at(3, 1))
    InteractionFactory(case=case, mood=Mood.ABUSIVE, occurred_at=at(3, 2))
    page = agent_client.get(case.client.get_absolute_url())
    assert page.context["mood"]["levels"] == [1, 4]
    assert b'id="client-mood-data"' in page.content and b"Complainer</span>" in page.content


def test_the_figures_are_kept_for_a_few_minutes_and_show_their_age(client, manager, team, settings):
    from django.core.cache import cache

    settings.CASEBOOK_DASHBOARD_CACHE_SECONDS = 60
    client.force_login(manager)
    first = client.get(reverse("dashboard"))
    CaseFactory(client=ClientFactory(team=team), owner=manager)
    again = client.get(reverse("dashboard"))
    cache.clear()
    assert first.context["figures"]["counts"]["open"] == again.context["figures"]["counts"]["open"] == 0
    assert again.context["computed_at"] == first.context["computed_at"]
    assert b"Figures as of" in again.content


def test_root_causes_with_their_outcomes(known, team):
    from desk.reports import root_cause_outcomes

    rows = root_cause_outcomes(
        teams=Team.objects.filter(pk=team.pk), period=period_between(date(2026, 3, 2), date(2026, 3, 18))
    )
    # Communication breakdown: a (10 h, rated 5, refund 20 + apology), b (24 h, rated 3, refund 30), g (312 h).
    assert [
        (r["key"], r["count"], r["median"], r["satisfaction"], r["concessions"], r["concession_value"]) for r in rows
    ] == [
        (RootCause.COMMUNICATION_BREAKDOWN, 3, 24.0, 4, 3, "50.00 EUR"),
        (RootCause.OTHER, 1, 4.0, 4, 0, ""),
    ]


def test_the_root_cause_report_is_for_managers(client, manager, agent_client):
    assert agent_client.get(reverse("root_causes")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("root_causes")).status_code == 200
