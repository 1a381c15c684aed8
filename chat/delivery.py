"""Handing stored messages to the chat's sockets, wherever they run (the channel layer:
Redis in production). Nothing is stored here: a message is delivered after its service
stored it, and a side that missed a delivery gets it again by resuming."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .models import Chat, ChatMessage, Side


def group_name(chat_id: int) -> str:
    """Every socket of a chat, the client's and the agents', listens on this group."""
    return f"chat.{chat_id}"


def message_payload(chat: Chat, message: ChatMessage) -> dict:
    """A stored message as the sockets send it (the client's socket drops "mood")."""
    if message.sender == Side.CLIENT:
        author = chat.name
    elif message.sender == Side.AGENT:
        author = str(message.author)
    else:
        author = "Casebook"
    return {
        "type": "message",
        "seq": message.seq,
        "id": message.client_message_id,
        "side": message.sender,
        "author": author,
        "text": message.text,
        "at": message.created_at.isoformat(),
        "mood": message.mood_suggested,
    }


def deliver(chat: Chat, message: ChatMessage) -> None:
    """Send a message stored outside a socket (a page's "take" button) to the chat's sockets."""
    async_to_sync(get_channel_layer().group_send)(
        group_name(chat.pk), {"type": "chat.message", "message": message_payload(chat, message)}
    )
