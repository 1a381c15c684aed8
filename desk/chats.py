"""The agents' side of the live chat: the chats queue and one chat's page, the chat
workspace (static/js/chat.js talks to the chat's socket from there; static/js/chat-queue.js
keeps the queue fresh)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from chat.delivery import deliver, group_name
from chat.selectors import chats_for_user, get_chat_for_user, hand_over_choices
from chat.services import chat_hand_over, chat_take
from interactions.selectors import interactions_for_client
from playbooks.selectors import case_playbook_context

from .forms import HandOverForm
from .workspace import get_case_for_page

# Logging a contact is what an agent does; a chat ends as one.
CHAT_PERMISSION = "interactions.add_interaction"
QUEUE_LIMIT = 100
# The client's last contacts shown beside the chat.
HISTORY_LIMIT = 5


def _queues(user) -> dict:
    return {which: list(chats_for_user(user, which)[:QUEUE_LIMIT]) for which in ("waiting", "mine", "team")}


@login_required
@permission_required(CHAT_PERMISSION, raise_exception=True)
def queue(request):
    """Chats waiting for an agent, the user's own, and every open chat of their teams."""
    return render(request, "desk/chats.html", {**_queues(request.user), "section": "chats"})


@login_required
@permission_required(CHAT_PERMISSION, raise_exception=True)
def queue_rows(request):
    """The queue's lists alone: the queue page asks for them every few seconds (htmx)."""
    return render(request, "desk/_chat_queue.html", _queues(request.user))


@login_required
@permission_required(CHAT_PERMISSION, raise_exception=True)
def chat_detail(request, pk: int, hand_over_form=None, status=200):
    """The chat workspace: the case's header, the conversation and its composer where the
    case page has its contact note, and beside it the coaching for the client's temperament,
    the playbook's current step and the client's last contacts."""
    chat = get_chat_for_user(request.user, pk)
    case = get_case_for_page(request.user, chat.case_id)
    playbook = case_playbook_context(case, request.user)
    can_write = chat.agent_id == request.user.pk and not chat.is_closed
    may_hand_over = not chat.is_closed and (can_write or playbook.get("pb_can_decide", False))
    if may_hand_over and hand_over_form is None:
        hand_over_form = HandOverForm(choices=hand_over_choices(chat))
    context = {
        "chat": chat,
        "case": case,
        "coaching": playbook["coaching"],
        "pb_current": playbook.get("pb_current"),
        "history": list(interactions_for_client(chat.client)[:HISTORY_LIMIT]),
        "side": "agent",
        "socket_path": f"/ws/chat/agent/{chat.pk}/",
        "storage_key": f"agent-{chat.pk}-{request.user.pk}",
        "max_chars": settings.CASEBOOK_CHAT_MAX_CHARS,
        "can_write": can_write,
        "hand_over_form": hand_over_form if may_hand_over else None,
        "section": "chats",
    }
    return render(request, "desk/chat.html", context, status=status)


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


@login_required
@permission_required(CHAT_PERMISSION, raise_exception=True)
@require_POST
def hand_over(request, pk: int):
    """Give the chat to a colleague or a manager of its team (chat_hand_over)."""
    chat = get_chat_for_user(request.user, pk)
    form = HandOverForm(request.POST, choices=hand_over_choices(chat))
    if form.is_valid():
        to_user = User.objects.get(pk=form.cleaned_data["to_user"])
        try:
            chat, note = chat_hand_over(chat=chat, actor=request.user, to_user=to_user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("chat", pk=chat.pk)
        deliver(chat, note)
        # Both agents' pages redraw for their new roles (the composer moves).
        async_to_sync(get_channel_layer().group_send)(
            group_name(chat.pk), {"type": "chat.handed", "agent": str(to_user), "agent_id": to_user.pk}
        )
        messages.success(request, _("The chat is now with %(agent)s.") % {"agent": to_user})
        return redirect("chat", pk=chat.pk)
    return chat_detail(request, pk, hand_over_form=form, status=422)
