"""The built-in playbooks installed by the data migration."""

from clients.models import Temperament
from playbooks.models import Playbook, StepKind
from playbooks.selectors import latest_version


def test_every_temperament_has_a_builtin_playbook_with_all_six_kinds():
    builtins = Playbook.objects.filter(team=None)
    for temperament in Temperament.values:
        playbook = next(p for p in builtins if temperament in p.temperaments)
        steps = list(latest_version(playbook).steps.order_by("position"))
        assert sorted(step.kind for step in steps) == sorted(StepKind.values), playbook.name
        assert all(step.guidance and step.title for step in steps)


def test_general_playbook_suits_clients_of_unknown_temperament():
    general = next(p for p in Playbook.objects.filter(team=None) if p.temperaments == ["unknown"])
    assert general.name == "General"


def test_angry_playbook_opens_with_room_to_vent():
    angry = next(p for p in Playbook.objects.filter(team=None) if p.temperaments == ["angry"])
    first = latest_version(angry).steps.order_by("position").first()
    assert first.kind == StepKind.PINPOINT
    assert "vent" in first.title.lower() and "vent" in first.guidance.lower()
    assert "calm down" in first.avoid.lower()


def test_silent_playbook_asks_open_questions_and_ends_with_a_written_summary():
    silent = next(p for p in Playbook.objects.filter(team=None) if p.temperaments == ["silent"])
    steps = list(latest_version(silent).steps.order_by("position"))
    assert "open questions" in steps[0].guidance.lower()
    assert steps[-1].kind == StepKind.FOLLOW_UP and "written summary" in steps[-1].guidance.lower()
