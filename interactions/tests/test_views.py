import re
import uuid
import zoneinfo
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import CaseStatus
from interactions.models import Interaction, Mood
from interactions.services import interaction_log


def form_data(**overrides):
    data = {
        "channel": "call",
        "direction": "inbound",
        "mood": "angry",
        "summary": "She called about the double charge.",
        "duration_minutes": "12",
        "occurred_at": "",
        "request_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_case_page_shows_the_log_form_and_the_timeline(agent_client, case):
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert 'id="log-contact"' in page and 'id="timeline"' in page
    assert "Case opened" in page or "Nothing has happened on this case yet." in page


def test_logging_with_htmx_returns_a_fresh_form_and_the_new_timeline(agent_client, case, agent):
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]), form_data(), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    interaction = Interaction.objects.get()
    assert interaction.logged_by == agent and interaction.mood == Mood.ANGRY and interaction.duration_minutes == 12
    assert 'id="log-contact"' in html
    assert 'id="timeline"' in html and 'hx-swap-oob="true"' in html
    assert f'id="interaction-{interaction.pk}"' in html
    assert "She called about the double charge." in html


def test_logging_without_javascript_redirects_back_to_the_case(agent_client, case):
    response = agent_client.post(reverse("cases:log_interaction", args=[case.pk]), form_data())
    interaction = Interaction.objects.get()
    assert response.status_code == 302
    assert response.url == f"{case.get_absolute_url()}#interaction-{interaction.pk}"


def _log_fields(html: str) -> str:
    return html[html.index('<div id="div_id_channel"') : html.index('<button type="submit" class="btn btn-primary">')]


def test_the_blank_log_form_is_kept_drawn_for_the_minute_and_the_channel_it_shows(agent_client, case, agent):
    """The blank form's fields are kept drawn ("rows" cache) for what they show: the minute
    the "When" field starts at and the first channel (and the language)."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 15, 20, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")), tick=False):
        first = _log_fields(agent_client.get(case.get_absolute_url()).content.decode())
        assert 'value="2026-03-02T09:15"' in first and 'max="2026-03-02T09:15"' in first
        assert _log_fields(agent_client.get(case.get_absolute_url()).content.decode()) == first
    with time_machine.travel(datetime(2026, 3, 2, 9, 16, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")), tick=False):
        later = _log_fields(agent_client.get(case.get_absolute_url()).content.decode())
        assert 'value="2026-03-02T09:16"' in later and 'max="2026-03-02T09:16"' in later
        case.client.written_contact_only = True
        case.client.save()
        written = _log_fields(agent_client.get(case.get_absolute_url()).content.decode())
        assert '<option value="email" selected>' in written and '<option value="email" selected>' not in later


def test_logging_with_errors_keeps_what_was_typed_and_saves_nothing(agent_client, case):
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]),
        form_data(mood="", channel="pigeon", duration_minutes="-3", summary="Everything I typed"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Everything I typed" in html
    assert set(response.context["form"].errors) == {"mood", "channel", "duration_minutes"}
    assert not Interaction.objects.exists()


def test_logging_in_the_future_is_refused_with_a_field_error(agent_client, case):
    future = timezone.localtime(timezone.now() + timedelta(hours=2), zoneinfo.ZoneInfo("Europe/Paris"))
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]),
        form_data(occurred_at=future.strftime("%Y-%m-%dT%H:%M")),
    )
    assert response.status_code == 422
    assert "occurred_at" in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_the_time_typed_is_read_in_the_users_time_zone(agent_client, case):
    # alice works in Paris: 09:30 there on 2 July is 07:30 UTC (summer time).
    agent_client.post(reverse("cases:log_interaction", args=[case.pk]), form_data(occurred_at="2025-07-02T09:30"))
    assert Interaction.objects.get().occurred_at == datetime(2025, 7, 2, 7, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))


@pytest.mark.parametrize("local_time", ["2025-03-30T02:30", "2025-10-26T02:30"])
def test_a_time_skipped_or_repeated_by_a_clock_change_is_refused_clearly(agent_client, case, local_time):
    # In Paris 02:30 did not exist on 30 March 2025 and happened twice on 26 October 2025.
    response = agent_client.post(reverse("cases:log_interaction", args=[case.pk]), form_data(occurred_at=local_time))
    assert response.status_code == 422
    assert "occurred_at" in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_times_are_shown_in_the_users_time_zone(agent_client, case, agent):
    interaction_log(
        actor=agent,
        case=case,
        channel="call",
        direction="inbound",
        mood="calm",
        summary="Morning call",
        occurred_at=datetime(2025, 1, 15, 8, 5, tzinfo=zoneinfo.ZoneInfo("UTC")),
    )
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert "Wed 15 Jan 2025, 09:05" in page  # Paris is UTC+1 in winter


def test_double_submitting_the_log_form_logs_once(agent_client, case):
    data = form_data()
    url = reverse("cases:log_interaction", args=[case.pk])
    agent_client.post(url, data, headers={"HX-Request": "true"})
    agent_client.post(url, data, headers={"HX-Request": "true"})
    assert Interaction.objects.count() == 1


def test_logging_on_a_new_case_moves_it_to_in_progress(agent_client, case):
    agent_client.post(reverse("cases:log_interaction", args=[case.pk]), form_data())
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_there_is_no_way_to_edit_or_delete_an_interaction(agent_client, case, agent):
    from django.urls import get_resolver

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    assert not {n for n in names if "interaction" in n and ("edit" in n or "delete" in n)}


def test_correcting_an_entry_adds_a_new_one_and_keeps_the_original(agent_client, case, agent):
    original = interaction_log(
        actor=agent, case=case, channel="call", direction="inbound", mood="abusive", summary="Wrong mood"
    )
    url = reverse("cases:correct_interaction", args=[case.pk, original.pk])
    form = agent_client.get(url).context["form"]
    assert form.initial["summary"] == "Wrong mood"
    response = agent_client.post(url, form_data(mood="frustrated", summary="Mood was frustrated, not abusive."))
    correction = Interaction.objects.exclude(pk=original.pk).get()
    assert response.status_code == 302
    assert correction.corrects == original
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert "Wrong mood" in page and "Mood was frustrated, not abusive." in page
    assert f'Corrected by <a href="#interaction-{correction.pk}"' in page


def test_outsider_gets_404_on_the_correction_page(outsider_client, case, agent):
    original = interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="x")
    url = reverse("cases:correct_interaction", args=[case.pk, original.pk])
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, form_data()).status_code == 404
    assert Interaction.objects.count() == 1


def test_a_long_timeline_shows_the_newest_entries_and_loads_the_earlier_ones_when_asked(
    agent_client, case, agent, settings
):
    settings.CASEBOOK_TIMELINE_LIMIT = 3
    for i in range(7):
        interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary=f"Entry-{i}")
    # Newest first: Entry-6, 5, 4 (the case's opening entries are the oldest of all).
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert all(f"Entry-{i}<" in page for i in (6, 5, 4)) and "Entry-3<" not in page
    assert "Show earlier entries" in page
    shown = []
    url = re.search(r'href="(/cases/\d+/timeline/\d+/)"', page).group(1)
    while url:
        more = agent_client.get(url, headers={"HX-Request": "true"})
        assert more.status_code == 200
        html = more.content.decode()
        assert "<html" not in html and 'id="timeline"' not in html  # only the entries, under the shown ones
        shown += re.findall(r"Entry-(\d)<", html)
        found = re.search(r'href="(/cases/\d+/timeline/\d+/)"', html)
        url = found.group(1) if found else None
    assert shown == ["3", "2", "1", "0"]  # each once, in order
    # Without JavaScript the link is a page of its own.
    first = re.search(r'href="(/cases/\d+/timeline/\d+/)"', page).group(1)
    plain = agent_client.get(first).content.decode()
    assert "<html" in plain and "Entry-3<" in plain and "Entry-6<" not in plain


def test_earlier_timeline_entries_belong_to_the_case(agent_client, case, agent, customer):
    from clients.models import CaseEvent
    from clients.services import case_open

    interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="Mine")
    event = CaseEvent.objects.filter(case=case).first()
    assert agent_client.get(reverse("cases:timeline_earlier", args=[case.pk, event.pk])).status_code == 200
    other_case = case_open(actor=agent, client=customer, title="Another case", owner=agent)
    assert agent_client.get(reverse("cases:timeline_earlier", args=[other_case.pk, event.pk])).status_code == 404
    assert agent_client.get(f"/cases/{case.pk}/timeline/99999999999999999999999/").status_code == 404


def test_outsider_gets_404_on_earlier_timeline_entries(outsider_client, case, agent):
    from clients.models import CaseEvent

    interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="Mine")
    event = CaseEvent.objects.filter(case=case).first()
    assert outsider_client.get(reverse("cases:timeline_earlier", args=[case.pk, event.pk])).status_code == 404


def test_logging_on_a_case_in_progress_sends_only_the_new_entry(agent_client, case, agent):
    interaction_log(actor=agent, case=case, channel="call", direction="outbound", mood="calm", summary="First call")
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]),
        form_data(summary="Second call"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    new = Interaction.objects.get(summary="Second call")
    # A fresh form, and the new entry to go on top of the timeline; nothing else of the page.
    assert 'id="log-contact"' in html and 'name="summary"' in html and "Second call</textarea>" not in html
    assert 'hx-swap-oob="afterbegin:#timeline"' in html and f'id="interaction-{new.pk}"' in html
    assert "First call" not in html and 'id="timeline"' not in html and 'id="case-status-panel"' not in html


def test_a_contact_dated_earlier_sends_the_whole_timeline_in_order(agent_client, case, agent):
    interaction_log(actor=agent, case=case, channel="call", direction="outbound", mood="calm", summary="Latest call")
    earlier = timezone.localtime(timezone.now() - timedelta(days=2), zoneinfo.ZoneInfo("Europe/Paris"))
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]),
        form_data(summary="Call two days ago", occurred_at=earlier.strftime("%Y-%m-%dT%H:%M")),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'id="timeline"' in html and 'hx-swap-oob="true"' in html
    assert html.index("Latest call") < html.index("Call two days ago")


def test_an_inbound_contact_ends_the_wait_and_sends_the_status_panel_again(agent_client, case, agent):
    from clients.services import case_wait_on_client

    interaction_log(
        actor=agent, case=case, channel="call", direction="outbound", mood="calm", summary="Asked for a photo"
    )
    case_wait_on_client(actor=agent, case=case, waiting=True)
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]), form_data(), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    case.refresh_from_db()
    assert case.waiting_on_client_since is None
    assert 'id="case-status-panel" hx-swap-oob="true"' in html and "Wait on the client" in html


def _queries_of(client, url, data) -> tuple[int, str]:
    """Queries run by one logging request, transaction statements (savepoints) and the
    session (a deployment choice: from Redis or the database) aside."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data, headers={"HX-Request": "true"})
    statements = [q["sql"] for q in captured.captured_queries if '"django_session"' not in q["sql"]]
    return len([sql for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE"))]), response.content.decode()


def test_logging_a_contact_runs_the_same_few_queries_whatever_the_case_holds(agent_client, case, agent):
    url = reverse("cases:log_interaction", args=[case.pk])
    agent_client.post(url, form_data(), headers={"HX-Request": "true"})  # the case starts work
    small, _ = _queries_of(agent_client, url, form_data())
    case.refresh_from_db()
    for i in range(30):
        interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary=f"older-{i}")
    large, html = _queries_of(agent_client, url, form_data(summary="The newest"))
    assert large == small
    # The user, their permissions and teams, the case, the request key (read, then kept
    # with its answer: api.keys), the contact, its timeline entry and the
    # case's last activity (a contact dated by the user adds one: whether it is the newest
    # entry).
    assert small <= 8
    # ("older-29", not "c29": the form's random request key may hold "c29" as hex.)
    assert "The newest" in html and "older-29" not in html


def test_the_timeline_loads_each_kind_of_target_once_and_a_missing_one_as_nothing(agent, case):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clients.models import CaseEvent, CaseEventKind
    from interactions.selectors import case_timeline

    for n in range(3):
        interaction_log(
            actor=agent, case=case, channel="call", direction="inbound", mood=Mood.CALM, summary=f"Call {n}"
        )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEventKind.INTERACTION_LOGGED,
        actor=agent,
        occurred_at=timezone.now(),
        target_type=ContentType.objects.get_for_model(Interaction),
        target_id=10**9,  # no such contact
    )
    with CaptureQueriesContext(connection) as queries:
        events = case_timeline(case)
    contacts = [e.target for e in events if e.kind == CaseEventKind.INTERACTION_LOGGED]
    assert sorted(c.summary for c in contacts if c is not None) == ["Call 0", "Call 1", "Call 2"]
    assert contacts.count(None) == 1
    assert all(c.has_attachments is False for c in contacts if c is not None)
    assert len([q for q in queries if 'FROM "interactions_interaction"' in q["sql"]]) == 1


# --- An abusive contact goes to a manager at once, and the agent sees it -----------------

ESCALATED = "This contact was abusive: the case went to a manager for review."


def test_logging_an_abusive_contact_with_htmx_says_the_case_went_to_a_manager(agent_client, case, manager):
    interaction_log(actor=case.owner, case=case, channel="call", direction="outbound", mood="calm", summary="First")
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]),
        form_data(mood="abusive", summary="Shouted insults."),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert ESCALATED in html
    # The header's badge and the case's actions are sent again, showing the escalation.
    assert 'id="case-badges" class="d-flex flex-wrap gap-2 align-items-center" hx-swap-oob="true"' in html
    assert ">Escalated</span>" in html
    assert 'id="case-status-panel" hx-swap-oob="true"' in html
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED and case.escalations.count() == 1


def test_logging_an_abusive_contact_without_javascript_says_so_on_the_case_page(agent_client, case, manager):
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]), form_data(mood="abusive"), follow=True
    )
    html = response.content.decode()
    assert "Call logged." in html and ESCALATED in html
    assert case.escalations.count() == 1


def test_a_contact_that_is_not_abusive_says_nothing_of_a_manager(agent_client, case):
    response = agent_client.post(
        reverse("cases:log_interaction", args=[case.pk]), form_data(mood="angry"), headers={"HX-Request": "true"}
    )
    assert ESCALATED not in response.content.decode()
    assert not case.escalations.exists()
