"""The navigation in a real browser, on the demo data, for a manager (whose bar is the
widest: Escalations too, and an unread notice): on a 1024 px and a 1280 px screen it is one
row, the search box is wide enough to type in and the user's name is there in full."""

import pytest
from playwright.sync_api import expect

from casebook.tests.test_main_pages_browser import chromium, demo, log_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 1024, "height": 768}, {"width": 1280, "height": 800}])
def test_a_managers_navigation_fits_one_row_with_a_usable_search_and_the_full_name(
    chromium,  # noqa: F811
    live_server,
    demo,  # noqa: F811
    viewport,
):
    context = chromium.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "manager")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Escalations")).to_be_visible()

        assert nav.bounding_box()["height"] <= 64, "the navigation wraps onto a second row"
        search = nav.get_by_role("searchbox")
        expect(search).to_be_visible()
        assert search.bounding_box()["width"] >= 160

        name = nav.locator("#nav-user .nav-user-name")
        expect(name).to_have_text("Marcus Lee")
        expect(name).to_be_in_viewport(ratio=1)
        assert name.evaluate("el => el.scrollWidth <= el.clientWidth"), "the name is cut short"

        # The shortcut is announced, not drawn inside the button like a count.
        log = nav.get_by_role("button", name="Log a contact", exact=True)
        expect(log).to_have_attribute("aria-keyshortcuts", "l")
        assert log.evaluate("el => el.children.length") == 0, log.inner_html()

        # Notices (with the unread count on the name) and Playbooks are in the user menu.
        # (the demo's escalation, and its email from a stranger waiting to be placed)
        expect(nav.locator("#nav-user .badge")).to_have_text("2 unread notices")
        nav.locator("#nav-user").click()
        expect(nav.get_by_role("link", name="Notices")).to_be_visible()
        nav.get_by_role("link", name="Playbooks").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Playbooks")
    finally:
        context.close()
