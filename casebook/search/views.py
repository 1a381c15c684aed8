from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import search


@login_required
def search_view(request):
    """One box for clients, cases and interactions; scoped to the user's teams."""
    text = request.GET.get("q", "")[:200]
    return render(request, "search/results.html", {"q": text, "hits": search(request.user, text)})
