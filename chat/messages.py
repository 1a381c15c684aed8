"""A message left on the chat's start page when nobody of the team is available.

It lands as an inbound email does: on the client's open case (the team's client with that
email, else a new client; their open case, else a new one, as a chat would), as a contact
from the client with the mood Casebook suggests, and the case's owner is told. The answer
goes to the email address the visitor gave.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team
from accounts.selectors import hostile_phrases_of, team_settings
from accounts.services import notice_send
from clients.models import Client
from clients.services import client_create
from interactions.models import Channel, Interaction
from interactions.mood import suggest_mood
from interactions.services import interaction_receive

# The same client and case a chat from this visitor would go to (chat/services.py).
from .services import _case_for_chat, _chat_settings

MAX_MESSAGE_CHARS = 5000


@transaction.atomic
def chat_leave_message(*, team: Team, name: str, email: str, message: str) -> Interaction:
    """Put a visitor's message on their case as an inbound email contact; returns it.

    Refused (ValidationError per field): no name, an address that is not one, an empty or
    too long message, a team without chat.
    """
    setup = _chat_settings(team)
    name = " ".join(name.split())[:200]
    email = email.strip()[:320]
    message = message.strip()
    errors = {}
    if not name:
        errors["name"] = _("Tell us your name.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Give an email address we can answer you at, such as name@example.com.")
    if not message:
        errors["message"] = _("Write your message.")
    elif len(message) > MAX_MESSAGE_CHARS:
        errors["message"] = _("The message is too long: at most %(limit)s characters.") % {"limit": MAX_MESSAGE_CHARS}
    if errors:
        raise ValidationError(errors)
    client = Client.objects.filter(team=team, email__iexact=email).order_by(
        "-updated_at", "-pk"
    ).first() or client_create(actor=None, team=team, name=name, email=email)
    case = _case_for_chat(client, setup, name)
    mood = suggest_mood(message, hostile_phrases=hostile_phrases_of(team_settings(team)))
    heading = _("Message from the chat page (nobody was available) from %(name)s <%(email)s>:") % {
        "name": name,
        "email": email,
    }
    interaction = interaction_receive(
        case=case,
        channel=Channel.EMAIL,
        mood=mood,
        summary=f"{heading}\n\n{message}",
        occurred_at=timezone.now(),
    )
    notice_send(
        user=case.owner,
        message=_("%(name)s left a message on the chat page on “%(case)s”") % {"name": name, "case": case.title},
        url=case.get_absolute_url() + f"#interaction-{interaction.pk}",
    )
    return interaction
