"""The dashboard's charts in a real browser: whole numbers on the axes that count, times in
hours or days as the axis says, each chart's table behind a toggle, and every scrolling
table box reachable with the keyboard (axe-core's scrollable-region-focusable)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import CaseStatus
from clients.tests.factories import CaseFactory
from escalations.models import Escalation, EscalationReason

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def wait_for_chart(page, canvas_id):
    page.wait_for_function(f"() => window.Chart && Chart.getChart(document.getElementById('{canvas_id}'))")


@pytest.fixture
def long_case(case, manager):
    """The team's one resolved case took 40 days; another is open and was escalated once."""
    now = timezone.now()
    type(case).objects.filter(pk=case.pk).update(
        status=CaseStatus.RESOLVED, opened_at=now - timedelta(hours=962), resolved_at=now
    )
    escalated = CaseFactory(client=case.client, owner=case.owner, status=CaseStatus.ESCALATED)
    Escalation.objects.create(case=escalated, reason=EscalationReason.CANNOT_RESOLVE, raised_at=now)
    return case


def test_the_axes_that_count_show_whole_numbers_only(browser_page, long_case):
    page = browser_page
    log_in(page, "marcus")
    for canvas, axis in [("chart-weeks", "y"), ("chart-ratings", "y"), ("chart-escalations", "x")]:
        wait_for_chart(page, canvas)
        ticks = page.evaluate(
            f"Chart.getChart(document.getElementById('{canvas}')).scales.{axis}.ticks.map(tick => tick.value)"
        )
        # One case, or no rating at all: Chart.js would otherwise count 0, 0.1, 0.2 ... 1.
        assert ticks and all(float(value).is_integer() for value in ticks), (canvas, ticks)


def test_a_chart_of_times_says_its_unit_and_its_tooltip_reads_the_time_in_words(browser_page, long_case):
    page = browser_page
    log_in(page, "marcus")
    wait_for_chart(page, "chart-temperament")
    chart = "Chart.getChart(document.getElementById('chart-temperament'))"
    assert page.evaluate(f"{chart}.options.scales.y.title.text") == "Days to resolution"
    assert page.evaluate(f"{chart}.data.datasets[0].data") == [40.1]
    # The median's bar made active through Chart.js's own API (tooltip.setActiveElements), as a
    # pointer over it would: hovering a canvas that may still be resizing was flaky.
    page.locator("#chart-temperament").scroll_into_view_if_needed()
    page.evaluate(
        f"""() => {{
            const chart = {chart};
            const bar = chart.getDatasetMeta(0).data[0];
            chart.tooltip.setActiveElements([{{datasetIndex: 0, index: 0}}], {{x: bar.x, y: bar.y}});
            chart.update();
        }}"""
    )
    page.wait_for_function(f"() => {chart}.tooltip.opacity > 0")
    lines = page.evaluate(f"{chart}.tooltip.body.flatMap(part => part.lines)")
    assert "Median: 40 days" in lines


def test_each_charts_table_opens_and_closes_from_the_keyboard(browser_page, long_case):
    page = browser_page
    log_in(page, "marcus")
    section = page.locator("section", has=page.get_by_role("heading", name="Time to resolution by client temperament"))
    toggle = section.get_by_text("Times as a table")
    table = section.get_by_role("table")
    expect(table).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(table.get_by_role("cell", name="40 days")).to_have_count(2)  # median and 90th percentile
    ring = page.evaluate(
        "(() => { const style = getComputedStyle(document.activeElement);"
        " return [document.activeElement.matches(':focus-visible'), style.outlineStyle]; })()"
    )
    assert ring == [True, "solid"]
    page.keyboard.press("Enter")
    expect(table).to_be_hidden()


@pytest.mark.parametrize("url", ["/", "/reports/root-causes/"])
def test_every_scrolling_table_box_can_be_reached_with_the_keyboard(browser_page, long_case, url):
    from axe_playwright_python.sync_playwright import Axe

    page = browser_page
    # A small tablet: the report's wide table scrolls sideways in its box (on a phone, below
    # 576 px, the tables become cards and scroll no more; the dashboard's fit from 576 px on).
    page.set_viewport_size({"width": 600, "height": 844})
    log_in(page, "marcus")
    page.goto(url)
    page.evaluate("document.querySelectorAll('details').forEach(details => { details.open = true; })")
    scrolling = page.evaluate(
        "[...document.querySelectorAll('.table-responsive')].filter(box => box.scrollWidth > box.clientWidth).length"
    )
    if url == "/reports/root-causes/":
        assert scrolling  # the rule has something to check
    results = Axe().run(page, options={"runOnly": ["scrollable-region-focusable"]}).response
    assert results["violations"] == []
