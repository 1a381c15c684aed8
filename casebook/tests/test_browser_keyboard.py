"""Issue 9 in a real browser: log a contact from anywhere in three moves, every main flow
with the keyboard alone (with a visible focus ring), and confirmation before the irreversible."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import CaseStatus
from interactions.models import FollowUpStatus, Interaction
from interactions.services import follow_up_schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(browser_page):
    # Dialogs open and close at once (no fade), so a key pressed right after opening one counts.
    browser_page.emulate_media(reduced_motion="reduce")
    return browser_page


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    ready(page)


def ready(page):
    """Waits until the page's script has set up the shortcuts (it runs after the page is shown)."""
    page.wait_for_selector("html[data-casebook-ready]", state="attached")


def watch_navigation(page) -> list:
    """Every full page load from now on (an htmx swap is not one), and a marker a reload would lose."""
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    page.evaluate("window.__noReload = true")
    return loads


def focus_ring(page) -> dict:
    """The outline drawn around the focused element, as computed by the browser."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName, id: el.id, text: (el.textContent || '').trim().slice(0, 40),
                    visible: el.matches(':focus-visible'), outline: style.outlineStyle,
                    width: parseFloat(style.outlineWidth), color: style.outlineColor};
        }"""
    )


def assert_focus_ring(page):
    ring = focus_ring(page)
    assert ring["visible"] and ring["outline"] == "solid" and ring["width"] >= 2, ring


def tab_to(page, selector: str, *, limit: int = 80, backwards: bool = False):
    """Press Tab (or Shift+Tab) until `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("sel => document.activeElement && document.activeElement.matches(sel)", selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    pytest.fail(f"Tab never reached {selector}")


def test_from_the_dashboard_to_a_saved_contact_in_three_moves_without_a_reload(browser_page, case, manager):
    page = browser_page
    log_in(page, "marcus")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team dashboard")
    loads = watch_navigation(page)
    moves = 0

    page.get_by_role("button", name="Log a contact").click()  # 1: open the dialog
    moves += 1
    dialog = page.locator("#quick-log")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Client", exact=True).fill("holm")  # typing
    dialog.get_by_role("option", name="Greta Holm").click()  # 2: pick the client (her open case is preselected)
    moves += 1
    expect(dialog.locator("#quick-log-case")).to_have_value(str(case.pk))
    dialog.get_by_label("Summary").fill("Asked when the engineer comes; I promised a call back today.")  # typing
    dialog.get_by_role("button", name="Save the contact").click()  # 3: save
    moves += 1

    expect(dialog.locator("#quick-log-success")).to_contain_text(f"#{case.pk} {case.title}")
    assert moves <= 3
    assert loads == [] and page.evaluate("window.__noReload") is True
    interaction = Interaction.objects.get()
    assert interaction.case == case and interaction.logged_by == manager and interaction.channel == "call"

    # The link in the message leads to the case, where the contact is on the timeline.
    dialog.get_by_role("link", name=f"#{case.pk} {case.title}").click()
    expect(page.locator("#timeline")).to_contain_text("I promised a call back today")


def test_on_the_case_page_the_timeline_updates_in_place(browser_page, case, agent):
    page = browser_page
    log_in(page, "alice")
    page.goto(case.get_absolute_url())
    expect(page.locator("#case-badges")).to_contain_text("New")
    loads = watch_navigation(page)

    page.keyboard.press("l")
    dialog = page.locator("#quick-log")
    expect(dialog.get_by_label("Client", exact=True)).to_be_focused()
    page.keyboard.type("greta")
    expect(dialog.get_by_role("option", name="Greta Holm")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(dialog.locator("#quick-log-case")).to_be_focused()
    dialog.get_by_label("Client's mood").select_option("angry")
    dialog.get_by_label("Summary").fill("Angry about the second missed visit.")
    dialog.get_by_label("Summary").press("Control+Enter")

    expect(dialog.locator("#quick-log-success")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Angry about the second missed visit.")
    expect(page.locator("#case-badges")).to_contain_text("In progress")  # the first contact started work
    assert loads == [] and page.evaluate("window.__noReload") is True


def test_a_new_case_from_the_dialog_and_errors_that_keep_what_was_typed(browser_page, customer, agent):
    page = browser_page
    log_in(page, "alice")
    page.get_by_role("button", name="Log a contact").click()
    dialog = page.locator("#quick-log")
    dialog.get_by_label("Client", exact=True).fill("bakery")
    dialog.get_by_role("option", name="Greta Holm").click()
    expect(dialog.locator("#quick-log-case")).to_have_value("new")  # no open case yet
    dialog.get_by_label("Summary").fill("First call: the oven does not heat.")
    dialog.get_by_role("button", name="Save the contact").click()
    expect(dialog.get_by_label("Title of the new case")).to_be_focused()  # the field to fix
    expect(dialog).to_contain_text("Give the new case a title")
    expect(dialog.get_by_label("Summary")).to_have_value("First call: the oven does not heat.")
    dialog.get_by_label("Title of the new case").fill("Oven does not heat")
    dialog.get_by_role("button", name="Save the contact").click()
    expect(dialog.locator("#quick-log-success")).to_contain_text("Case opened and call logged")
    assert Interaction.objects.get().case.title == "Oven does not heat"


def test_shortcuts_and_their_help(browser_page, case, agent):
    page = browser_page
    log_in(page, "alice")
    page.keyboard.press("?")
    help_overlay = page.locator("#shortcuts-help")
    expect(help_overlay).to_be_visible()
    expect(help_overlay).to_contain_text("Log a contact")
    expect(help_overlay).to_be_focused()  # fully open: Bootstrap ignores Escape while it opens
    page.keyboard.press("Escape")
    expect(help_overlay).to_be_hidden()

    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url("**/cases/")
    ready(page)
    page.keyboard.press("/")
    expect(page.locator("#nav-search")).to_be_focused()
    page.keyboard.type("l")  # typing in a field is not a shortcut
    expect(page.locator("#quick-log")).to_be_hidden()
    page.keyboard.press("g")
    page.keyboard.press("m")
    expect(page.locator("#nav-search")).to_have_value("lgm")

    # The help is also one link away, in the user menu.
    page.locator("#nav .dropdown-toggle").click()
    page.get_by_role("link", name="Keyboard shortcuts").click()
    expect(help_overlay).to_be_visible()


def _step_and_escalation(case, agent):
    from escalations.services import case_escalate
    from playbooks.defaults import install_defaults
    from playbooks.models import Playbook, PlaybookVersion, Step

    install_defaults(Playbook, PlaybookVersion, Step)
    return case_escalate(actor=agent, case=case, reason="other", note="The client asks for a manager.")


def test_every_main_flow_with_the_keyboard_alone(browser_page, case, agent, manager):
    escalation = _step_and_escalation(case, agent)
    page = browser_page
    keyboard = page.keyboard

    # Log in: the username field has the focus when the page opens.
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    keyboard.type("alice")
    keyboard.press("Tab")
    keyboard.type("pw")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My day")
    ready(page)

    # Search, and open the case from the results.
    keyboard.press("/")
    assert_focus_ring(page)
    keyboard.type("Oven visit")
    keyboard.press("Enter")
    page.wait_for_url("**/search/**")
    ready(page)
    tab_to(page, f'a[href="{case.get_absolute_url()}"]')
    assert_focus_ring(page)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)
    ready(page)

    # Log a contact through the dialog.
    keyboard.press("l")
    expect(page.locator("#quick-log-q")).to_be_focused()
    keyboard.type("greta")
    expect(page.get_by_role("option", name="Greta Holm")).to_have_attribute("aria-selected", "true")
    keyboard.press("Enter")
    expect(page.locator("#quick-log-case")).to_be_focused()
    assert_focus_ring(page)
    tab_to(page, "#quick-log-summary")
    keyboard.type("Called to say the part has arrived.")
    tab_to(page, "#quick-log-form button[type=submit]")
    assert_focus_ring(page)
    keyboard.press("Enter")
    expect(page.locator("#quick-log-success")).to_be_focused()
    keyboard.press("Escape")
    expect(page.locator("#timeline")).to_contain_text("Called to say the part has arrived.")

    # Work the current playbook step (pinpoint the problem).
    tab_to(page, "#step-form textarea")
    keyboard.type("The engineer missed two visits and nobody called.")
    tab_to(page, "#step-form select")
    keyboard.press("ArrowDown")
    tab_to(page, "#step-form button[type=submit]")
    assert_focus_ring(page)
    keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("done")
    ready(page)

    # Schedule a follow-up: open the folded form, fill it, schedule.
    tab_to(page, "#follow-ups summary")
    assert_focus_ring(page)
    keyboard.press("Enter")
    tab_to(page, "#follow-ups input[name=due_at]")
    due = timezone.localtime(timezone.now() + timedelta(days=2))
    keyboard.type(due.strftime("%m%d%Y"))
    keyboard.press("ArrowRight")
    keyboard.type("1000AM")
    tab_to(page, "#follow-ups button[type=submit]")
    keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Follow-up scheduled")
    assert case.follow_ups.filter(status=FollowUpStatus.PENDING).count() == 1

    # A manager decides the escalation.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    ready(page)
    keyboard.type("marcus")
    keyboard.press("Tab")
    keyboard.type("pw")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team dashboard")
    ready(page)
    keyboard.press("g")
    keyboard.press("e")
    page.wait_for_url("**/escalations/")
    ready(page)
    tab_to(page, f'a[href="/escalations/{escalation.pk}/"]')
    keyboard.press("Enter")
    page.wait_for_url(f"**/escalations/{escalation.pk}/")
    ready(page)
    tab_to(page, "input[name=decision]")
    assert_focus_ring(page)
    keyboard.press("Space")
    tab_to(page, "textarea[name=note]")
    keyboard.type("I will call the client myself this afternoon.")
    tab_to(page, "form[data-confirm] button[type=submit]")
    keyboard.press("Enter")
    expect(page.locator("#confirm-dialog-yes")).to_be_focused()  # it asks first
    assert_focus_ring(page)
    keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Decision recorded")
    escalation.refresh_from_db()
    assert escalation.decided_by == manager


def test_irreversible_actions_ask_before_going_ahead(browser_page, case, agent):
    follow_up = follow_up_schedule(
        actor=agent, case=case, kind="call_back", due_at=timezone.now() + timedelta(days=1), note="Call back"
    )
    page = browser_page
    log_in(page, "alice")

    # A boundary warning: "Go back" changes nothing.
    page.goto(case.get_absolute_url())
    loads = watch_navigation(page)
    page.locator("#case-status-panel summary", has_text="Boundary warning").click()  # folded with the case's actions
    page.get_by_role("button", name="Record the warning").click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Record a boundary warning?")
    confirm.locator(".modal-footer").get_by_role("button", name="Go back").click()
    expect(confirm).to_be_hidden()
    assert loads == [] and case.boundary_warnings.count() == 0
    page.get_by_role("button", name="Record the warning").click()
    confirm.get_by_role("button", name="Record the warning").click()
    expect(page.locator("#messages")).to_contain_text("Warning recorded")
    assert case.boundary_warnings.count() == 1

    # Cancelling a follow-up.
    page.goto(f"/cases/follow-ups/{follow_up.pk}/cancel/")
    page.get_by_role("button", name="Cancel the follow-up").click()
    expect(confirm).to_contain_text("Cancel this follow-up?")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.PENDING  # nothing sent yet
    confirm.get_by_role("button", name="Cancel the follow-up").click()
    expect(page.locator("#messages")).to_contain_text("Follow-up cancelled.")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.CANCELLED

    # Closing the case from the status panel.
    page.goto(case.get_absolute_url())
    page.locator("#case-status-panel summary", has_text="Change the status").click()  # drawn as it opens
    page.locator("#case-status-panel").get_by_label("Move to").select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Change status").click()
    expect(page.locator("#case-badges")).to_contain_text("Resolved")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_on_a_phone_the_dialog_fits_and_axe_finds_nothing_serious_in_it(browser_page, case, agent):
    from casebook.tests.test_main_pages_browser import serious_violations

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "alice")
    page.get_by_role("button", name="Toggle navigation").click()  # the menu folds away on a phone
    page.get_by_role("button", name="Log a contact").click()
    dialog = page.locator("#quick-log")
    dialog.get_by_label("Client", exact=True).fill("greta")
    dialog.get_by_role("option", name="Greta Holm").click()
    expect(dialog.get_by_label("Summary")).to_be_visible()

    box = dialog.locator(".modal-content").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    problems = serious_violations(page)
    assert not problems, "\n".join(problems)

    dialog.get_by_label("Summary").fill("Called from the car park: the visit is tomorrow.")
    dialog.get_by_role("button", name="Save the contact").click()
    expect(dialog.locator("#quick-log-success")).to_be_visible()
    assert Interaction.objects.get().case == case
