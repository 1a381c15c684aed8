"""The agent's side of availability: "Available for chat" or "Away" (chat/availability.py).

templates/chat/_availability.html is the control; pages include it as it is (it reads the
user's state itself) and htmx swaps it with this view's answer. It also posts "seen" every
minute while the page is open, which keeps an available agent available.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .availability import availability_seen, availability_set

# Taking chats is logging contacts: a chat ends as one (as desk/chats.py asks).
CHAT_PERMISSION = "interactions.add_interaction"


@login_required
@permission_required(CHAT_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def availability(request):
    """GET: the control (a page of its own without htmx). POST `available` 1 or 0 sets it;
    POST `seen` says the agent's page is still open. Each changes only the user's own state."""
    htmx = request.headers.get("HX-Request") == "true"
    if request.method == "POST":
        choice = request.POST.get("available")
        if choice in ("1", "0"):
            availability_set(user=request.user, available=choice == "1")
        elif request.POST.get("seen") == "1":
            availability_seen(user=request.user)
        else:
            return HttpResponseBadRequest(_("Say whether you are available for chat (available=1 or 0)."))
        if not htmx:
            return redirect("chat:availability")
    template = "chat/_availability.html" if htmx else "chat/availability.html"
    return render(request, template, {"section": "chats"})
