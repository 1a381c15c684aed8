"""The live chat's answers to the apps below it (which do not import it)."""

from django.dispatch import receiver
from django.urls import reverse

from interactions.models import OutgoingEmail
from interactions.services import absolute_url
from interactions.signals import chat_link_wanted

from .models import TeamChat
from .services import chat_link_token


@receiver(chat_link_wanted, sender=OutgoingEmail, dispatch_uid="chat.link")
def chat_link_maker(sender, team_id: int, **kwargs):
    """Emails to the clients of a team that offers chat carry a signed "chat with us" link
    (the chat starts on the page's button: mail scanners open links)."""
    if not TeamChat.objects.filter(team_id=team_id).exists():
        return None
    return lambda client: absolute_url(reverse("chat:link", kwargs={"token": chat_link_token(client)}))
