"""Irreversible actions ask first, and every action ends with a message.

Every form on the pages below that posts to an irreversible action must carry
data-confirm (a plain form; static/js/casebook.js asks in a dialog) or hx-confirm (htmx).
Each action listed must be found on some page, so the test cannot pass by finding nothing.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.urls import resolve, reverse
from django.utils import timezone

from casebook.tests.test_scope_matrix import data  # noqa: F401  (one of everything, as a fixture)

IRREVERSIBLE = {
    "cases:follow_up_cancel": "cancel a follow-up",
    "cases:status": "change a case's status (resolve, close)",
    "cases:escalate": "escalate a case (managers are told)",
    "cases:boundary_warning": "record a boundary warning",
    "cases:step_skip": "skip a playbook step",
    "cases:concession_decide": "decide a concession",
    "escalations:decide": "decide an escalation",
    "api_tokens:revoke": "revoke an API token",
    "accounts:closed_day_remove": "remove a team's closed day",
    "cases:close_review": "close a case with its review",
    "cases:client_summary": "send the client an email",
}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.forms.append(dict(attrs))


def _posting_forms(html: str, page: str):
    """(view name, attributes) of each POST form of a page."""
    parser = _Forms()
    parser.feed(html)
    for attrs in parser.forms:
        if (attrs.get("method") or "").lower() != "post" and "hx-post" not in attrs:
            continue
        action = attrs.get("action") or attrs.get("hx-post") or page
        yield resolve(urlsplit(action).path).view_name, attrs


def test_every_irreversible_action_asks_for_confirmation_first(client, data, manager, agent):  # noqa: F811
    case = data.case
    pages = [
        (manager, case.get_absolute_url()),
        (manager, reverse("escalations:review", args=[data.escalation.pk])),
        (agent, reverse("accounts:profile")),
        (manager, reverse("accounts:team_settings", args=[case.team_id])),
        (agent, reverse("cases:follow_up_cancel", args=[data.follow_up.pk])),
        (agent, reverse("cases:client_summary", args=[case.pk])),
        # The case page's folded forms, as their folds load them (and as pages of their own).
        (agent, reverse("cases:status", args=[case.pk])),
        (agent, reverse("cases:escalate", args=[case.pk])),
        (agent, reverse("cases:step_skip", args=[case.pk, data.step.pk])),
    ]
    seen = {}
    for user, page in pages:
        client.force_login(user)
        response = client.get(page)
        assert response.status_code == 200, page
        for name, attrs in _posting_forms(response.content.decode(), page):
            if name in IRREVERSIBLE:
                seen[name] = page
                assert attrs.get("data-confirm") or attrs.get("hx-confirm"), f"{IRREVERSIBLE[name]} on {page}"
    # Closing with a review: the page of a resolved case.
    type(case).objects.filter(pk=case.pk).update(status="resolved", resolved_at=timezone.now())
    page = reverse("cases:close_review", args=[case.pk])
    for name, attrs in _posting_forms(client.get(page).content.decode(), page):
        if name in IRREVERSIBLE:
            seen[name] = page
            assert attrs.get("data-confirm") or attrs.get("hx-confirm"), f"{IRREVERSIBLE[name]} on {page}"
    assert set(seen) == set(IRREVERSIBLE), f"not found on any page: {set(IRREVERSIBLE) - set(seen)}"


def test_reversible_everyday_actions_do_not_ask(agent_client, case):
    """Asking before everything would teach people to click "yes" without reading."""
    pages = [case.get_absolute_url(), reverse("cases:follow_up_create", args=[case.pk])]  # the second: folded
    names = {
        name
        for page in pages
        for name, attrs in _posting_forms(agent_client.get(page).content.decode(), page)
        if not attrs.get("data-confirm")
    }
    assert {"cases:log_interaction", "cases:waiting", "cases:follow_up_create"} <= names


def _messages_after(client, response) -> str:
    return client.get(response.url).content.decode() if response.status_code == 302 else response.content.decode()


def test_actions_end_with_a_success_message(client, data, agent, manager):  # noqa: F811
    """A sample across apps: each action redirects to a page that says what happened."""
    case = data.case
    client.force_login(agent)
    samples = [
        (reverse("cases:boundary_warning", args=[case.pk]), {"note": "Raised voice"}, "Warning recorded."),
        (reverse("cases:waiting", args=[case.pk]), {"waiting": "1"}, "the clock is paused"),
        (reverse("cases:follow_up_cancel", args=[data.follow_up.pk]), {"note": "Not needed"}, "Follow-up cancelled."),
        (reverse("api_tokens:revoke", args=[data.token.pk]), {}, "is revoked"),
        (reverse("accounts:notices"), {}, "All your notices are marked read."),
    ]
    for url, post, message in samples:
        response = client.post(url, post)
        assert response.status_code == 302, url
        assert message in _messages_after(client, response), url
    client.force_login(manager)
    response = client.post(
        reverse("accounts:closed_day_remove", args=[case.team_id, data.closed_day.pk]),
    )
    assert "Closed day removed." in _messages_after(client, response)


def test_a_refused_action_says_why(agent_client, case):
    response = agent_client.post(reverse("cases:escalate", args=[case.pk]), {"reason": "other", "note": ""})
    assert response.status_code == 422
    assert "The case was not escalated" in response.content.decode()
