"""The live phrasing check runs on every text box whose text reaches the client: the
"email the client" note, the playbook's next step (the same note), the written summary's
subject and body, a case's title (in the subject of the client's emails) and saved replies
(inserted into what the client receives)."""

import re
from html import unescape

import pytest
from django.urls import reverse

from .factories import complete_current


def _checked_fields(html: str) -> dict[str, dict[str, str]]:
    """The text boxes of a page wired to the phrasing check, by the field name they check,
    each with its attributes."""
    url = reverse("phrasing_check")
    fields = {}
    for tag in re.findall(r"<(?:textarea|input)\b[^>]*>", html):
        attrs = {name: unescape(value) for name, value in re.findall(r'([\w-]+)="([^"]*)"', tag)}
        if attrs.get("hx-post", "").startswith(f"{url}?field="):
            fields[attrs["hx-post"].split("?field=", 1)[1]] = attrs
    return fields


def _assert_checked(html: str, name: str, target: str) -> None:
    attrs = _checked_fields(html).get(name)
    assert attrs is not None, f"{name} is not wired to the phrasing check"
    assert attrs["name"] == name  # the text box checked is the one named
    assert attrs["hx-target"] == f"#{target}" and attrs["hx-params"] == name
    assert "input changed" in attrs["hx-trigger"]
    assert f'id="{target}"' in html  # where the advice lands


def test_the_email_the_client_note_of_a_follow_up_is_checked(agent_client, case):
    url = reverse("cases:follow_up_create", args=[case.pk])
    _assert_checked(agent_client.get(url).content.decode(), "note", "follow-up-note-phrasing")
    # The case page's folded part, drawn when opened.
    folded = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    _assert_checked(folded, "note", "follow-up-note-phrasing")


def test_the_written_summarys_subject_and_body_are_checked(agent_client, case):
    html = agent_client.get(reverse("cases:client_summary", args=[case.pk])).content.decode()
    _assert_checked(html, "subject", "client-summary-subject-phrasing")
    _assert_checked(html, "body", "client-summary-phrasing")


def test_the_playbooks_next_step_and_the_documented_summary_on_the_case_page_are_checked(agent_client, case, agent):
    for _ in range(5):  # up to the follow-up step, past the document step
        complete_current(case, agent)
    html = agent_client.get(case.get_absolute_url()).content.decode()
    _assert_checked(html, "step-next_step", "next-step-phrasing")
    _assert_checked(html, "subject", "client-summary-subject-phrasing")
    _assert_checked(html, "body", "client-summary-phrasing")


def test_a_new_cases_title_is_checked(agent_client, customer, case):
    html = agent_client.get(reverse("clients:open_case", args=[customer.pk])).content.decode()
    _assert_checked(html, "title", "case-title-phrasing")
    html = agent_client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    _assert_checked(html, "title", "case-title-phrasing")
    # The log-a-contact dialog can open a case too.
    dialog = agent_client.get(reverse("quick_log:cases", args=[customer.pk]), headers={"HX-Request": "true"})
    _assert_checked(dialog.content.decode(), "new_case_title", "quick-log-new-case-title-phrasing")


def test_a_saved_reply_is_checked_while_it_is_written(client, manager):
    client.force_login(manager)
    html = client.get(reverse("playbooks:reply_create")).content.decode()
    _assert_checked(html, "body", "saved-reply-phrasing")


@pytest.mark.parametrize("name", ["note", "step-next_step", "subject", "body", "title", "new_case_title"])
def test_the_check_reads_the_field_it_is_asked_about(agent_client, name):
    url = reverse("phrasing_check") + f"?field={name}"
    # As htmx posts it: only the field checked (hx-params).
    response = agent_client.post(url, {name: "Please calm down, it is our policy."}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Wording to reconsider" in html and "calm down" in html.lower() and "policy" in html.lower()
    assert "Wording" not in agent_client.post(url, {name: "Thank you for your patience."}).content.decode()
    # Another field's text is not the one checked.
    assert "Wording" not in agent_client.post(url, {"other": "Calm down."}).content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_follow_up_note_warns_live_on_the_case_page(browser_page, case, agent):
    from playwright.sync_api import expect

    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.goto(case.get_absolute_url())
    # The folded form is drawn when opened; its note is checked as it is typed.
    page.locator("#follow-ups summary", has_text="Schedule a follow-up").click()
    note = page.locator("#follow-ups").get_by_label("Note")
    note.fill("As I said, it is our policy.")
    expect(page.locator("#follow-up-note-phrasing")).to_contain_text("our policy")
    note.fill("Here is what I can do for you today.")
    expect(page.locator("#follow-up-note-phrasing")).to_be_empty()
