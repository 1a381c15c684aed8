"""Concessions in units: a discount in percent of the bill or as an amount, limits per unit in
the team's currency, what the agent sees before offering, and the migration of old rows."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.selectors import team_settings
from accounts.services import team_settings_update
from clients.models import CaseEvent, CaseEventKind
from escalations.models import Escalation
from playbooks.forms import ConcessionForm, LimitsForm
from playbooks.models import Concession, ConcessionLimit, ConcessionStatus, ConcessionUnit, StepKind
from playbooks.services import concession_limit_set, concession_offer

from .factories import complete_current, current_step


@pytest.fixture
def limits(manager, team):
    """Discounts up to 10 % or 50 EUR, refunds up to 100 EUR, 2 free hours."""
    concession_limit_set(actor=manager, team=team, kind="discount", unit="percent", max_value=Decimal("10"))
    concession_limit_set(actor=manager, team=team, kind="discount", unit="amount", max_value=Decimal("50"))
    concession_limit_set(actor=manager, team=team, kind="refund", max_value=Decimal("100"))
    concession_limit_set(actor=manager, team=team, kind="free_hours", max_value=Decimal("2"))


# --- The limit check ----------------------------------------------------------------


def test_a_percent_discount_is_checked_against_the_percent_limit(case, agent, limits):
    within = concession_offer(actor=agent, case=case, kind="discount", unit="percent", value=Decimal("10"))
    assert (within.status, within.unit, within.currency) == (ConcessionStatus.GRANTED, "percent", "")
    assert str(within) == "Discount 10 %"
    # 40 is under the amount limit (50 EUR) but a 40 % discount is above the 10 % one.
    above = concession_offer(actor=agent, case=case, kind="discount", unit="percent", value=Decimal("40"))
    assert above.status == ConcessionStatus.PENDING
    assert Escalation.objects.filter(cause_key=f"concession:{above.pk}").exists()


def test_an_amount_discount_is_checked_against_the_amount_limit(case, agent, limits):
    # 30 EUR is above the 10 % limit's number but within the 50 EUR one: units are not mixed.
    within = concession_offer(actor=agent, case=case, kind="discount", value=Decimal("30"), currency="EUR")
    assert (within.status, within.unit) == (ConcessionStatus.GRANTED, "amount")
    above = concession_offer(
        actor=agent, case=case, kind="discount", unit="amount", value=Decimal("60"), currency="EUR"
    )
    assert above.status == ConcessionStatus.PENDING
    escalation = Escalation.objects.get(cause_key=f"concession:{above.pk}")
    assert "above the limit without a manager of 50.00 EUR" in escalation.note


def test_an_amount_above_the_refund_limit_goes_to_a_manager(case, agent, limits):
    concession = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("100.01"), currency="EUR")
    assert concession.status == ConcessionStatus.PENDING
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.CONCESSION_RECORDED)
    assert event.data["limit"] == "Refund up to 100.00 EUR" and event.data["other_currency"] is False


def test_an_amount_in_another_currency_than_the_limit_goes_to_a_manager(case, agent, limits):
    # 5 USD is far below 100 EUR, but the two cannot be compared.
    concession = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("5"), currency="usd")
    assert (concession.status, concession.currency) == (ConcessionStatus.PENDING, "USD")
    escalation = Escalation.objects.get(cause_key=f"concession:{concession.pk}")
    assert "is in USD" in escalation.note and "another currency" in escalation.note
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.CONCESSION_RECORDED)
    assert event.data["other_currency"] is True


def test_a_limit_follows_the_team_currency_it_was_set_in(case, agent, manager, team):
    team_settings_update(actor=manager, team=team, currency="GBP")
    limit = concession_limit_set(actor=manager, team=team, kind="refund", max_value=Decimal("100"))
    assert limit.currency == "GBP"
    gbp = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("20"), currency="GBP")
    eur = concession_offer(actor=agent, case=case, kind="refund", value=Decimal("20"), currency="EUR")
    assert (gbp.status, eur.status) == (ConcessionStatus.GRANTED, ConcessionStatus.PENDING)


def test_free_hours_are_hours_checked_against_the_hours_limit(case, agent, limits):
    # The form's unit choice and a currency typed in are ignored: free hours are hours.
    two = concession_offer(actor=agent, case=case, kind="free_hours", unit="amount", value=Decimal("2"), currency="EUR")
    assert (two.status, two.unit, two.currency) == (ConcessionStatus.GRANTED, "hours", "")
    assert two.value_display == "2 hours"
    three = concession_offer(actor=agent, case=case, kind="free_hours", value=Decimal("3"))
    assert three.status == ConcessionStatus.PENDING


def test_no_limit_in_a_unit_means_no_cap_in_that_unit(case, agent, manager, team):
    concession_limit_set(actor=manager, team=team, kind="discount", max_value=Decimal("50"))
    concession = concession_offer(actor=agent, case=case, kind="discount", unit="percent", value=Decimal("25"))
    assert concession.status == ConcessionStatus.GRANTED


def test_only_a_discount_can_be_a_percentage_and_at_most_100(case, agent, manager, team):
    with pytest.raises(ValidationError) as error:
        concession_offer(actor=agent, case=case, kind="refund", unit="percent", value=Decimal("5"))
    assert "unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        concession_offer(actor=agent, case=case, kind="discount", unit="percent", value=Decimal("101"))
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        concession_offer(actor=agent, case=case, kind="discount", unit="hours", value=Decimal("1"))
    assert "unit" in error.value.message_dict
    with pytest.raises(ValidationError):
        concession_limit_set(actor=manager, team=team, kind="refund", unit="percent", max_value=Decimal("5"))
    assert not Concession.objects.exists() and not ConcessionLimit.objects.exists()


def test_an_apology_has_no_unit(case, agent, limits):
    apology = concession_offer(actor=agent, case=case, kind="apology")
    assert (apology.status, apology.unit, apology.value_display) == (ConcessionStatus.GRANTED, "", "")


# --- Forms --------------------------------------------------------------------------


def test_the_concession_form_offers_percent_or_amount_for_a_discount():
    form = ConcessionForm(
        {"kind": "discount", "value": "15", "unit": "percent", "currency": "", "request_key": ""}, prefix=None
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit"] == ConcessionUnit.PERCENT
    assert [value for value, _label in form.fields["unit"].choices] == ["amount", "percent"]
    assert not ConcessionForm({"kind": "discount", "value": "15", "unit": "bananas"}).is_valid()
    # Left out (an older page, another kind): the service takes the kind's usual unit.
    assert ConcessionForm({"kind": "refund", "value": "15", "currency": "EUR"}).is_valid()


def test_the_limits_form_has_a_percent_and_an_amount_limit_for_discounts(manager, team):
    form = LimitsForm(
        {"discount": "50", "discount_percent": "10", "refund": "", "free_hours": "2", "other": ""}, currency="GBP"
    )
    assert form.is_valid(), form.errors
    assert set(form.limits()) == {
        ("discount", "amount", Decimal("50")),
        ("discount", "percent", Decimal("10")),
        ("free_hours", "hours", Decimal("2")),
        ("refund", "amount", None),
        ("other", "amount", None),
    }
    assert "GBP" in str(form.fields["discount"].label)
    assert not LimitsForm({"discount_percent": "120"}).is_valid()


# --- Pages --------------------------------------------------------------------------


def _to_compromise(case, agent):
    for _ in range(3):
        complete_current(case, agent)
    assert current_step(case).kind == StepKind.COMPROMISE


def _concession_fold(agent_client, case) -> str:
    """The concession form with the agent's limits, as its fold on the case page opens."""
    url = reverse("cases:concession_add", args=[case.pk])
    assert f'hx-get="{url}"' in agent_client.get(case.get_absolute_url()).content.decode()
    return agent_client.get(url, headers={"HX-Request": "true"}).content.decode()


def test_the_compromise_step_shows_the_agents_limits_with_currency(agent_client, case, agent, limits):
    _to_compromise(case, agent)
    html = _concession_fold(agent_client, case)
    assert (
        "Your limits without a manager: discount up to 10 % or 50.00 EUR, refund up to 100.00 EUR, "
        "up to 2 hours of free service." in html
    )
    assert 'name="concession-unit"' in html
    assert 'name="concession-currency" value="EUR"' in html


def test_the_compromise_step_says_when_no_limits_are_set(agent_client, case, agent):
    _to_compromise(case, agent)
    html = _concession_fold(agent_client, case)
    assert "Your team has set no limits" in html


def test_an_over_limit_offer_from_the_page_says_why_it_waits(agent_client, case, agent, limits):
    _to_compromise(case, agent)
    url = reverse("cases:concession_add", args=[case.pk])
    response = agent_client.post(
        url,
        {"concession-kind": "discount", "concession-value": "15", "concession-unit": "percent"},
        follow=True,
    )
    concession = Concession.objects.get()
    assert (concession.unit, concession.status) == ("percent", ConcessionStatus.PENDING)
    html = response.content.decode()
    assert "it waits for a manager" in html and "Discount 15 % is above the limit without a manager of 10 %" in html

    response = agent_client.post(
        url,
        {"concession-kind": "refund", "concession-value": "5", "concession-currency": "USD"},
        follow=True,
    )
    assert "Refund 5.00 USD is in USD, but the limit without a manager is 100.00 EUR" in response.content.decode()


def test_a_refused_offer_keeps_what_was_typed_and_says_why(agent_client, case, agent, limits):
    _to_compromise(case, agent)
    response = agent_client.post(
        reverse("cases:concession_add", args=[case.pk]),
        {
            "concession-kind": "refund",
            "concession-value": "15",
            "concession-unit": "percent",
            "concession-note": "Sorry",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Only a discount can be a percentage of the bill." in html
    assert "Sorry" in html
    assert not Concession.objects.exists()


def test_the_limits_page_sets_a_percent_and_an_amount_discount_limit(client, manager, team):
    client.force_login(manager)
    url = reverse("playbooks:limits") + f"?team={team.pk}"
    assert "amount in EUR" in client.get(url).content.decode()
    response = client.post(url, {"discount": "30", "discount_percent": "10", "free_hours": "2"})
    assert response.status_code == 302
    rows = set(ConcessionLimit.objects.filter(team=team).values_list("kind", "unit", "max_value", "currency"))
    assert rows == {
        ("discount", "amount", Decimal("30"), "EUR"),
        ("discount", "percent", Decimal("10"), ""),
        ("free_hours", "hours", Decimal("2"), ""),
    }
    assert client.post(url, {"discount_percent": "150"}).status_code == 422


# --- The migration of existing rows -------------------------------------------------


def test_the_migration_gives_old_rows_their_unit_and_currency(case, agent, manager, team, other_team):
    migration = importlib.import_module("playbooks.migrations.0007_concession_units_for_existing_rows")
    team_settings(team)
    team_settings_update(actor=manager, team=team, currency="GBP")

    def old(kind, value, currency):
        # As rows were before units: every row had the column's default.
        return Concession.objects.create(
            case=case, client=case.client, kind=kind, value=value, currency=currency, status="granted", created_by=agent
        )

    discount = old("discount", Decimal("20"), "EUR")
    refund_without_currency = old("refund", Decimal("30"), "")
    hours = old("free_hours", Decimal("2"), "")
    apology = old("apology", None, "")
    limit = ConcessionLimit.objects.create(team=team, kind="discount", max_value=Decimal("30"), updated_by=manager)
    hours_limit = ConcessionLimit.objects.create(
        team=team, kind="free_hours", max_value=Decimal("2"), updated_by=manager
    )
    # A team that never saved its settings: EUR.
    elsewhere = ConcessionLimit.objects.create(
        team=other_team, kind="refund", max_value=Decimal("40"), updated_by=manager
    )

    migration.units_for_existing_rows(apps, None)

    for row in (discount, refund_without_currency, hours, apology, limit, hours_limit, elsewhere):
        row.refresh_from_db()
    assert (discount.unit, discount.currency, discount.value) == ("amount", "EUR", Decimal("20"))
    assert (refund_without_currency.unit, refund_without_currency.currency) == ("amount", "GBP")
    assert (hours.unit, hours.currency, apology.unit) == ("hours", "", "")
    assert (limit.unit, limit.currency, limit.max_value) == ("amount", "GBP", Decimal("30"))
    assert (hours_limit.unit, hours_limit.currency) == ("hours", "")
    assert (elsewhere.unit, elsewhere.currency) == ("amount", "EUR")
    assert Concession.objects.count() == 4 and ConcessionLimit.objects.count() == 3


def test_the_demo_limits_have_their_units(team, manager):
    from playbooks.demo import seed_playbook_progress

    seed_playbook_progress(team=team, manager=manager)
    rows = set(ConcessionLimit.objects.filter(team=team).values_list("kind", "unit", "max_value", "currency"))
    assert rows == {
        ("refund", "amount", Decimal("50"), "EUR"),
        ("discount", "percent", Decimal("10"), ""),
        ("discount", "amount", Decimal("30"), "EUR"),
        ("free_hours", "hours", Decimal("2"), ""),
    }


def test_the_escalation_review_shows_a_percent_discount(client, case, agent, manager, limits):
    concession = concession_offer(actor=agent, case=case, kind="discount", unit="percent", value=Decimal("25"))
    escalation = Escalation.objects.get(cause_key=f"concession:{concession.pk}")
    client.force_login(manager)
    html = client.get(reverse("escalations:review", args=[escalation.pk])).content.decode()
    assert "Discount 25 %" in html
