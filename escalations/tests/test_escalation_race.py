"""Two managers decide the same escalation at the same moment: one wins, the other is told."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from core.testing import require_postgres
from escalations.models import EscalationDecision, EscalationReason
from escalations.services import case_escalate, escalation_decide

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_managers_deciding_at_once_one_wins(case, manager):
    require_postgres()
    other = UserFactory(username="mona", teams=[case.team], role=Role.MANAGER)
    escalation = case_escalate(case=case, reason=EscalationReason.OTHER, cause_key="race")
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(user, decision):
        try:
            barrier.wait()
            escalation_decide(actor=user, escalation=escalation, decision=decision, note="Mine")
            outcomes[user.username] = "won"
        except ValidationError as error:
            outcomes[user.username] = " ".join(error.messages)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(manager, EscalationDecision.TAKE_OVER)),
        threading.Thread(target=decide, args=(other, EscalationDecision.HAND_BACK)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values(), key=lambda v: v != "won")[0] == "won"
    loser = next(v for v in outcomes.values() if v != "won")
    assert "already decided" in loser
    escalation.refresh_from_db()
    assert case.events.filter(kind="escalation_decided").count() == 1
    assert escalation.decided_by.username == next(k for k, v in outcomes.items() if v == "won")
