"""An agent works a case through all six playbook steps in a real browser."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from playbooks.models import Concession, StepRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_works_a_case_through_all_six_steps(browser_page, case, agent):
    # The built-in playbooks come from playbooks/tests/conftest.py (the flush removes them).
    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.goto(case.get_absolute_url())
    expect(page.locator("#playbook")).to_contain_text("Playbook: Complainer")

    # Coaching: picking an angry mood shows the de-escalation and boundary guidance.
    hostile = page.locator("#coaching-hostile")
    expect(hostile).to_be_hidden()
    page.locator("#log-contact").get_by_label("Client's mood").select_option("angry")
    expect(hostile).to_be_visible()
    expect(hostile).to_contain_text("hand over to a manager")
    # ... and it stays after the angry contact is logged, though the form resets to calm.
    page.locator("#log-contact").get_by_label("Summary").fill("Shouted about the second missed visit.")
    page.locator("#log-contact").get_by_role("button", name="Log contact").click()
    expect(page.locator("#log-contact")).to_contain_text("Call logged")
    expect(page.locator("#log-contact").get_by_label("Client's mood")).to_have_value("calm")
    expect(hostile).to_be_visible()

    step = page.get_by_role("form", name="Finish this step")

    # 1. Pinpoint
    step.get_by_label("The problem, in the client's words").fill("The engineer missed two visits")
    step.get_by_label("Root cause").select_option("communication_breakdown")
    step.get_by_role("button", name="Save and finish step").click()
    expect(page.locator("#playbook")).to_contain_text("1 of 6 steps done")

    # 2. Common ground
    step.get_by_label("Points we agree on (one per line)").fill("The visit was missed\nThe oven is needed by Friday")
    step.get_by_role("button", name="Save and finish step").click()
    expect(page.locator("#playbook")).to_contain_text("2 of 6 steps done")

    # 3. Brainstorm: one option, then done
    option = page.get_by_role("form", name="Add a solution option")
    option.get_by_label("Option").fill("Priority visit tomorrow morning")
    option.get_by_label("Estimated cost to us").fill("80")
    option.get_by_label("Proposed by").select_option("client")
    option.get_by_role("button", name="Add option").click()
    expect(page.locator("#playbook")).to_contain_text("Priority visit tomorrow morning")
    step.get_by_role("button", name="Options are complete").click()
    expect(page.locator("#playbook")).to_contain_text("3 of 6 steps done")

    # 4. Compromise: fault and apology, a concession, the chosen option
    expect(page.locator("#playbook")).to_contain_text("No earlier concessions for this client")
    page.locator("#playbook summary", has_text="Fault and apology").click()  # folded until wanted
    fault = page.get_by_role("form", name="Fault and apology")
    fault.get_by_label("Were we at fault?").select_option("yes")
    fault.get_by_role("button", name="Save fault and apology").click()
    expect(page.locator("#playbook")).to_contain_text("at fault yes")
    page.locator("#playbook summary", has_text="Record a concession").click()
    concession = page.get_by_role("form", name="Record a concession")
    concession.get_by_label("Concession").select_option("discount")
    concession.get_by_label("Value").fill("20")
    concession.get_by_role("button", name="Record concession").click()
    expect(page.locator("#playbook")).to_contain_text("Concessions on this case")
    step.get_by_label("Chosen option").select_option(label="Priority visit tomorrow morning")
    step.get_by_role("button", name="Save and finish step").click()
    expect(page.locator("#playbook")).to_contain_text("4 of 6 steps done")

    # 5. Document: the summary is drafted from the record; the phrasing check warns live
    summary = step.get_by_label("Case summary")
    assert "Agreed solution: Priority visit tomorrow morning" in summary.input_value()
    summary.press("End")
    summary.type(" Please calm down.")
    expect(page.locator("#summary-phrasing")).to_contain_text("calm down")
    step.get_by_role("button", name="Save and finish step").click()
    expect(page.locator("#playbook")).to_contain_text("5 of 6 steps done")

    # 6. Follow-up: what happens next and when
    step.get_by_label("What happens next").fill("Engineer visit, then a call to check the oven works")
    # A winter morning that is in the future on whatever day this runs.
    step.get_by_label("When").fill(f"{timezone.now().year + 1}-01-15T09:30")
    step.get_by_role("button", name="Save and finish step").click()
    expect(page.locator("#playbook")).to_contain_text("Every step is done")
    expect(page.locator("#timeline")).to_contain_text("finished the step")

    records = StepRecord.objects.filter(case_playbook__case=case).order_by("step__position")
    assert [r.step.kind for r in records] == [
        "pinpoint", "common_ground", "brainstorm", "compromise", "document", "follow_up",
    ]  # fmt: skip
    assert all(r.completed_by == agent for r in records)
    assert "calm down" in records[4].outcome["summary"]  # a warning, never a block
    assert Concession.objects.get(case=case).value == 20
