from django.core.management import call_command

from accounts.models import User
from clients.models import Case, CaseStatus, Client, Temperament
from interactions.models import Interaction, Mood


def test_seed_demo_tells_the_whole_story_once(db):
    call_command("seed_demo")
    counts = (User.objects.count(), Client.objects.count(), Case.objects.count(), Interaction.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Client.objects.count(), Case.objects.count(), Interaction.objects.count()) == counts

    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert set(Client.objects.values_list("temperament", flat=True)) == set(Temperament.values)
    assert set(Interaction.objects.values_list("mood", flat=True)) == set(Mood.values)
    from playbooks.models import StepRecord

    assert StepRecord.objects.count() == 3  # the oven case is part-way through its playbook
    from interactions.models import FollowUp

    assert FollowUp.objects.filter(owner__username="agent").count() == 2  # promises on the oven case
    for username in ["agent", "manager", "admin"]:
        assert User.objects.get(username=username).check_password("casebook-demo")
