"""Existing concessions and limits get their unit: every discount, refund and "other" so far
was an amount of money, free hours are hours, an apology has no value. An amount without a
currency takes its team's (EUR for a team that never saved settings). Nothing is removed."""

from django.db import migrations

MONEY_KINDS = ["discount", "refund", "other"]
DEFAULT_CURRENCY = "EUR"


def units_for_existing_rows(apps, schema_editor):
    Concession = apps.get_model("playbooks", "Concession")
    ConcessionLimit = apps.get_model("playbooks", "ConcessionLimit")
    TeamSettings = apps.get_model("accounts", "TeamSettings")
    currencies = dict(TeamSettings.objects.values_list("team_id", "currency"))

    Concession.objects.filter(kind="apology").update(unit="")
    Concession.objects.filter(kind="free_hours").update(unit="hours")
    Concession.objects.filter(kind__in=MONEY_KINDS).update(unit="amount")
    no_currency = Concession.objects.filter(kind__in=MONEY_KINDS, currency="", value__isnull=False)
    for team_id in set(no_currency.values_list("case__team_id", flat=True)):
        no_currency.filter(case__team_id=team_id).update(currency=currencies.get(team_id, DEFAULT_CURRENCY))

    ConcessionLimit.objects.filter(kind="free_hours").update(unit="hours", currency="")
    money_limits = ConcessionLimit.objects.filter(kind__in=MONEY_KINDS)
    money_limits.update(unit="amount")
    for team_id in set(money_limits.values_list("team_id", flat=True)):
        money_limits.filter(team_id=team_id).update(currency=currencies.get(team_id, DEFAULT_CURRENCY))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_team_currency"),
        ("playbooks", "0006_concession_units"),
    ]

    # Going back, the unit and currency columns are dropped by 0006: nothing to undo here.
    operations = [migrations.RunPython(units_for_existing_rows, migrations.RunPython.noop)]
