"""An abusive call reaches the manager's queue; the manager approves a concession and hands the case back."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from clients.models import CaseStatus
from escalations.models import EscalationDecision
from escalations.tasks import escalation_rules_run
from playbooks.models import ConcessionStatus
from playbooks.services import concession_limit_set, concession_offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()


def test_abusive_call_to_queue_to_concession_approval_and_hand_back(browser_page, case, agent, manager):
    concession_limit_set(actor=manager, team=case.team, kind="refund", max_value=Decimal("10"))
    concession = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("80"), currency="EUR")
    page = browser_page

    _log_in(page, "alice")
    page.goto(case.get_absolute_url())
    form = page.locator("#log-contact")
    form.get_by_label("Client's mood").select_option("abusive")
    form.get_by_label("Summary").fill("Insults about the engineer; I set a boundary.")
    form.get_by_role("button", name="Log contact").click()
    expect(form).to_contain_text("Call logged")
    # The call goes to a manager at once, and the agent is told so.
    expect(form).to_contain_text("This contact was abusive: the case went to a manager for review.")
    expect(page.locator("#case-badges")).to_contain_text("Escalated")
    assert escalation_rules_run()["escalate_abusive_contacts"] == 0  # nothing left for the rule

    _log_in(page, "marcus")
    page.goto("/escalations/")
    queue = page.get_by_role("table")
    expect(queue).to_contain_text("Abusive client")
    expect(queue).to_contain_text("Concession over the agent's limit")

    page.get_by_role("link", name=f"#{case.pk} {case.title}").first.click()  # oldest first: the concession
    expect(page.get_by_role("heading", name="Decision")).to_be_visible()
    page.get_by_label("Concession approved").check()
    page.get_by_label("Concession", exact=True).select_option(str(concession.pk))
    page.get_by_label("Note or guidance for the agent").fill("Goodwill refund, this once.")
    page.get_by_role("button", name="Record the decision").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Record the decision").click()  # it asks first
    expect(page.locator("body")).to_contain_text("Decision recorded")

    page.get_by_role("link", name=f"#{case.pk} {case.title}").click()
    page.get_by_label("Handed back with guidance").check()
    page.get_by_label("Note or guidance for the agent").fill("Written contact from now on; call me if it repeats.")
    page.get_by_role("button", name="Record the decision").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Record the decision").click()  # it asks first
    expect(page.locator("body")).to_contain_text("Nothing waits for a manager.")

    concession.refresh_from_db()
    case.refresh_from_db()
    assert concession.status == ConcessionStatus.APPROVED
    assert case.status == CaseStatus.IN_PROGRESS and case.owner == agent
    assert sorted(case.escalations.values_list("decision", flat=True)) == sorted(
        [EscalationDecision.CONCESSION_APPROVED, EscalationDecision.HAND_BACK]
    )
