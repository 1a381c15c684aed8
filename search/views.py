from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import SearchTooBroad, search


@login_required
def search_view(request):
    """One box for clients, cases and interactions; scoped to the user's teams."""
    text = request.GET.get("q", "")[:200]
    try:
        hits, too_broad = search(request.user, text), False
    except SearchTooBroad:
        hits, too_broad = [], True
    return render(request, "search/results.html", {"q": text, "hits": hits, "too_broad": too_broad})
