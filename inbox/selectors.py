"""Reads of the inbox, team scope applied."""

import hmac

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.selectors import team_ids_of

from .models import InboundMessage, Mailbox, MessageState


def mailboxes_for_user(user: User) -> QuerySet[Mailbox]:
    mailboxes = Mailbox.objects.select_related("team", "owner")
    return mailboxes if user.is_superuser else mailboxes.filter(team_id__in=team_ids_of(user))


def messages_for_user(user: User) -> QuerySet[InboundMessage]:
    messages = InboundMessage.objects.select_related("mailbox__team__settings", "case")
    return messages if user.is_superuser else messages.filter(mailbox__team_id__in=team_ids_of(user))


def get_message_for_user(user: User, pk: int) -> InboundMessage:
    return get_object_or_404(messages_for_user(user), pk=pk)


def get_message_of_interaction(user: User, interaction_pk: int) -> InboundMessage:
    """The email a contact on a case came from (404 outside the user's teams)."""
    return get_object_or_404(messages_for_user(user), interaction_id=interaction_pk)


def triage_for_user(user: User) -> QuerySet[InboundMessage]:
    """Mail from unknown senders waiting for an agent, oldest first (first come, first served)."""
    return (
        messages_for_user(user)
        .filter(state=MessageState.TRIAGE)
        .defer("raw", "full_text", "safe_html")
        .order_by("received_at", "pk")
    )


def webhook_mailbox(*, mailbox_id: int, secret: str) -> Mailbox | None:
    """The active mailbox whose webhook secret this is, or None (compared in constant time)."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).select_related("team", "owner").first()
    if mailbox is None or not secret or not hmac.compare_digest(secret.encode(), mailbox.webhook_secret.encode()):
        return None
    return mailbox
