"""What follows an escalation, and what escalates from the apps below.

Connected in EscalationsConfig.ready. All run inside the sending service's transaction.

- Telling people: an email (through the outbox) and an in-app notice to the team's managers
  when a case is escalated, and to the agents concerned when a manager decides. Each email
  has a unique cause key and the notice is left only when that email row is new, so a person
  hears about one escalation (or one decision) exactly once.
- Escalating on what the apps below report without importing this one: an abusive contact
  and a poor satisfaction rating (interactions), a concession above the team's limit
  (playbooks).
"""

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import managers_of_team
from accounts.services import notice_send
from interactions.models import Interaction, SatisfactionSurvey
from interactions.services import absolute_url, staff_email_queue
from interactions.signals import abusive_contact_logged, poor_rating
from playbooks.models import Concession
from playbooks.signals import concession_above_limit

from .models import Escalation, EscalationReason
from .rules import escalate_abusive_contact
from .services import case_escalate
from .signals import escalation_decided, escalation_raised


def _tell(*, user: User, cause_key: str, template: str, context: dict, message: str, url: str, case) -> None:
    queued = staff_email_queue(
        cause_key=cause_key, user=user, template=template, context=context, case=case, hand_now=True
    )
    # The notice goes with a new email, or alone to someone without an address.
    if queued or not user.email:
        notice_send(user=user, message=message, url=url)


@receiver(escalation_raised, sender=Escalation, dispatch_uid="escalations.tell_managers")
def tell_managers(sender, escalation: Escalation, **kwargs) -> None:
    case = escalation.case
    url = reverse("escalations:review", args=[escalation.pk])
    context = {"escalation": escalation, "case": case, "review_url": absolute_url(url)}
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


@receiver(escalation_raised, sender=Escalation, dispatch_uid="escalations.tell_owner_of_stall")
def tell_owner_of_stall(sender, escalation: Escalation, **kwargs) -> None:
    """The stall rule escalated the case (contacts without playbook progress): its owner
    hears it from Casebook, as a nudge to move the case on, rather than from the manager.
    An owner who manages the team is told as a manager."""
    case = escalation.case
    owner = case.owner
    if escalation.reason != EscalationReason.STALLED or owner is None or not owner.is_active:
        return
    if any(manager.pk == owner.pk for manager in managers_of_team(case.team)):
        return
    notice_send(
        user=owner,
        message=f"{case} went to a manager by itself: {escalation.get_reason_display()}. Keep working it meanwhile.",
        url=case.get_absolute_url(),
    )


@receiver(escalation_decided, sender=Escalation, dispatch_uid="escalations.tell_owner")
def tell_owner(sender, escalation: Escalation, recipients: list[User], **kwargs) -> None:
    case = escalation.case
    url = case.get_absolute_url()
    context = {"escalation": escalation, "case": case, "case_url": absolute_url(url)}
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


@receiver(abusive_contact_logged, sender=Interaction, dispatch_uid="escalations.abusive_contact")
def escalate_abusive_contact_now(sender, interaction: Interaction, **kwargs) -> bool:
    """The case goes to a manager while the agent is still on the page; the abuse rules stay
    as the safety net for contacts written any other way."""
    try:
        return bool(escalate_abusive_contact(interaction, now=timezone.now()))
    except ValidationError:
        # The case was resolved or closed a moment ago: the contact is still logged, and the
        # rules leave a settled case alone too.
        return False


@receiver(poor_rating, sender=SatisfactionSurvey, dispatch_uid="escalations.poor_rating")
def escalate_poor_rating(sender, survey: SatisfactionSurvey, note: str, **kwargs) -> None:
    case_escalate(
        case=survey.case, reason=EscalationReason.LOW_SATISFACTION, note=note, cause_key=f"rating:{survey.pk}"
    )


@receiver(concession_above_limit, sender=Concession, dispatch_uid="escalations.concession_above_limit")
def escalate_concession_above_limit(sender, concession: Concession, note: str, **kwargs) -> None:
    case_escalate(
        case=concession.case,
        reason=EscalationReason.CONCESSION_OVER_LIMIT,
        note=note,
        cause_key=f"concession:{concession.pk}",
    )
