import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from casebook.accounts.models import Team, User
from clients.models import Case, CaseEvent, CaseStatus, Client, Escalation
from interactions.models import Interaction


def test_seed_bench_makes_the_asked_for_amounts(db):
    call_command("seed_bench", teams=2, staff=4, clients=30, cases=200, interactions_per_case=5, batch=64)
    assert Team.objects.filter(name__startswith="Bench team").count() == 2
    assert User.objects.filter(username__startswith="bench").count() == 4
    assert Client.objects.count() == 30
    assert Case.objects.count() == 200
    assert Interaction.objects.count() == 1000
    assert CaseEvent.objects.filter(kind="interaction_logged").count() == 1000
    assert Escalation.objects.count() == Case.objects.filter(status=CaseStatus.ESCALATED).count()
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    # Every case and interaction stays within its own team.
    assert not Case.objects.exclude(team_id=F("client__team_id")).exists()
    assert not Interaction.objects.exclude(client_id=F("case__client_id")).exists()


def test_seed_bench_refuses_to_run_twice(db):
    call_command("seed_bench", teams=1, staff=2, clients=2, cases=3)
    with pytest.raises(CommandError):
        call_command("seed_bench", teams=1, staff=2, clients=2, cases=3)
