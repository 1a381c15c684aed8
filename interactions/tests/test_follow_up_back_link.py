"""The done, reschedule and cancel pages link "Back" only where the redirect after the
form would go: the same check for both, so no address from a link becomes ours."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interactions.models import FollowUpKind
from interactions.services import follow_up_schedule

ACTIONS = ["cases:follow_up_done", "cases:follow_up_reschedule", "cases:follow_up_cancel"]
OFF_SITE = [
    "https://evil.example/",
    "//evil.example/path",
    "javascript:alert(1)",
    "http:\\\\evil.example",
    "/\\evil.example",
]


@pytest.fixture
def follow_up(agent, case):
    return follow_up_schedule(
        actor=agent,
        case=case,
        kind=FollowUpKind.INTERNAL_CHECK,
        due_at=timezone.now() + timedelta(hours=2),
        note="Check the invoice",
    )


def _back_href(response) -> str:
    body = response.content.decode()
    link = body[: body.index(">Back</a>")]
    return link[link.rindex('href="') + len('href="') :].split('"')[0]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_site_next_never_becomes_the_back_link(agent_client, follow_up, case, action, target):
    response = agent_client.get(reverse(action, args=[follow_up.pk]), {"next": target})
    assert response.status_code == 200
    assert _back_href(response) == case.get_absolute_url()
    assert "evil.example" not in response.content.decode()


@pytest.mark.parametrize("action", ACTIONS)
def test_a_next_on_this_site_is_the_back_link_and_the_redirect(agent_client, follow_up, action):
    response = agent_client.get(reverse(action, args=[follow_up.pk]), {"next": "/my-day/"})
    assert _back_href(response) == "/my-day/"
    assert 'name="next" value="/my-day/"' in response.content.decode()


def test_the_case_page_loads_the_follow_up_form_only_when_it_is_opened(agent_client, case, outsider):
    url = reverse("cases:follow_up_create", args=[case.pk])
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert f'hx-get="{url}"' in page and 'name="due_at"' not in page
    folded = agent_client.get(url, headers={"HX-Request": "true"})
    html = folded.content.decode()
    assert folded.status_code == 200 and "<html" not in html
    assert 'name="due_at"' in html and 'name="csrfmiddlewaretoken"' in html and f'action="{url}"' in html
    # Without htmx (the link inside the folded part) the same form is a page of its own.
    assert "<html" in agent_client.get(url).content.decode()
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.get(url, headers={"HX-Request": "true"}).status_code == 404
