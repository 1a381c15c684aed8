"""The case list and the escalation queue on a 390 px phone: each row is a card, every cell
on its own line inside the screen with its column's name before it, so no column hides
off the side of the screen."""

import pytest
from playwright.sync_api import expect

from clients.tests.factories import CaseFactory, ClientFactory
from escalations.models import EscalationReason
from escalations.services import case_escalate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def stacked_cells(page) -> list[dict]:
    """Each cell of the list's body rows: where it is, and what its `::before` label shows."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main table tbody tr > *')].map(cell => {
            const box = cell.getBoundingClientRect();
            return {
                label: getComputedStyle(cell, '::before').content,
                column: cell.dataset.label || null,
                text: cell.innerText.trim().slice(0, 60),
                left: box.left,
                right: box.right,
                top: box.top,
                width: window.innerWidth,
            };
        })"""
    )


def assert_stacked(page, columns: list[str]):
    cells = stacked_cells(page)
    assert len(cells) >= len(columns), cells
    for cell in cells:
        assert cell["left"] >= 0 and cell["right"] <= cell["width"] + 0.5, f"off screen: {cell}"
        assert cell["column"] in columns, f"a cell without its column's name: {cell}"
        assert cell["label"] == f'"{cell["column"]}"', f"the column's name is not shown: {cell}"
    # One cell a line: no two cells of a row side by side.
    first_row = cells[: len(columns)]
    assert [cell["column"] for cell in first_row] == columns
    assert sorted(cell["top"] for cell in first_row) == [cell["top"] for cell in first_row]
    assert len({cell["top"] for cell in first_row}) == len(columns), first_row
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_case_list_shows_each_case_as_a_card_on_a_phone(browser_page, case, agent, teammate):
    CaseFactory.create_batch(
        2, client=case.client, owner=teammate, title="A very long case title that would not fit a phone row at all"
    )
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, agent.username)
    page.goto("/cases/")

    expect(page.locator("main tbody tr")).to_have_count(3)
    assert_stacked(page, ["Case", "Client", "Status", "Priority", "Owner", "Last activity"])
    # The column headers are hidden from the eye only: a screen reader still reads them.
    header = page.get_by_role("columnheader", name="Owner")
    expect(header).to_be_attached()
    expect(header).not_to_be_in_viewport()
    # The case's link is still there to be tapped.
    page.get_by_role("link", name=case.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.title)


def test_the_escalation_queue_shows_each_escalation_as_a_card_on_a_phone(browser_page, case, manager, agent):
    case_escalate(case=case, reason=EscalationReason.OTHER, note="The client asks for a manager.", actor=agent)
    other = CaseFactory(client=ClientFactory(team=case.team, written_contact_only=True), owner=agent)
    case_escalate(case=other, reason=EscalationReason.OTHER, note="A second one.", actor=agent)
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, manager.username)
    page.goto("/escalations/")

    expect(page.locator("main tbody tr")).to_have_count(2)
    assert_stacked(page, ["Case", "Client", "Team", "Reason", "Raised", "Age (business hours)"])
    page.get_by_role("link", name=f"#{case.pk} {case.title}").click()
    expect(page.get_by_role("heading", name="Decision")).to_be_visible()


def test_an_empty_escalation_queue_says_so_in_one_card_on_a_phone(browser_page, manager):
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, manager.username)
    page.goto("/escalations/")

    empty = page.locator("main tbody td")
    expect(empty).to_have_count(1)
    expect(empty).to_contain_text("Nothing waits for a manager.")
    expect(empty).to_be_in_viewport()
    assert page.evaluate("getComputedStyle(document.querySelector('main tbody td'), '::before').content") == "none"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
