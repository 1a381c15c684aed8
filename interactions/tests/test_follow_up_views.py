"""Pages: the follow-up panel on the case, My day, the summary form, notices; scope and query counts."""

import re
import zoneinfo
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Notice
from accounts.services import notice_send
from clients.tests.factories import CaseFactory
from clients.tests.test_query_counts import count_queries
from interactions.models import FollowUp, FollowUpKind, FollowUpStatus, OutgoingEmail
from interactions.selectors import promises_kept
from interactions.services import follow_up_complete, follow_up_reschedule, follow_up_schedule, interaction_log

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _follow_up(agent, case, *, hours=2, kind=FollowUpKind.INTERNAL_CHECK, note="Check the invoice"):
    return follow_up_schedule(
        actor=agent, case=case, kind=kind, due_at=timezone.now() + timedelta(hours=hours), note=note
    )


def _next_january(day: int) -> date:
    """A winter date (Paris is UTC+1) in the future on whatever day the tests run."""
    return date(timezone.now().year + 1, 1, day)


def test_the_case_page_shows_its_follow_ups_and_the_schedule_form(agent_client, agent, case):
    _follow_up(agent, case, note="Ring the depot")
    response = agent_client.get(case.get_absolute_url())
    assert b"Ring the depot" in response.content
    assert reverse("cases:follow_up_create", args=[case.pk]).encode() in response.content


def test_scheduling_from_the_case_page_typed_in_the_agents_zone(agent_client, agent, case):
    response = agent_client.post(
        reverse("cases:follow_up_create", args=[case.pk]),
        {"kind": "call_back", "due_at": f"{_next_january(15)}T10:00", "note": "Call back", "owner": ""},
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert follow_up.due_at.hour == 9  # 10:00 in Paris in winter is 09:00 UTC


def test_a_refused_follow_up_re_renders_with_errors_and_saves_nothing(agent_client, case):
    response = agent_client.post(
        reverse("cases:follow_up_create", args=[case.pk]),
        {"kind": "call_back", "due_at": "2001-01-01T10:00", "note": "", "owner": ""},
    )
    assert response.status_code == 422
    assert not FollowUp.objects.exists()


def test_done_from_my_day_returns_to_my_day(agent_client, agent, case):
    follow_up = _follow_up(agent, case)
    response = agent_client.post(
        reverse("cases:follow_up_done", args=[follow_up.pk]), {"fulfilled_by": "", "next": "/my-day/"}
    )
    assert response.status_code == 302 and response["Location"] == "/my-day/"
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE


def _options(html: str) -> dict[str, str]:
    """A page's menu options, by value, as the user reads them."""
    return {value: unescape(label) for value, label in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', html)}


def _call_before_the_promise(agent, case):
    """The client's call that led to the promise, two hours before it was made."""
    return interaction_log(
        actor=agent,
        case=case,
        channel="call",
        direction="inbound",
        mood="calm",
        summary="Asked us to call back",
        occurred_at=timezone.now() - timedelta(hours=2),
    )


def test_the_done_page_offers_the_contacts_since_the_promise_in_the_agents_time(agent_client, agent, case):
    earlier = _call_before_the_promise(agent, case)
    follow_up = _follow_up(agent, case, kind=FollowUpKind.CALL_BACK)
    first = interaction_log(
        actor=agent, case=case, channel="email", direction="outbound", mood="calm", summary="Sent the form"
    )
    summary = "Called back: the technician comes on Friday at nine, and she will be home to let him in."
    kept = interaction_log(actor=agent, case=case, channel="call", direction="outbound", mood="calm", summary=summary)

    response = agent_client.get(reverse("cases:follow_up_done", args=[follow_up.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    options = _options(html)
    assert str(earlier.pk) not in options  # made before the promise
    assert [value for value in options if value] == [str(kept.pk), str(first.pk)]  # newest first
    label = options[str(kept.pk)]
    paris = timezone.localtime(kept.occurred_at, PARIS)
    assert label.startswith(date_format(paris, "D j M Y, H:i"))  # the agent's zone, not UTC
    assert f"{kept.occurred_at:%H:%M}" not in label
    assert "Call, to the client" in label
    assert "Called back: the technician comes on Friday" in label and label.endswith("…")
    assert "let him in" not in label
    assert "Times in Europe/Paris" in html


def test_marking_done_with_a_contact_from_before_the_promise_is_refused(agent_client, agent, case):
    earlier = _call_before_the_promise(agent, case)
    follow_up = _follow_up(agent, case, kind=FollowUpKind.CALL_BACK)
    response = agent_client.post(reverse("cases:follow_up_done", args=[follow_up.pk]), {"fulfilled_by": earlier.pk})
    assert response.status_code == 422
    assert "since the promise" in response.context["form"].errors["fulfilled_by"][0]
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.PENDING


def test_an_off_site_next_is_ignored(agent_client, agent, case):
    follow_up = _follow_up(agent, case)
    response = agent_client.post(
        reverse("cases:follow_up_cancel", args=[follow_up.pk]), {"note": "", "next": "https://evil.example/"}
    )
    assert response["Location"] == case.get_absolute_url()


def test_reschedule_from_a_page(agent_client, agent, case):
    follow_up = _follow_up(agent, case)
    response = agent_client.post(
        reverse("cases:follow_up_reschedule", args=[follow_up.pk]),
        {"due_at": f"{_next_january(1) + timedelta(days=31)}T08:00", "note": "Later"},  # a 1 February: winter
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.due_at.hour == 7


@pytest.mark.parametrize("name", ["follow_up_done", "follow_up_reschedule", "follow_up_cancel"])
def test_an_outsider_gets_404_on_follow_up_actions(outsider_client, agent, case, name):
    follow_up = _follow_up(agent, case)
    assert outsider_client.get(reverse(f"cases:{name}", args=[follow_up.pk])).status_code == 404
    assert outsider_client.post(reverse(f"cases:{name}", args=[follow_up.pk]), {}).status_code == 404


@pytest.mark.parametrize("name", ["follow_up_create", "client_summary"])
def test_an_outsider_gets_404_on_case_actions(outsider_client, case, name):
    assert outsider_client.get(reverse(f"cases:{name}", args=[case.pk])).status_code == 404


def test_my_day_splits_overdue_today_and_upcoming(agent_client, agent, case):
    overdue = _follow_up(agent, case, note="Overdue one")
    FollowUp.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(hours=1))
    _follow_up(agent, case, hours=24 * 3, note="Upcoming one")
    response = agent_client.get(reverse("my_day"))
    assert response.context["overdue"] == [overdue]
    assert [f.note for f in response.context["upcoming"]] == ["Upcoming one"]
    assert b"Overdue one" in response.content


def test_my_day_queries_do_not_grow(agent_client, agent, team):
    def add(n):
        for _ in range(n):
            case = CaseFactory(client__team=team, owner=agent)
            _follow_up(agent, case, hours=5)

    add(3)
    small = count_queries(agent_client, reverse("my_day"))
    add(30)
    assert count_queries(agent_client, reverse("my_day")) == small


def test_the_summary_form_writes_one_outgoing_email_to_the_client(agent_client, case):
    page = agent_client.get(reverse("cases:client_summary", args=[case.pk]))
    key = page.context["form"].initial["request_key"]
    data = {"subject": "Our call", "body": "We agreed on Friday.", "request_key": key}
    agent_client.post(reverse("cases:client_summary", args=[case.pk]), data)
    agent_client.post(reverse("cases:client_summary", args=[case.pk]), data)
    email = OutgoingEmail.objects.get()
    assert email.to_email == "greta@example.com" and email.subject == "Our call"


def test_notices_show_an_unread_badge_and_are_marked_read(agent_client, agent):
    notice_send(user=agent, message="Due soon: call back", url="/my-day/")
    page = agent_client.get(reverse("dashboard"), follow=True)
    assert b"1 unread" in page.content
    response = agent_client.get(reverse("accounts:notices"))
    assert b"Due soon: call back" in response.content
    after = agent_client.post(reverse("accounts:notices"), follow=True)
    assert not Notice.objects.filter(read_at=None).exists()
    assert b"unread" not in after.content


def test_the_unread_badge_is_read_with_the_signed_in_user(agent_client, agent):
    for n in range(3):
        notice_send(user=agent, message=f"Notice {n}")
    agent_client.get(reverse("dashboard"), follow=True)  # reads the user and the count into the cache
    with CaptureQueriesContext(connection) as queries:
        page = agent_client.get(reverse("dashboard"), follow=True)
    assert b"3 unread" in page.content
    assert not [q for q in queries if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "accounts_notice"')]


def test_promises_kept_counts_done_on_time_over_all_that_came_due(agent, teammate, case, settings):
    settings.CASEBOOK_OVERDUE_GRACE_MINUTES = 60
    kept = _follow_up(agent, case)
    follow_up_complete(actor=agent, follow_up=kept)
    missed = _follow_up(agent, case)
    cancelled = _follow_up(agent, case)
    mate = _follow_up(agent, case)
    FollowUp.objects.filter(pk=cancelled.pk).update(status=FollowUpStatus.CANCELLED)
    FollowUp.objects.filter(pk=mate.pk).update(owner=teammate)
    past = timezone.now() - timedelta(hours=3)
    FollowUp.objects.filter(pk__in=[kept.pk, missed.pk, cancelled.pk, mate.pk]).update(due_at=past)
    FollowUp.objects.filter(pk=kept.pk).update(completed_at=past + timedelta(minutes=30))
    rates = promises_kept(agent)
    assert rates["mine"] == {"kept": 1, "due": 2, "rate": 50}
    assert rates["team"] == {"kept": 1, "due": 3, "rate": 33}


def test_promises_kept_counts_only_the_window(agent, case, settings):
    settings.CASEBOOK_PROMISES_WINDOW_DAYS = 90
    old, recent = _follow_up(agent, case), _follow_up(agent, case)
    FollowUp.objects.filter(pk=old.pk).update(due_at=timezone.now() - timedelta(days=91))
    FollowUp.objects.filter(pk=recent.pk).update(due_at=timezone.now() - timedelta(days=89))
    rates = promises_kept(agent)
    assert rates["mine"]["due"] == 1
    assert rates["team"]["due"] == 1
    assert rates["days"] == 90


def test_the_teams_figure_is_kept_while_the_users_own_is_read_fresh(agent, teammate, case, settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CASEBOOK_PROMISES_TEAM_CACHE_SECONDS = 60
    cache.delete_many([f"promises-kept:{settings.CASEBOOK_PROMISES_WINDOW_DAYS}:{case.team_id}"])
    past = timezone.now() - timedelta(hours=3)
    mine, theirs = _follow_up(agent, case), _follow_up(agent, case)
    FollowUp.objects.filter(pk=theirs.pk).update(owner=teammate)
    FollowUp.objects.filter(pk__in=[mine.pk, theirs.pk]).update(due_at=past)
    assert promises_kept(agent)["team"]["due"] == 2
    later = _follow_up(agent, case)
    FollowUp.objects.filter(pk=later.pk).update(due_at=past)
    with CaptureQueriesContext(connection) as queries:
        rates = promises_kept(agent)
    assert len(queries) == 1
    assert rates["mine"]["due"] == 2  # read fresh
    assert rates["team"]["due"] == 2  # kept: the new one shows within the cache time
    cache.delete_many([f"promises-kept:{settings.CASEBOOK_PROMISES_WINDOW_DAYS}:{case.team_id}"])


def test_the_users_own_figure_is_kept_until_they_move_a_follow_up(
    agent, case, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    settings.CASEBOOK_PROMISES_TEAM_CACHE_SECONDS = settings.CASEBOOK_PROMISES_MINE_CACHE_SECONDS = 60
    keys = [f"promises-kept:{settings.CASEBOOK_PROMISES_WINDOW_DAYS}:{case.team_id}", f"promises-kept:mine:{agent.pk}"]
    cache.delete_many(keys)
    try:
        due = _follow_up(agent, case)
        FollowUp.objects.filter(pk=due.pk).update(due_at=timezone.now() - timedelta(hours=3))
        assert promises_kept(agent)["mine"] == {"kept": 0, "due": 1, "rate": 0}
        with CaptureQueriesContext(connection) as queries:
            assert promises_kept(agent)["mine"]["due"] == 1
        assert len(queries) == 0  # both figures kept
        with django_capture_on_commit_callbacks(execute=True):
            follow_up_reschedule(
                actor=agent, follow_up=FollowUp.objects.get(pk=due.pk), due_at=timezone.now() + timedelta(days=1)
            )
        with CaptureQueriesContext(connection) as queries:
            mine = promises_kept(agent)["mine"]
        assert len(queries) == 1  # the user's own, read again
        assert mine == {"kept": 0, "due": 0, "rate": None}  # no longer due
    finally:
        cache.delete_many(keys)


def test_the_case_list_header_shows_the_promises_kept_rate(agent_client):
    response = agent_client.get(reverse("cases:list"))
    assert b"Promises kept" in response.content


def test_every_follow_up_event_renders_on_the_case_timeline(agent_client, agent, case):
    from clients.services import case_event_record
    from interactions.outbox import outgoing_email_failed
    from interactions.services import client_summary_send, follow_up_cancel, follow_up_reschedule

    done = _follow_up(agent, case, note="done one")
    follow_up_complete(actor=agent, follow_up=done)
    moved = _follow_up(agent, case, note="moved one")
    follow_up_reschedule(actor=agent, follow_up=moved, due_at=timezone.now() + timedelta(days=2), note="Later <b>")
    follow_up_cancel(actor=agent, follow_up=_follow_up(agent, case), note="Not needed")
    email = client_summary_send(actor=agent, case=case, subject="Our <call>", body="Text")
    email.last_error = "550 No such mailbox"
    outgoing_email_failed(email=email)
    missed = _follow_up(agent, case)
    case_event_record(case=case, kind="follow_up_missed", actor=None, target=missed)
    case_event_record(case=case, kind="satisfaction_rated", actor=None, data={"rating": 2})
    response = agent_client.get(case.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    expected = ["kept the promise", "moved", "cancelled", "a written summary", "Not delivered", "Missed", "2 out of 5"]
    for text in expected:
        assert text in content, text
    assert "Later <b>" not in content and "Our <call>" not in content  # escaped


def test_case_page_queries_do_not_grow_with_follow_ups(agent_client, agent, case):
    for _ in range(3):
        _follow_up(agent, case)
    small = count_queries(agent_client, case.get_absolute_url())
    for _ in range(20):
        _follow_up(agent, case)
    assert count_queries(agent_client, case.get_absolute_url()) == small


def test_follow_up_entries_on_the_case_file_cost_no_query_each(agent_client, agent, case):
    url = reverse("cases:file", args=[case.pk])
    for _ in range(2):
        _follow_up(agent, case)
    few = count_queries(agent_client, url)
    for _ in range(6):
        _follow_up(agent, case)
    assert count_queries(agent_client, url) == few


def test_the_promises_kept_figure_says_when_a_promise_starts_to_count(agent_client, settings):
    settings.CASEBOOK_OVERDUE_GRACE_MINUTES = 45
    page = agent_client.get(reverse("my_day")).content.decode()
    assert "a promise counts once 45 minutes after its due time have passed (its grace period)" in page
