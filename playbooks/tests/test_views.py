"""The playbook on the case page, the managers' pages, and team scope."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import CaseStatus
from playbooks.models import (
    CasePlaybook,
    Concession,
    ConcessionLimit,
    ConcessionStatus,
    Playbook,
    SavedReply,
    StepRecord,
)
from playbooks.services import concession_limit_set, concession_offer, saved_reply_save

from .factories import complete_current, current_step


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def builtin(temperament):
    return next(p for p in Playbook.objects.filter(team=None) if p.temperaments == [temperament])


def test_case_page_shows_each_step_open_in_turn(agent_client, case, agent):
    for _ in range(6):
        step = current_step(case)
        response = agent_client.get(case.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert f'id="step-{step.pk}"' in html and "Current step" in html
        assert step.guidance.split(".")[0] in html
        complete_current(case, agent)
    html = agent_client.get(case.get_absolute_url()).content.decode()
    assert "Every step is done" in html and "6 of 6 steps done" in html


def test_agent_completes_the_pinpoint_step_from_the_page(agent_client, case):
    step = current_step(case)
    response = agent_client.post(
        reverse("cases:step_complete", args=[case.pk, step.pk]),
        {"step-problem": "Two missed visits", "step-root_cause": "communication_breakdown"},
    )
    assert response.status_code == 302
    record = StepRecord.objects.get()
    assert record.outcome["problem"] == "Two missed visits"
    case.refresh_from_db()
    assert case.root_cause == "communication_breakdown"


def test_invalid_step_shows_errors_and_saves_nothing(agent_client, case):
    step = current_step(case)
    response = agent_client.post(reverse("cases:step_complete", args=[case.pk, step.pk]), {"step-problem": ""})
    assert response.status_code == 422
    assert not StepRecord.objects.exists()


def test_skip_without_reason_is_refused_with_422(agent_client, case):
    step = current_step(case)
    response = agent_client.post(reverse("cases:step_skip", args=[case.pk, step.pk]), {"skip-reason": ""})
    assert response.status_code == 422
    response = agent_client.post(reverse("cases:step_skip", args=[case.pk, step.pk]), {"skip-reason": "Known"})
    assert response.status_code == 302 and StepRecord.objects.get().skip_reason == "Known"


def test_agent_switches_playbook_from_the_page(agent_client, case):
    angry = builtin("angry")
    response = agent_client.post(reverse("cases:playbook_choose", args=[case.pk]), {"playbook": angry.pk})
    assert response.status_code == 302
    assert CasePlaybook.objects.get(case=case).version.playbook == angry
    assert "Let them vent" in agent_client.get(case.get_absolute_url()).content.decode()


def test_concession_above_limit_from_the_page_then_manager_decides(agent_client, client, case, manager, team):
    concession_limit_set(actor=manager, team=team, kind="refund", max_value=Decimal("10"))
    response = agent_client.post(
        reverse("cases:concession_add", args=[case.pk]),
        {"concession-kind": "refund", "concession-value": "25", "concession-currency": "EUR"},
    )
    assert response.status_code == 302
    concession = Concession.objects.get()
    assert concession.status == ConcessionStatus.PENDING
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    url = reverse("cases:concession_decide", args=[case.pk, concession.pk])
    assert agent_client.post(url, {"decide-decision": "approve"}).status_code == 404  # agents cannot decide
    client.force_login(manager)
    assert "Decide" in client.get(case.get_absolute_url()).content.decode()
    assert client.post(url, {"decide-decision": "approve", "decide-note": "ok"}).status_code == 302
    concession.refresh_from_db()
    assert concession.status == ConcessionStatus.APPROVED


def test_compromise_step_shows_earlier_concessions_and_fault(agent_client, case, agent):
    from clients.tests.factories import CaseFactory

    older = CaseFactory(client=case.client, owner=agent)
    concession_offer(actor=agent, case=older, kind="discount", value=Decimal("15"), currency="EUR")
    for _ in range(3):
        complete_current(case, agent)
    response = agent_client.post(
        reverse("cases:fault_record", args=[case.pk]), {"fault-at_fault": "partly", "fault-note": "late engineer"}
    )
    assert response.status_code == 302
    html = agent_client.get(case.get_absolute_url()).content.decode()
    assert "earlier concessions" in html and f"case #{older.pk}" in html
    assert "at fault partly" in html


def test_document_step_offers_a_summary_from_the_record_and_saved_replies(agent_client, case, agent, manager, team):
    reply = saved_reply_save(
        actor=manager,
        team=team,
        title="Summary close",
        body="Dear {client_name}, {agent_name} here.",
        step_kind="document",
    )
    for _ in range(4):
        complete_current(case, agent)
    html = agent_client.get(case.get_absolute_url()).content.decode()
    assert "Problem: The engineer missed two visits." in html
    assert "Agreed solution: Priority visit tomorrow" in html
    assert "Summary close" in html
    rendered = agent_client.get(reverse("cases:reply_render", args=[case.pk, reply.pk]))
    assert rendered.content.decode() == f"Dear {case.client.name}, {agent} here."


def test_saved_reply_preview_for_a_contact_note_carries_the_phrasing_check(agent_client, case, manager, team):
    reply = saved_reply_save(actor=manager, team=team, title="Policy", body="It's our policy, {client_name}.")
    assert "Saved reply for the contact note" in agent_client.get(case.get_absolute_url()).content.decode()
    preview = agent_client.get(reverse("cases:reply_render", args=[case.pk, reply.pk]), HTTP_HX_REQUEST="true")
    html = preview.content.decode()
    assert f"It&#x27;s our policy, {case.client.name}." in html
    assert "Wording to reconsider" in html and "Insert into the contact summary" in html


def test_saved_reply_of_another_team_is_404(agent_client, case, other_team):
    from accounts.roles import Role
    from accounts.tests.factories import UserFactory

    foreign = saved_reply_save(
        actor=UserFactory(teams=[other_team], role=Role.MANAGER), team=other_team, title="t", body="b"
    )
    assert agent_client.get(reverse("cases:reply_render", args=[case.pk, foreign.pk])).status_code == 404


def test_phrasing_check_endpoint_warns(agent_client):
    url = reverse("phrasing_check") + "?field=step-summary"
    response = agent_client.post(url, {"step-summary": "Please calm down."}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "calm down" in response.content.decode()
    assert "Wording" not in agent_client.post(url, {"step-summary": "Thank you."}).content.decode()


def test_coaching_panel_shows_hostile_guidance_after_a_hostile_contact(agent_client, case, agent):
    from interactions.services import interaction_log

    html = agent_client.get(case.get_absolute_url()).content.decode()
    assert 'id="coaching-hostile" class="border border-danger rounded p-2 d-none"' in html
    interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="abusive", summary="Shouting")
    html = agent_client.get(case.get_absolute_url()).content.decode()
    assert 'id="coaching-hostile" class="border border-danger rounded p-2"' in html
    assert "hand over to a manager" in html


def test_case_file_is_printable(agent_client, case, agent):
    for _ in range(6):
        complete_current(case, agent)
    response = agent_client.get(reverse("cases:file", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "css/case_file.css" in html and "Agreed a priority visit tomorrow morning." in html
    assert 'style="' not in html


# --- Managers ------------------------------------------------------------------------


def test_manager_edits_a_builtin_into_a_team_copy(manager_client, team):
    playbook = builtin("demander")
    url = reverse("playbooks:edit", args=[playbook.pk]) + f"?team={team.pk}"
    assert manager_client.get(url).status_code == 200
    data = {
        "name": "Demander (Care)",
        "temperaments": ["demander"],
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "2",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        "steps-0-kind": "pinpoint", "steps-0-title": "Listen", "steps-0-guidance": "g", "steps-0-ORDER": "2",
        "steps-1-kind": "compromise", "steps-1-title": "Drop me", "steps-1-guidance": "g", "steps-1-ORDER": "3",
        "steps-1-DELETE": "on",
        "steps-2-kind": "common_ground", "steps-2-title": "Agree", "steps-2-guidance": "g", "steps-2-ORDER": "1",
    }  # fmt: skip
    response = manager_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    copy = Playbook.objects.get(team=team)
    steps = list(copy.versions.get().steps.order_by("position").values_list("title", flat=True))
    assert steps == ["Agree", "Listen"]
    assert manager_client.get(reverse("playbooks:list")).status_code == 200


def test_manager_sets_limits_and_saved_replies(manager_client, team):
    response = manager_client.post(reverse("playbooks:limits") + f"?team={team.pk}", {"refund": "40", "discount": ""})
    assert response.status_code == 302
    assert ConcessionLimit.objects.get(team=team).max_value == Decimal("40")
    response = manager_client.post(
        reverse("playbooks:reply_create"),
        {
            "team": team.pk,
            "title": "Calm",
            "body": "Please calm down, {client_name}.",
            "temperament": "",
            "step_kind": "",
        },
    )
    assert response.status_code == 302
    reply = SavedReply.objects.get()
    page = manager_client.get(reverse("playbooks:reply_edit", args=[reply.pk]))
    assert "calm down" in page.content.decode() and "Wording to reconsider" in page.content.decode()


@pytest.mark.parametrize("name", ["playbooks:list", "playbooks:limits", "playbooks:reply_create"])
def test_agents_cannot_open_manager_pages(agent_client, name, team):
    assert agent_client.get(reverse(name) + f"?team={team.pk}").status_code == 403


def test_managers_of_another_team_get_404(client, other_team, team, manager):
    from accounts.roles import Role
    from accounts.tests.factories import UserFactory

    reply = saved_reply_save(actor=manager, team=team, title="t", body="b")
    client.force_login(UserFactory(teams=[other_team], role=Role.MANAGER))
    assert client.get(reverse("playbooks:limits") + f"?team={team.pk}").status_code == 404
    assert client.get(reverse("playbooks:reply_edit", args=[reply.pk])).status_code == 404
    copy = Playbook.objects.create(name="Care own", team=team, temperaments=["angry"])
    assert client.get(reverse("playbooks:edit", args=[copy.pk]) + f"?team={other_team.pk}").status_code == 404


def test_outsiders_get_404_on_every_case_endpoint(outsider_client, case, agent, manager, team):
    step = current_step(case)
    concession = concession_offer(actor=agent, case=case, kind="apology")
    reply = saved_reply_save(actor=manager, team=team, title="t", body="b")
    gets = [reverse("cases:file", args=[case.pk]), reverse("cases:reply_render", args=[case.pk, reply.pk])]
    posts = [
        reverse("cases:playbook_choose", args=[case.pk]),
        reverse("cases:step_complete", args=[case.pk, step.pk]),
        reverse("cases:step_skip", args=[case.pk, step.pk]),
        reverse("cases:option_add", args=[case.pk]),
        reverse("cases:concession_add", args=[case.pk]),
        reverse("cases:concession_decide", args=[case.pk, concession.pk]),
        reverse("cases:fault_record", args=[case.pk]),
    ]
    for url in gets:
        assert outsider_client.get(url).status_code == 404, url
    for url in posts:
        assert outsider_client.post(url, {"skip-reason": "x"}).status_code == 404, url
    assert not StepRecord.objects.exists()


def test_follow_up_step_records_date_and_text_and_schedules_the_follow_up(agent_client, case, agent):
    for _ in range(5):
        complete_current(case, agent)
    step = current_step(case)
    due = (timezone.localtime(timezone.now(), timezone=timezone.get_current_timezone()) + timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = agent_client.post(
        reverse("cases:step_complete", args=[case.pk, step.pk]),
        {"step-follow_up_kind": "call_back", "step-next_step": "Call back", "step-due_at": due},
    )
    assert response.status_code == 302
    outcome = StepRecord.objects.get(step=step).outcome
    assert outcome["next_step"] == "Call back"
    from interactions.models import FollowUp

    assert FollowUp.objects.get(pk=outcome["follow_up_id"]).note == "Call back"


def test_the_documented_summary_is_offered_for_sending_to_the_client(agent_client, case, agent):
    from django.core import mail

    for _ in range(5):
        complete_current(case, agent)
    page = agent_client.get(case.get_absolute_url())
    form = page.context["pb_summary_form"]
    assert form is not None and form.initial["body"]
    response = agent_client.post(
        reverse("cases:client_summary", args=[case.pk]),
        {"subject": "Summary of our conversation", "body": form.initial["body"], "request_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    from interactions.models import OutgoingEmail

    email = OutgoingEmail.objects.get(case=case)
    assert email.to_email == case.client.email and email.to_client
    assert mail.outbox == []  # written to the outbox now, sent by the worker


@pytest.mark.parametrize(
    "name, field",
    [("cases:fault_record", 'name="fault-at_fault"'), ("cases:concession_add", 'name="concession-kind"')],
)
def test_the_compromise_steps_folded_forms_are_drawn_when_opened(
    agent_client, client, case, agent, outsider, name, field
):
    """The case page draws what is on screen: the folded forms come when their fold opens
    (htmx), or as a page of their own through the link inside the fold (no JavaScript)."""
    for _ in range(3):
        complete_current(case, agent)
    url = reverse(name, args=[case.pk])
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert f'hx-get="{url}"' in page and f'href="{url}"' in page and field not in page
    folded = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in folded and field in folded and f'action="{url}"' in folded and "csrfmiddlewaretoken" in folded
    whole = agent_client.get(url)
    assert whole.status_code == 200 and field in whole.content.decode() and "<html" in whole.content.decode()
    client.force_login(outsider)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404


def test_the_fault_fold_shows_the_record_already_made(agent_client, case, agent):
    for _ in range(3):
        complete_current(case, agent)
    url = reverse("cases:fault_record", args=[case.pk])
    agent_client.post(url, {"fault-at_fault": "partly", "fault-note": "late engineer"})
    folded = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert '<option value="partly" selected>' in folded and "late engineer" in folded


def test_the_skip_fold_is_drawn_when_opened_and_asks_before_skipping(agent_client, client, case, outsider):
    step = current_step(case)
    url = reverse("cases:step_skip", args=[case.pk, step.pk])
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert f'hx-get="{url}"' in page and 'name="skip-reason"' not in page
    folded = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="skip-reason"' in folded and f"Skip “{step.title}”?" in folded and "data-confirm=" in folded
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_a_refused_concession_comes_back_open_with_its_errors_and_the_limits(agent_client, case, agent, team, manager):
    concession_limit_set(actor=manager, team=team, kind="refund", max_value=Decimal("100"))
    for _ in range(3):
        complete_current(case, agent)
    url = reverse("cases:concession_add", args=[case.pk])
    response = agent_client.post(url, {"concession-kind": "refund", "concession-value": "-5"})
    html = response.content.decode()
    assert response.status_code == 422 and not Concession.objects.exists()
    assert 'name="concession-kind"' in html and "Your limits without a manager: refund up to 100.00 EUR" in html
