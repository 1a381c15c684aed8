"""Tell people about escalations: an email (through the outbox) and an in-app notice.

Connected in InteractionsConfig.ready to the signals clients sends inside its services'
transactions. Each email has a unique cause key and the notice is left only when that email
row is new, so a person hears about one escalation (or one decision) exactly once.
"""

from django.dispatch import receiver
from django.urls import reverse

from accounts.models import User
from accounts.selectors import managers_of_team
from accounts.services import notice_send
from clients.models import Escalation
from clients.signals import escalation_decided, escalation_raised

from .services import _absolute, staff_email_queue


def _tell(*, user: User, cause_key: str, template: str, context: dict, message: str, url: str, case) -> None:
    queued = staff_email_queue(
        cause_key=cause_key, user=user, template=template, context=context, case=case, hand_now=True
    )
    # The notice goes with a new email, or alone to someone without an address.
    if queued or not user.email:
        notice_send(user=user, message=message, url=url)


@receiver(escalation_raised, sender=Escalation, dispatch_uid="interactions.escalation_raised")
def tell_managers(sender, escalation: Escalation, **kwargs) -> None:
    case = escalation.case
    url = reverse("escalations:review", args=[escalation.pk])
    context = {"escalation": escalation, "case": case, "review_url": _absolute(url)}
    for manager in managers_of_team(case.team):
        _tell(
            user=manager,
            cause_key=f"escalation:{escalation.pk}:manager:{manager.pk}",
            template="escalation_raised",
            context=context,
            message=f"Escalated ({escalation.get_reason_display()}): {case}",
            url=url,
            case=case,
        )


@receiver(escalation_decided, sender=Escalation, dispatch_uid="interactions.escalation_decided")
def tell_owner(sender, escalation: Escalation, recipients: list[User], **kwargs) -> None:
    case = escalation.case
    url = case.get_absolute_url()
    context = {"escalation": escalation, "case": case, "case_url": _absolute(url)}
    for user in recipients:
        _tell(
            user=user,
            cause_key=f"escalation:{escalation.pk}:decided:{user.pk}",
            template="escalation_decided",
            context=context,
            message=f"{escalation.decided_by} decided the escalation on {case}: {escalation.decision_label}",
            url=url,
            case=case,
        )
