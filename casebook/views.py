"""Pages that gather several apps. They read through the apps' selectors and stay thin."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static

from clients.models import CaseStatus
from clients.selectors import case_counts_by_status, cases_for_user


@login_required
def dashboard(request):
    counts = case_counts_by_status(request.user)
    return render(
        request,
        "dashboard.html",
        {
            "status_counts": [(status, counts.get(status.value, 0)) for status in CaseStatus],
            "my_cases": cases_for_user(request.user, owner=request.user, open_only=True)[:10],
            "recent_cases": cases_for_user(request.user)[:10],
        },
    )


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return redirect(static("favicon.svg"), permanent=True)
