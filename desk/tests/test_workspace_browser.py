"""The case workspace in a real browser, on the demo oven case (half-way through its
playbook): what an agent needs is on the first screen, the page stays short, a phone shows
the work before the history, and the keyboard reaches the composer and the current step."""

import pytest
from playwright.sync_api import expect

from casebook.tests.test_main_pages_browser import chromium, demo, log_in  # noqa: F401 (fixtures)
from clients.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_oven_case(chromium, live_server, viewport):  # noqa: F811
    context = chromium.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "agent")
    page.goto(Case.objects.get(title="Oven service visit missed twice").get_absolute_url())
    page.wait_for_selector("html[data-casebook-ready]", state="attached")
    return context, page


def top(page, selector) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_on_a_desk_the_first_screen_holds_the_composer_the_step_and_the_next_promise(chromium, live_server, demo):  # noqa: F811
    context, page = open_oven_case(chromium, live_server, {"width": 1280, "height": 800})
    try:
        for target in ("#log-contact", "#step-main-action", "#next-promise"):
            expect(page.locator(target)).to_be_in_viewport(ratio=1)
        expect(page.locator("#step-main-action")).to_have_text("Save and finish step")
        expect(page.locator("#next-promise")).to_contain_text("Call back, due")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 2400, f"the case page is {height} px tall"
        # Done steps are one line each, their records folded under them.
        for done in page.locator(".playbook-done").all():
            assert done.bounding_box()["height"] < 40
    finally:
        context.close()


def test_on_a_phone_the_work_comes_before_the_history(chromium, live_server, demo):  # noqa: F811
    context, page = open_oven_case(chromium, live_server, {"width": 390, "height": 844})
    try:
        order = ["#next-promise", "#log-contact", "#step-main-action", "#follow-ups", "#timeline"]
        tops = [top(page, selector) for selector in order]
        assert tops == sorted(tops), dict(zip(order, tops, strict=True))
    finally:
        context.close()


def test_the_keyboard_reaches_the_composer_and_the_current_step(chromium, live_server, demo):  # noqa: F811
    context, page = open_oven_case(chromium, live_server, {"width": 1280, "height": 800})
    try:
        page.keyboard.press("c")
        expect(page.locator("#id_summary")).to_be_focused()
        page.keyboard.type("Called her back")  # typing in the note is not taken for shortcuts
        expect(page.locator("#id_summary")).to_have_value("Called her back")
        page.locator("#id_summary").blur()
        page.keyboard.press("n")
        expect(page.locator("#step-main-action")).to_be_focused()
        # The skip links, first after the navigation and the header's links, reach both too.
        page.goto(page.url)
        page.locator("a", has_text="Jump to the contact note").focus()
        expect(page.locator("a", has_text="Jump to the contact note")).to_be_visible()
        page.keyboard.press("Enter")
        expect(page.locator("#id_summary")).to_be_focused()
    finally:
        context.close()


def test_show_earlier_entries_adds_them_under_the_timeline(chromium, live_server, demo, settings):  # noqa: F811
    settings.CASEBOOK_TIMELINE_LIMIT = 5
    context, page = open_oven_case(chromium, live_server, {"width": 1280, "height": 800})
    try:
        entries = page.locator("#timeline > .timeline-item")
        expect(entries).to_have_count(5)
        page.get_by_role("link", name="Show earlier entries").click()
        expect(entries).to_have_count(10)
        texts = entries.all_inner_texts()
        assert len(set(texts)) == len(texts)  # none twice
        assert page.url.endswith(Case.objects.get(title="Oven service visit missed twice").get_absolute_url())
    finally:
        context.close()


# Each select of a form whose longest choice is wider than the room inside the select (its
# width less the padding, the arrow's included): measured with the select's own font.
CUT_SELECTS = """(form) => {
    const context = document.createElement("canvas").getContext("2d");
    return [...document.querySelector(form).querySelectorAll("select")].flatMap((select) => {
        const style = getComputedStyle(select);
        context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return [...select.options]
            .filter((option) => context.measureText(option.text).width > room)
            .map((option) => `${select.name}: "${option.text}" in ${Math.round(room)} px`);
    });
}"""


@pytest.mark.parametrize("width", [360, 390, 1024, 1280])
def test_the_log_forms_selects_show_every_choice_in_full(chromium, live_server, demo, width):  # noqa: F811
    context, page = open_oven_case(chromium, live_server, {"width": width, "height": 800})
    try:
        assert page.evaluate(CUT_SELECTS, "#log-contact") == []
        if width >= 1200:  # room enough: channel, direction, mood and minutes stay one compact row
            tops = {top(page, f"#log-contact [name={name}]") for name in ("channel", "direction", "mood")}
            assert len(tops | {top(page, "#log-contact [name=duration_minutes]")}) == 1
        if width < 400:  # the log dialog on a phone too, once a client is picked
            page.keyboard.press("l")
            dialog = page.locator("#quick-log")
            dialog.get_by_label("Client", exact=True).fill("greta")
            dialog.get_by_role("option", name="Greta Holm").click()
            expect(dialog.locator("#quick-log-case")).to_be_visible()
            assert page.evaluate(CUT_SELECTS, "#quick-log-form .row") == []
    finally:
        context.close()
