"""The client's side of the live chat in the browser: the start form (or, when nobody is
available, a message form), the start from a link in one of our emails, and the chat page
(static/js/chat.js does the talking).

These pages may be shown in the widget's frame (static/js/chat-widget.js) on the team's own
websites: each answers with `frame-ancestors 'self' <the team's allowed websites>` (the
default policy allows no framing at all), so no other site can frame them.
"""

import re
from urllib.parse import urlencode

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors

from .availability import chat_available
from .forms import ChatLeaveMessageForm, ChatStartForm
from .messages import chat_leave_message
from .models import TeamChat
from .services import chat_from_token, chat_start, chat_token, client_from_link_token

# An origin as a frame-ancestors source: scheme, host, optional port, nothing else (a
# space or ";" in a manager's line would otherwise add sources or whole directives).
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def _framed_for(response, team_id: int | None):
    """`response` framable by our own pages and the team's allowed websites (only ours
    when no team is known). X-Frame-Options cannot list origins: the CSP says it instead."""
    origins = []
    if team_id is not None:
        setup = TeamChat.objects.filter(team_id=team_id).only("allowed_origins").first()
        origins = sorted(o for o in (setup.origins() if setup else ()) if _ORIGIN.match(o))
    # django-csp's per-view override, applied to this response: the origins are the team's.
    return csp_replace({"frame-ancestors": [SELF, *origins]})(lambda request: response)(None)


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


def _too_many(request, setup: TeamChat) -> bool:
    """Whether this address has started more chats with the team or left it more messages
    than CASEBOOK_CHAT_STARTS_PER_HOUR this hour: each one may create a client and a case.
    Counted in the cache (Redis in production, shared by every process); the team's
    creation time is in the key, as ids restart with a new database and the cache may not.
    REMOTE_ADDR is the visitor's address as the server in front of Django passes it on."""
    address = request.META.get("REMOTE_ADDR", "")
    key = f"chat:starts:{setup.team_id}:{setup.team.created_at.timestamp():.6f}:{address}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=3600)
        count = 1
    return count > settings.CASEBOOK_CHAT_STARTS_PER_HOUR


def _slow_down(request, setup: TeamChat):
    response = render(request, "chat/too_many.html", {"team": setup.team}, status=429)
    response["Retry-After"] = "3600"
    return _framed_for(response, setup.team_id)


# No CSRF check on the two anonymous forms: in the widget's frame on another site, browsers
# withhold our cookies, and a forged post can do nothing a visitor could not do by posting
# it themselves; the per-address limit bounds both.
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def start(request):
    """Start a chat; when no agent of the team is available, leave a message instead."""
    setup = _team_chat(request)
    if not chat_available(setup.team) or "sent" in request.GET:
        return _leave_message(request, setup)
    form = ChatStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _too_many(request, setup):
            return _slow_down(request, setup)
        try:
            chat = chat_start(team=setup.team, origin=request.build_absolute_uri(), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("chat:room", token=chat_token(chat))
    status = 422 if form.errors else 200
    response = render(request, "chat/start.html", {"form": form, "team": setup.team}, status=status)
    return _framed_for(response, setup.team_id)


def _leave_message(request, setup: TeamChat):
    """The start page when nobody is available: a message that lands on the client's case."""
    form = ChatLeaveMessageForm(request.POST or None, prefix="leave")
    if request.method == "POST" and form.is_valid():
        if _too_many(request, setup):
            return _slow_down(request, setup)
        try:
            chat_leave_message(team=setup.team, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(f"{reverse('chat:start')}?{urlencode({'team': setup.team_id, 'sent': 1})}")
    status = 422 if form.errors else 200
    context = {"form": form, "team": setup.team, "sent": request.method == "GET" and "sent" in request.GET}
    return _framed_for(render(request, "chat/leave_message.html", context, status=status), setup.team_id)


@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def link(request, token: str):
    """From "chat with us" in one of our emails: the client is known. The chat starts on the
    button, never on the link itself (mail scanners open links)."""
    try:
        client = client_from_link_token(token)
    except ValidationError as error:
        return render(request, "chat/link.html", {"error": " ".join(error.messages)}, status=404)
    if not TeamChat.objects.filter(team_id=client.team_id).exists():
        raise Http404(_("No live chat here."))
    available = chat_available(client.team)
    if request.method == "POST" and available:
        chat = chat_start(team=client.team, client=client, origin="email")
        return redirect("chat:room", token=chat_token(chat))
    # A post when nobody is available (they left meanwhile) starts nothing: 409, the page says why.
    status = 409 if request.method == "POST" else 200
    context = {"client": client, "available": available}
    return _framed_for(render(request, "chat/link.html", context, status=status), client.team_id)


@xframe_options_exempt
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
    return _framed_for(render(request, "chat/room.html", context), chat.team_id)
