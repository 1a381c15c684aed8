"""Pages that gather several apps. They read through the apps' selectors and stay thin."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from casebook.forms import PhrasingCheckForm
from casebook.phrasing import check_phrasing
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


@login_required
@require_POST
def phrasing_check(request):
    """Live phrasing warnings for the text being typed (an htmx fragment)."""
    form = PhrasingCheckForm({"text": request.POST.get(request.GET.get("field", "text"), "")})
    form.is_valid()
    warnings = check_phrasing(form.cleaned_data.get("text", ""))
    return render(request, "partials/phrasing_warnings.html", {"warnings": warnings})
