"""The main flow in a real browser: log in, open a case, log a call, see it on the timeline."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from interactions.models import Interaction
from interactions.tests.factories import InteractionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username, password="pw"):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Managers land on the dashboard, agents on their day.
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("Team dashboard|My day"))


def test_agent_logs_a_call_and_sees_it_on_the_timeline(browser_page, case, agent):
    page = browser_page
    log_in(page, "alice")

    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name=case.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)

    # Mark the document: a full page reload would lose this flag.
    page.evaluate("window.__noReload = true")
    form = page.locator("#log-contact")
    form.get_by_label("Channel").select_option("call")
    form.get_by_label("Client's mood").select_option("angry")
    form.get_by_label("Minutes").fill("14")
    form.get_by_label("Summary").fill("Client called about the missed visit; promised a call back at 4 pm.")
    form.get_by_role("button", name="Log contact").click()

    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("promised a call back at 4 pm")
    expect(timeline).to_contain_text("Angry")
    expect(page.locator("#log-contact")).to_contain_text("Call logged")
    expect(page.locator("#log-contact").get_by_label("Summary")).to_have_value("")
    expect(page.locator("#case-badges")).to_contain_text("In progress")  # the first contact started work
    assert page.evaluate("window.__noReload") is True

    interaction = Interaction.objects.get()
    assert interaction.logged_by == agent and interaction.duration_minutes == 14

    # The case is now in progress: the next contact (its time left empty: now) comes back
    # as one entry put on top of the timeline.
    form.get_by_label("When").fill("")
    form.get_by_label("Summary").fill("Called back at 4 pm as promised; the visit is booked.")
    form.get_by_role("button", name="Log contact").click()
    expect(timeline.locator(".timeline-item").first).to_contain_text("the visit is booked")
    expect(timeline).to_contain_text("promised a call back at 4 pm")
    expect(page.locator("#log-contact").get_by_label("Summary")).to_have_value("")
    assert page.evaluate("window.__noReload") is True
    assert Interaction.objects.count() == 2


def drag_taller(page, textarea):
    """Drag the textarea's resize handle down, as someone wanting more room to write does;
    the browser keeps the new size as the textarea's style attribute."""
    box = textarea.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] + 60, steps=5)
    page.mouse.up()
    assert "height" in (textarea.get_attribute("style") or "")


def test_main_pages_break_no_content_security_policy_rule(browser_page, case, admin):
    """The strict CSP (no inline script or style) holds on every main page, admin included,
    and while an agent works a case (a contact logged on the case page, the quick log dialog):
    any violation, or any script error, shows up as a console error or a violation event."""
    page = browser_page
    errors = []
    violations = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium fires securitypolicyviolation in the page; the binding carries it out of every page loaded.
    page.expose_function("reportViolation", lambda violation: violations.append(violation))
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", (event) => window.reportViolation(
            `${event.violatedDirective} on ${document.location.pathname}, from ${event.sourceFile}:${event.lineNumber}`
        ));"""
    )
    log_in(page, "root")
    for url in [
        "/",
        "/clients/",
        case.client.get_absolute_url(),
        f"/clients/{case.client.pk}/edit/",
        "/cases/",
        case.get_absolute_url(),
        "/accounts/profile/",
        "/admin/",
        f"/admin/clients/case/{case.pk}/change/",
        "/api/docs/",
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info")).to_be_visible()  # the API docs drew themselves
    page.goto(case.get_absolute_url())
    form = page.locator("#log-contact")  # an htmx swap that brings back field errors
    form.get_by_label("Channel").select_option("note")
    form.get_by_label("Summary").fill("Left a voicemail")
    form.get_by_role("button", name="Log contact").click()
    expect(form).to_contain_text("A note is internal")

    # An agent works the case: a contact logged on the case page, then the quick log dialog.
    page.context.clear_cookies()
    log_in(page, "alice")
    page.goto(case.get_absolute_url())
    page.wait_for_selector("html[data-casebook-ready]", state="attached")
    form = page.locator("#log-contact")
    form.get_by_label("Channel").select_option("call")
    form.get_by_label("Client's mood").select_option("calm")
    form.get_by_label("Summary").fill("Called to say the engineer comes on Friday.")
    drag_taller(page, form.get_by_label("Summary"))
    form.get_by_role("button", name="Log contact").click()
    expect(page.locator("#timeline")).to_contain_text("the engineer comes on Friday")
    expect(page.locator("#log-contact")).to_contain_text("Call logged")
    page.get_by_role("button", name="Log a contact").click()
    dialog = page.locator("#quick-log")
    dialog.get_by_label("Client", exact=True).fill("holm")
    dialog.get_by_role("option", name="Greta Holm").click()
    expect(dialog.locator("#quick-log-case")).to_have_value(str(case.pk))
    dialog.get_by_label("Summary").fill("She called back to confirm Friday.")
    drag_taller(page, dialog.get_by_label("Summary"))
    dialog.get_by_role("button", name="Save the contact").click()
    expect(dialog.locator("#quick-log-success")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("She called back to confirm Friday.")
    page.wait_for_timeout(300)  # htmx settles swapped content a moment after the swap
    assert Interaction.objects.count() == 2

    # The refused log form answers 422 on purpose; Chromium reports every 4xx response.
    assert [e for e in errors if "status of 422" not in e] == []
    assert violations == []


def test_the_dashboard_and_client_page_draw_their_charts_without_errors(browser_page, case, manager, agent):
    InteractionFactory(case=case, mood="angry")
    type(case).objects.filter(pk=case.pk).update(status="resolved", resolved_at=case.opened_at + timedelta(hours=5))
    page = browser_page
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "marcus")
    for canvas in ["chart-weeks", "chart-ratings", "chart-temperament", "chart-root-cause", "chart-escalations"]:
        page.wait_for_function(f"window.Chart && Chart.getChart(document.getElementById('{canvas}')) !== undefined")
    expect(page.get_by_role("heading", name="Time to resolution by client temperament")).to_be_visible()
    page.goto(case.client.get_absolute_url())
    page.wait_for_function("window.Chart && Chart.getChart(document.getElementById('chart-client-mood')) !== undefined")
    assert errors == []


def test_agent_attaches_a_file_to_a_contact_and_sees_it_on_the_timeline(browser_page, case, agent, tmp_path):
    page = browser_page
    log_in(page, "alice")
    page.goto(case.get_absolute_url())
    page.evaluate("window.__noReload = true")

    refused = tmp_path / "screenshot.png"
    refused.write_text("<!doctype html><html><script>alert(1)</script></html>")
    form = page.locator("#log-contact")
    form.get_by_label("Channel").select_option("email")
    form.get_by_label("Summary").fill("She emailed the signed contract.")
    form.get_by_label("Files").set_input_files(str(refused))
    form.get_by_role("button", name="Log contact").click()
    # Refused on its content, with the summary still there and nothing logged.
    expect(page.locator("#log-contact")).to_contain_text("web page")
    expect(page.locator("#log-contact").get_by_label("Summary")).to_have_value("She emailed the signed contract.")
    assert not Interaction.objects.exists()

    contract = tmp_path / "signed contract.pdf"
    contract.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
    form = page.locator("#log-contact")
    form.get_by_label("Files").set_input_files(str(contract))
    form.get_by_role("button", name="Log contact").click()

    entry = page.locator("#timeline .interaction").first
    expect(entry).to_contain_text("She emailed the signed contract.")
    link = entry.get_by_role("link", name="signed contract.pdf")
    expect(link).to_be_visible()
    expect(entry).to_contain_text("application/pdf")
    assert page.evaluate("window.__noReload") is True

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "signed contract.pdf"
    assert download.path().read_bytes().startswith(b"%PDF-1.7")
