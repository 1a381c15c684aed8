"""Sort, filter and paging parameters of the UI lists are allow-listed: a parameter that
names a field, or walks a relation to one (owner__password...), is ignored or refused and
never changes which rows are shown or how. The API lists: api/tests/test_filters.py.
"""

import base64
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.tests.factories import CaseFactory, ClientFactory

# Each would tell an attacker something if it were applied: compare the answers of the two
# halves of a guess and learn a hash, a note or another team's data character by character.
WALKS = [
    {"owner__password__startswith": "pbkdf2"},
    {"owner__password__startswith": "zzz"},
    {"client__notes__icontains": "secret"},
    {"team__id": "999999"},
    {"ordering": "owner__password"},
    {"order_by": "-owner__password"},
    {"sort": "owner__password"},
    {"sort": "-client__notes"},
    {"o": "owner__password"},
]


def _rows(response, marker: str) -> list[str]:
    """The listed rows' names in the order shown."""
    assert response.status_code == 200
    body = response.content.decode()
    found = sorted((body.find(f"{marker}-{n}"), f"{marker}-{n}") for n in range(4) if f"{marker}-{n}" in body)
    return [name for _, name in found]


@pytest.fixture
def listed(agent, teammate, customer):
    now = timezone.now()
    for n, owner in enumerate([agent, teammate, agent, teammate]):
        CaseFactory(
            client=customer,
            owner=owner,
            title=f"Listed-case-{n}",
            last_activity_at=now - timedelta(hours=n),
            opened_at=now - timedelta(days=4 - n),
        )
    for n in range(4):
        ClientFactory(team=customer.team, name=f"Listed-client-{n}", notes="secret" if n % 2 else "")


@pytest.mark.parametrize("params", WALKS)
def test_case_list_ignores_parameters_that_are_not_on_its_list(agent_client, listed, params):
    url = reverse("cases:list")
    assert _rows(agent_client.get(url, params), "Listed-case") == _rows(agent_client.get(url), "Listed-case")


@pytest.mark.parametrize("params", WALKS)
def test_client_list_ignores_parameters_that_are_not_on_its_list(agent_client, listed, params):
    url = reverse("clients:list")
    assert _rows(agent_client.get(url, params), "Listed-client") == _rows(agent_client.get(url), "Listed-client")


def test_case_list_sort_values_outside_the_list_are_refused_and_the_default_order_kept(agent_client, listed):
    url = reverse("cases:list")
    default = _rows(agent_client.get(url), "Listed-case")
    assert _rows(agent_client.get(url, {"sort": "-opened"}), "Listed-case") != default
    response = agent_client.get(url, {"sort": "owner__password"})
    assert _rows(response, "Listed-case") == default
    assert response.context["filters"].errors["sort"]


def test_case_list_owner_filter_accepts_only_staff_of_the_users_teams(agent_client, listed, outsider):
    response = agent_client.get(reverse("cases:list"), {"owner": outsider.pk})
    assert response.context["filters"].errors["owner"]
    assert len(_rows(response, "Listed-case")) == 4


def _cursor(direction, values) -> str:
    return base64.urlsafe_b64encode(json.dumps([direction, values]).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        _cursor("next", ["owner__password", 1]),
        _cursor("next", ["2026-01-01T00:00:00+00:00\x00", "x"]),
        _cursor("sideways", ["2026-01-01T00:00:00+00:00", 1]),
        _cursor("next", [{"owner__password": "x"}, [1]]),
    ],
)
def test_a_forged_case_list_cursor_gives_the_first_page_not_an_error(agent_client, listed, cursor):
    url = reverse("cases:list")
    assert _rows(agent_client.get(url, {"cursor": cursor}), "Listed-case") == _rows(
        agent_client.get(url), "Listed-case"
    )


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "1;DROP TABLE"])
def test_odd_page_numbers_answer_a_page(agent_client, listed, customer, page):
    assert agent_client.get(reverse("clients:list"), {"page": page}).status_code == 200
    assert agent_client.get(reverse("clients:detail", args=[customer.pk]), {"page": page}).status_code == 200


def test_other_pages_ignore_parameters_they_do_not_know(agent_client, manager, client, case, listed):
    for params in WALKS:
        assert (
            agent_client.get(reverse("cases:detail", args=[case.pk]), {**params, "timeline": "all"}).status_code == 200
        )
        assert agent_client.get(reverse("my_day"), params).status_code == 200
    client.force_login(manager)
    # A team the manager does not lead is not picked from the query string.
    response = client.get(reverse("playbooks:list"), {"team": "999999"})
    assert response.status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_the_back_link_of_follow_up_actions_never_leaves_the_site(agent_client, case, agent, target):
    from interactions.services import follow_up_schedule

    due = timezone.now() + timedelta(days=1)
    follow_up = follow_up_schedule(actor=agent, case=case, kind="internal_check", due_at=due, note="Check")
    response = agent_client.post(
        reverse("cases:follow_up_cancel", args=[follow_up.pk]), {"note": "Done elsewhere", "next": target}
    )
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
