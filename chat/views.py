"""The client's side of the live chat in the browser: the start form, the start from a
link in one of our emails, and the chat page (static/js/chat.js does the talking)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors

from .forms import ChatStartForm
from .models import TeamChat
from .services import chat_from_token, chat_start, chat_token, client_from_link_token


def _team_chat(request) -> TeamChat:
    """The team whose chat this is: `?team=<id>`, or the only team that offers chat."""
    offered = TeamChat.objects.select_related("team")
    team_id = request.GET.get("team", "")
    if team_id:
        found = offered.filter(team_id=team_id).first() if team_id.isdigit() else None
    else:
        teams = list(offered[:2])
        found = teams[0] if len(teams) == 1 else None
    if found is None:
        raise Http404("No live chat here.")
    return found


@require_http_methods(["GET", "POST"])
def start(request):
    setup = _team_chat(request)
    form = ChatStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            chat = chat_start(team=setup.team, origin=request.build_absolute_uri(), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("chat:room", token=chat_token(chat))
    status = 422 if form.errors else 200
    return render(request, "chat/start.html", {"form": form, "team": setup.team}, status=status)


@require_http_methods(["GET", "POST"])
def link(request, token: str):
    """From "chat with us" in one of our emails: the client is known. The chat starts on the
    button, never on the link itself (mail scanners open links)."""
    try:
        client = client_from_link_token(token)
    except ValidationError as error:
        return render(request, "chat/link.html", {"error": " ".join(error.messages)}, status=404)
    if not TeamChat.objects.filter(team_id=client.team_id).exists():
        raise Http404("No live chat here.")
    if request.method == "POST":
        chat = chat_start(team=client.team, client=client, origin="email")
        return redirect("chat:room", token=chat_token(chat))
    return render(request, "chat/link.html", {"client": client})


def room(request, token: str):
    try:
        chat = chat_from_token(token)
    except ValidationError as error:
        return render(request, "chat/link.html", {"error": " ".join(error.messages)}, status=404)
    context = {
        "chat": chat,
        "side": "client",
        "socket_path": f"/ws/chat/client/{token}/",
        "storage_key": f"client-{chat.pk}",
        "max_chars": settings.CASEBOOK_CHAT_MAX_CHARS,
        "can_write": not chat.is_closed,
    }
    return render(request, "chat/room.html", context)
