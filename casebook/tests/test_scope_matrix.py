"""Every URL of the app, asked for by the wrong people, gives away nothing.

The URLs are collected from the resolver, so a new view is covered automatically: a view
missing from MATRIX below fails the test until someone says who may see it.

For each URL: an anonymous visitor is sent to the login page (or gets what a public page
shows), an agent of another team gets 404 for another team's records, and an agent asking
for a manager's page gets 403. The page body never contains the other team's data.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clients.models import CaseStatus
from interactions.services import interaction_log

LOGIN = "login"  # anonymous: redirected to the login page
PUBLIC = "public"  # anonymous: answered without a login, showing no private data
API = "api"  # anonymous: a JSON 401/403, never a login page


@dataclass
class Entry:
    kwargs: callable = lambda data: {}
    method: str = "get"
    anonymous: str = LOGIN
    outsider: int | None = 404  # status for an agent of another team (None: not team data)
    manager_only: bool = False
    agent_status: int = 403  # for an agent of the right team on a manager-only URL
    post_data: dict | Callable = field(default_factory=dict)  # or data -> dict, for ids of the records
    json: bool = False  # the API: bodies are JSON
    query: callable = lambda data: {}  # query string of a GET


def _case(data):
    return {"pk": data.case.pk}


def _on_case(data):
    return {"case_pk": data.case.pk}


MATRIX: dict[str, Entry] = {
    "dashboard": Entry(outsider=None),
    "login": Entry(anonymous=PUBLIC, outsider=None),
    "logout": Entry(method="post", anonymous=PUBLIC, outsider=None),
    "password_change": Entry(outsider=None),
    "password_change_done": Entry(outsider=None),
    "accounts:profile": Entry(outsider=None),
    "healthz": Entry(anonymous=PUBLIC, outsider=None),
    "clients:list": Entry(outsider=None),
    "clients:create": Entry(outsider=None),
    "clients:detail": Entry(kwargs=lambda d: {"pk": d.customer.pk}),
    "clients:edit": Entry(kwargs=lambda d: {"pk": d.customer.pk}),
    "clients:open_case": Entry(kwargs=lambda d: {"client_pk": d.customer.pk}),
    "cases:list": Entry(outsider=None),
    "cases:detail": Entry(kwargs=_case),
    "cases:timeline_earlier": Entry(
        kwargs=lambda d: {"pk": d.case.pk, "before": d.case.events.order_by("pk").last().pk}
    ),
    # The history of changes: managers of the team only; an agent of the team gets 403.
    "clients:history": Entry(kwargs=lambda d: {"pk": d.customer.pk}, manager_only=True),
    "cases:history": Entry(kwargs=_case, manager_only=True),
    "cases:edit": Entry(kwargs=_case),
    "cases:status": Entry(kwargs=_case, method="post", post_data={"status": CaseStatus.RESOLVED}),
    "cases:escalate": Entry(kwargs=_case, method="post", post_data={"reason": "other", "note": "x"}),
    "cases:waiting": Entry(kwargs=_case, method="post", post_data={"waiting": "1"}),
    "cases:log_interaction": Entry(
        kwargs=lambda d: {"case_pk": d.case.pk},
        method="post",
        post_data={"channel": "call", "direction": "inbound", "mood": "calm", "summary": "x"},
    ),
    "cases:correct_interaction": Entry(kwargs=lambda d: {"case_pk": d.case.pk, "pk": d.interaction.pk}),
    # A contact's file: its bytes carry a private marker, so a leak fails the body checks.
    "cases:attachment_download": Entry(kwargs=lambda d: {"pk": d.attachment.pk}),
    # The playbook on a case.
    "cases:file": Entry(kwargs=_on_case),
    "cases:playbook_choose": Entry(kwargs=_on_case, method="post", post_data={"choose-playbook": "1"}),
    "cases:step_complete": Entry(
        kwargs=lambda d: {"case_pk": d.case.pk, "step_pk": d.step.pk},
        method="post",
        post_data={"pinpoint-problem": "x", "pinpoint-root_cause": "other"},
    ),
    "cases:step_skip": Entry(
        kwargs=lambda d: {"case_pk": d.case.pk, "step_pk": d.step.pk}, method="post", post_data={"skip-reason": "x"}
    ),
    "cases:option_add": Entry(kwargs=_on_case, method="post", post_data={"option-description": "x"}),
    "cases:concession_add": Entry(kwargs=_on_case, method="post", post_data={"concession-kind": "apology"}),
    "cases:concession_decide": Entry(
        kwargs=lambda d: {"case_pk": d.case.pk, "pk": d.concession.pk},
        method="post",
        post_data={"decide-decision": "approve"},
        manager_only=True,
        agent_status=404,
    ),
    "cases:fault_record": Entry(kwargs=_on_case, method="post", post_data={"fault-at_fault": "yes"}),
    "cases:reply_render": Entry(kwargs=lambda d: {"case_pk": d.case.pk, "pk": d.reply.pk}),
    # Managers' playbook pages: an agent (of any team) is refused.
    "playbooks:list": Entry(outsider=403, manager_only=True),
    "playbooks:edit": Entry(kwargs=lambda d: {"pk": d.playbook.pk}, outsider=403, manager_only=True),
    "playbooks:limits": Entry(outsider=403, manager_only=True),
    "playbooks:reply_create": Entry(outsider=403, manager_only=True),
    "playbooks:reply_edit": Entry(kwargs=lambda d: {"pk": d.reply.pk}, outsider=403, manager_only=True),
    "phrasing_check": Entry(method="post", outsider=None, post_data={"text": "calm down"}),
    # Follow-ups, client emails, notices and the public rating link.
    "my_day": Entry(outsider=None),
    "accounts:notices": Entry(outsider=None),
    "rating": Entry(kwargs=lambda d: {"token": "not-a-valid-token"}, anonymous=PUBLIC, outsider=None),
    "cases:client_summary": Entry(kwargs=_on_case),
    "cases:follow_up_create": Entry(
        kwargs=_on_case, method="post", post_data={"follow-kind": "call_back", "follow-due_at": "2099-01-01T10:00"}
    ),
    "cases:follow_up_done": Entry(kwargs=lambda d: {"pk": d.follow_up.pk}),
    "cases:follow_up_reschedule": Entry(kwargs=lambda d: {"pk": d.follow_up.pk}),
    "cases:follow_up_cancel": Entry(kwargs=lambda d: {"pk": d.follow_up.pk}),
    # API tokens on the profile page.
    "api_tokens:create": Entry(method="post", outsider=None, post_data={"name": "phone"}),
    "api_tokens:revoke": Entry(kwargs=lambda d: {"pk": d.token.pk}, method="post"),
    # The REST API: lists are scoped (checked in api/tests), records of another team are 404.
    "api-root": Entry(anonymous=API, outsider=None),
    "api-schema": Entry(anonymous=PUBLIC, outsider=None),
    "api-docs": Entry(anonymous=PUBLIC, outsider=None),
    "client-list": Entry(anonymous=API, outsider=None),
    "client-detail": Entry(kwargs=lambda d: {"pk": d.customer.pk}, anonymous=API),
    "case-list": Entry(anonymous=API, outsider=None),
    "case-detail": Entry(kwargs=_case, anonymous=API),
    "case-change-status": Entry(
        kwargs=_case, method="post", anonymous=API, json=True, post_data={"status": CaseStatus.RESOLVED}
    ),
    "case-escalation-escalate": Entry(
        kwargs=_case, method="post", anonymous=API, json=True, post_data={"reason": "other", "note": "x"}
    ),
    # Escalations: the managers' queue and review page; an agent of any team is refused.
    "escalations:queue": Entry(outsider=403, manager_only=True),
    "escalations:review": Entry(kwargs=lambda d: {"pk": d.escalation.pk}, outsider=403, manager_only=True),
    "escalations:decide": Entry(
        kwargs=lambda d: {"pk": d.escalation.pk},
        method="post",
        post_data={"decision": "take_over"},
        outsider=403,
        manager_only=True,
    ),
    "accounts:team_settings": Entry(kwargs=lambda d: {"pk": d.case.team_id}, outsider=403, manager_only=True),
    "accounts:team_settings_history": Entry(kwargs=lambda d: {"pk": d.case.team_id}, outsider=403, manager_only=True),
    "accounts:closed_day_add": Entry(
        kwargs=lambda d: {"pk": d.case.team_id},
        method="post",
        post_data={"day-date": "2030-01-02"},
        outsider=403,
        manager_only=True,
    ),
    "accounts:closed_day_remove": Entry(
        kwargs=lambda d: {"pk": d.case.team_id, "day_pk": d.closed_day.pk},
        method="post",
        outsider=403,
        manager_only=True,
    ),
    "cases:boundary_warning": Entry(kwargs=_case, method="post", post_data={"note": "x"}),
    "clients:written_contact": Entry(
        kwargs=lambda d: {"pk": d.customer.pk}, method="post", post_data={"on": "true"}, outsider=403, manager_only=True
    ),
    "escalation-list": Entry(anonymous=API, outsider=None),
    "escalation-detail": Entry(kwargs=lambda d: {"pk": d.escalation.pk}, anonymous=API),
    "interaction-list": Entry(anonymous=API, outsider=None),
    "interaction-detail": Entry(kwargs=lambda d: {"pk": d.interaction.pk}, anonymous=API),
    # Dashboard, outcomes, search and export (issue 6).
    "search": Entry(outsider=None),
    "root_causes": Entry(outsider=403, manager_only=True),
    "cases:close_review": Entry(
        kwargs=_on_case, method="post", post_data={"what_worked": "Listening", "new_temperament": ""}
    ),
    "my_outcomes": Entry(outsider=None),
    "team_outcomes": Entry(kwargs=lambda d: {"user_id": d.manager.pk}, outsider=403, manager_only=True),
    "cases:export": Entry(outsider=None),
    "cases:export_interactions": Entry(kwargs=_on_case),
    "follow-up-list": Entry(anonymous=API, outsider=None),
    "follow-up-detail": Entry(kwargs=lambda d: {"pk": d.follow_up.pk}, anonymous=API),
    "follow-up-done": Entry(
        kwargs=lambda d: {"pk": d.follow_up.pk},
        method="post",
        anonymous=API,
        json=True,
        post_data={"fulfilled_by": 0},
    ),
    "follow-up-reschedule": Entry(
        kwargs=lambda d: {"pk": d.follow_up.pk},
        method="post",
        anonymous=API,
        json=True,
        post_data={"due_at": "2099-01-01T10:00:00Z"},
    ),
    "follow-up-cancel": Entry(
        kwargs=lambda d: {"pk": d.follow_up.pk}, method="post", anonymous=API, json=True, post_data={"note": "x"}
    ),
    "playbook-progress-detail": Entry(kwargs=_case, anonymous=API),
    # The "log a contact" dialog (issue 9): the typeahead never lists another team's client,
    # and a client or case of another team is a 404.
    "quick_log:form": Entry(outsider=None),
    "quick_log:clients": Entry(outsider=None, query=lambda d: {"q": "Zelda"}),
    "quick_log:cases": Entry(kwargs=lambda d: {"client_pk": d.customer.pk}),
    "quick_log:save": Entry(
        method="post",
        post_data=lambda d: {
            "client": d.customer.pk,
            "case": d.case.pk,
            "channel": "call",
            "direction": "inbound",
            "mood": "calm",
            "summary": "x",
        },
    ),
    "escalation-decide": Entry(
        kwargs=lambda d: {"pk": d.escalation.pk},
        method="post",
        anonymous=API,
        json=True,
        post_data={"decision": "take_over"},
        outsider=403,
        manager_only=True,
    ),
    # Mail from clients: an email is its mailbox's team's; mailboxes are the managers'. The
    # webhook answers 404 to anyone without the mailbox's secret.
    "inbox:triage": Entry(outsider=None),
    "inbox:message": Entry(kwargs=lambda d: {"pk": d.mail.pk}),
    "inbox:raw": Entry(kwargs=lambda d: {"pk": d.mail.pk}),
    "inbox:original": Entry(kwargs=lambda d: {"interaction_pk": d.mail.interaction_id}),
    "inbox:place": Entry(
        kwargs=lambda d: {"pk": d.stranger_mail.pk}, method="post", post_data={"new_client_name": "Someone"}
    ),
    "inbox:ignore": Entry(kwargs=lambda d: {"pk": d.stranger_mail.pk}, method="post"),
    "inbox:confirm_mood": Entry(kwargs=lambda d: {"pk": d.mail.pk}, method="post"),
    "inbox:webhook": Entry(
        kwargs=lambda d: {"mailbox_pk": d.mailbox.pk}, method="post", anonymous=PUBLIC, post_data={"x": "y"}
    ),
    "inbox:mailboxes": Entry(outsider=403, manager_only=True),
    "inbox:mailbox_new": Entry(outsider=403, manager_only=True),
    "inbox:mailbox_edit": Entry(kwargs=lambda d: {"pk": d.mailbox.pk}, outsider=403, manager_only=True),
    "inbox:mailbox_webhook_secret": Entry(
        kwargs=lambda d: {"pk": d.mailbox.pk}, method="post", outsider=403, manager_only=True
    ),
    # Live chat: the queue shows the user's teams' chats only; a chat is its team's. The
    # client's pages need no login: the signed tokens are the keys (a bad one finds nothing).
    "chats": Entry(outsider=None),
    "chat": Entry(kwargs=lambda d: {"pk": d.chat.pk}),
    "chat_take": Entry(kwargs=lambda d: {"pk": d.chat.pk}, method="post"),
    "chats_rows": Entry(outsider=None),
    "chat_hand_over": Entry(
        kwargs=lambda d: {"pk": d.chat.pk}, method="post", post_data=lambda d: {"to_user": d.case.owner.pk}
    ),
    "chat:start": Entry(anonymous=PUBLIC, outsider=None),
    "chat:link": Entry(kwargs=lambda d: {"token": "not-a-valid-token"}, anonymous=PUBLIC, outsider=None),
    "chat:room": Entry(kwargs=lambda d: {"token": "not-a-valid-token"}, anonymous=PUBLIC, outsider=None),
    # The user's own availability for chat: no team's records.
    "chat:availability": Entry(outsider=None),
}
# The admin guards itself (staff only); it is checked as a whole below.
IGNORED_NAMESPACES = {"admin"}


def _collect(resolver: URLResolver, namespace: str = "") -> dict[str, list[str]]:
    """Every named URL with the names of its arguments."""
    found = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.update(_collect(pattern, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[f"{namespace}{pattern.name}"] = list(pattern.pattern.regex.groupindex)
    return found


URL_ARGUMENTS = _collect(get_resolver())
ALL_NAMES = sorted(URL_ARGUMENTS)
APP_NAMES = [n for n in ALL_NAMES if n.split(":")[0] not in IGNORED_NAMESPACES]


def test_every_url_is_in_the_matrix():
    missing = set(APP_NAMES) - set(MATRIX)
    assert not missing, f"say who may see these URLs in MATRIX: {sorted(missing)}"
    stale = set(MATRIX) - set(APP_NAMES)
    assert not stale, f"these MATRIX entries name no URL any more: {sorted(stale)}"


@pytest.fixture
def data(case, agent, manager):
    """One of everything in the first team, hung on the case for the URL builders."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from api.services import api_token_create
    from interactions.services import follow_up_schedule
    from playbooks.defaults import install_defaults
    from playbooks.models import Playbook, PlaybookVersion, Step
    from playbooks.selectors import case_playbook_context
    from playbooks.services import concession_limit_set, concession_offer, saved_reply_save

    install_defaults(Playbook, PlaybookVersion, Step)
    type(case.client).objects.filter(pk=case.client_id).update(name="Zelda-Quartermaine")
    type(case).objects.filter(pk=case.pk).update(title="Case-title-987")
    from django.core.files.uploadedfile import SimpleUploadedFile

    interaction = interaction_log(
        actor=agent,
        case=case,
        channel="call",
        direction="inbound",
        mood="calm",
        summary="Secret-summary-123",
        attachments=[SimpleUploadedFile("notes.txt", b"Secret-summary-123, written down")],
    )
    concession_limit_set(actor=manager, team=case.team, kind="refund", max_value=Decimal("10"))
    data = SimpleNamespace(
        case=case,
        manager=manager,
        customer=case.client,
        interaction=interaction,
        step=case_playbook_context(case, agent)["pb_current"],
        concession=concession_offer(actor=agent, case=case, kind="refund", value=Decimal("50"), currency="EUR"),
        reply=saved_reply_save(actor=manager, team=case.team, title="Sorry", body="Dear {client_name}"),
        playbook=Playbook.objects.filter(team__isnull=True).first(),
        token=api_token_create(user=agent, name="Phone system")[0],
        follow_up=follow_up_schedule(
            actor=agent, case=case, kind="call_back", due_at=timezone.now() + timedelta(days=1), note="Call back"
        ),
    )
    data.escalation = case.escalations.get()
    data.attachment = interaction.attachments.get()
    data.closed_day = case.team.closed_days.create(date="2030-01-01", reason="Move")
    from inbox.services import message_take_in
    from inbox.tests.conftest import make_email
    from inbox.tests.factories import MailboxFactory

    data.mailbox = MailboxFactory(team=case.team, owner=manager, imap_password="Secret-summary-123")
    data.mail, _new = message_take_in(
        mailbox=data.mailbox, raw=make_email(sender=case.client.email, body="Secret-summary-123 by email")
    )
    data.stranger_mail, _new = message_take_in(
        mailbox=data.mailbox, raw=make_email(sender="nobody@example.org", subject="Secret-summary-123 from a stranger")
    )
    from chat.models import TeamChat
    from chat.services import chat_start

    TeamChat.objects.create(team=case.team, owner=manager)
    data.chat = chat_start(team=case.team, name="Someone", email=case.client.email, origin="https://example.org")
    case.refresh_from_db()
    return data


def _request(client, name, entry, data):
    url = reverse(name, kwargs=entry.kwargs(data))
    post_data = entry.post_data(data) if callable(entry.post_data) else entry.post_data
    if entry.method == "post" and entry.json:
        return client.post(url, post_data, content_type="application/json")
    if entry.method == "post":
        return client.post(url, post_data)
    return client.get(url, entry.query(data))


def _body(response) -> str:
    """The whole body, also of a streamed download."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


# Unlikely words, so that an example in the API schema cannot match them by chance.
PRIVATE_MARKERS = ["Secret-summary-123", "Zelda-Quartermaine", "Case-title-987"]


@pytest.mark.parametrize("name", [n for n in APP_NAMES if n in MATRIX])
def test_anonymous_visitors_see_nothing(client, data, name):
    entry = MATRIX[name]
    response = _request(client, name, entry, data)
    if entry.anonymous == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif entry.anonymous == API:
        assert response.status_code in (401, 403)
        assert response["Content-Type"].startswith("application/json")
    body = _body(response)
    assert not any(marker in body for marker in PRIVATE_MARKERS)


@pytest.mark.parametrize("name", [n for n in APP_NAMES if n in MATRIX and MATRIX[n].outsider is not None])
def test_an_agent_of_another_team_gets_404(outsider_client, data, name):
    entry = MATRIX[name]
    case = data.case
    status_before = case.status
    events_before = case.events.count()
    response = _request(outsider_client, name, entry, data)
    assert response.status_code == entry.outsider
    body = _body(response)
    assert not any(marker in body for marker in PRIVATE_MARKERS)
    case.refresh_from_db()
    assert case.status == status_before
    assert case.events.count() == events_before


@pytest.mark.parametrize("name", [n for n in APP_NAMES if n in MATRIX and MATRIX[n].manager_only])
def test_an_agent_is_refused_where_a_manager_is_required(agent_client, data, name):
    entry = MATRIX[name]
    assert _request(agent_client, name, entry, data).status_code == entry.agent_status


@pytest.mark.parametrize("name", [n for n in ALL_NAMES if n.startswith("admin:")])
def test_the_admin_turns_away_non_staff(agent_client, name):
    kwargs = {arg: "clients" if arg == "app_label" else "1" for arg in URL_ARGUMENTS[name]}
    response = agent_client.get(reverse(name, kwargs=kwargs))
    if name == "admin:login":  # the admin's own login form, shown again to a non-staff user
        assert response.status_code == 200
        return
    assert response.status_code in (302, 404, 405)
    if response.status_code == 302:
        assert response.url.startswith(("/admin/login/", "/accounts/login/")) or response.url == "/admin/"
