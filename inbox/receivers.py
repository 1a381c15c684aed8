"""The inbox's answers to the apps below it (which do not import it)."""

from django.dispatch import receiver

from interactions.models import OutgoingEmail
from interactions.signals import team_address_wanted

from .models import Mailbox


@receiver(team_address_wanted, sender=OutgoingEmail, dispatch_uid="inbox.team_address")
def team_address(sender, team_id: int, **kwargs) -> str:
    """Client emails come from the team's first active mailbox, so answers come back to it."""
    address = (
        Mailbox.objects.filter(team_id=team_id, is_active=True).order_by("pk").values_list("address", flat=True).first()
    )
    return address or ""
