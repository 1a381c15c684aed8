"""The widget's side of the client pages: the script file, and who may frame the pages."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from chat.models import Chat
from chat.services import chat_link_token, chat_token

from .conftest import SITE


def _frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))


def test_the_widget_is_one_script_file_that_writes_no_inline_style():
    path = finders.find("js/chat-widget.js")
    with open(path, encoding="utf-8") as file:
        source = file.read()

    assert path and "dataset.team" in source
    # A strict policy on the host page refuses style attributes and <style> elements.
    assert 'setAttribute("style"' not in source and 'createElement("style")' not in source
    assert "innerHTML" not in source


def test_the_chat_pages_may_be_framed_by_the_teams_websites_only(client, team_chat, chat, customer):
    pages = [
        reverse("chat:start") + f"?team={team_chat.team_id}",
        reverse("chat:room", kwargs={"token": chat_token(chat)}),
        reverse("chat:link", kwargs={"token": chat_link_token(customer)}),
    ]
    for url in pages:
        response = client.get(url)

        assert response.status_code == 200, url
        assert _frame_ancestors(response) == f"frame-ancestors 'self' https://shop.example:8443 {SITE}"
        assert "X-Frame-Options" not in response.headers


def test_a_bad_line_in_the_allowed_websites_adds_nothing_to_the_policy(client, team_chat):
    team_chat.allowed_origins = "https://ok.example\nhttps://evil.example; script-src *\n'unsafe-inline'"
    team_chat.save()

    response = client.get(reverse("chat:start"), {"team": team_chat.team_id})

    assert _frame_ancestors(response) == "frame-ancestors 'self' https://ok.example"
    assert "script-src *" not in response.headers["Content-Security-Policy"]


def test_other_pages_still_refuse_every_frame(client, team_chat):
    response = client.get(reverse("chat:room", kwargs={"token": "forged:token"}))

    assert response.status_code == 404
    assert _frame_ancestors(response) == "frame-ancestors 'none'"


def test_the_chat_pages_are_plain_and_load_the_widget_file_for_escape(client, team_chat):
    html = client.get(reverse("chat:start")).content.decode()

    assert "/static/css/chat.css" in html and "/static/js/chat-widget.js" in html
    assert "navbar" not in html


@pytest.mark.usefixtures("customer")
def test_too_many_starts_from_one_address_get_a_clear_429(client, settings, team_chat):
    settings.CASEBOOK_CHAT_STARTS_PER_HOUR = 2
    url = reverse("chat:start")
    for _ in range(2):
        assert client.post(url, {"name": "Greta", "email": "greta@example.com"}).status_code == 302

    response = client.post(url, {"name": "Greta", "email": "greta@example.com"})

    assert response.status_code == 429
    assert "try again in an hour" in response.content.decode()
    assert Chat.objects.count() == 2
    # Another address is not held back.
    assert client.post(url, {"name": "Ann", "email": "ann@example.com"}, REMOTE_ADDR="10.0.0.9").status_code == 302
