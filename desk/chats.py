"""The agents' side of the live chat: the chats queue and one chat's page (static/js/chat.js
talks to the chat's socket from there)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chat.delivery import deliver
from chat.selectors import chats_for_user, get_chat_for_user
from chat.services import chat_take

# Logging a contact is what an agent does; a chat ends as one.
CHAT_PERMISSION = "interactions.add_interaction"
QUEUE_LIMIT = 100


@login_required
@permission_required(CHAT_PERMISSION, raise_exception=True)
def queue(request):
    """Chats waiting for an agent, the user's own, and every open chat of their teams."""
    lists = {which: list(chats_for_user(request.user, which)[:QUEUE_LIMIT]) for which in ("waiting", "mine", "team")}
    return render(request, "desk/chats.html", {**lists, "section": "chats"})


@login_required
@permission_required(CHAT_PERMISSION, raise_exception=True)
def chat_detail(request, pk: int):
    chat = get_chat_for_user(request.user, pk)
    context = {
        "chat": chat,
        "side": "agent",
        "socket_path": f"/ws/chat/agent/{chat.pk}/",
        "storage_key": f"agent-{chat.pk}-{request.user.pk}",
        "max_chars": settings.CASEBOOK_CHAT_MAX_CHARS,
        "can_write": chat.agent_id == request.user.pk and not chat.is_closed,
        "section": "chats",
    }
    return render(request, "desk/chat.html", context)


@login_required
@permission_required(CHAT_PERMISSION, raise_exception=True)
@require_POST
def take(request, pk: int):
    chat = get_chat_for_user(request.user, pk)
    try:
        chat, joined = chat_take(chat=chat, agent=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("chats")
    if joined is not None:
        deliver(chat, joined)  # the client sees "… has joined" at once
    return redirect("chat", pk=chat.pk)
