"""The profile page's API tokens (create, shown once; revoke), and the API's JSON 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import ProfileForm
from core.forms import add_service_errors

from .forms import ApiTokenForm
from .models import ApiToken
from .services import api_token_create, api_token_revoke


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The only time the secret exists outside its owner's hands: never stored, never redirected.
            response = render(request, "api/token_created.html", {"token": token, "raw": raw})
            response["Cache-Control"] = "no-store"
            return response
    profile_form = ProfileForm(initial={"time_zone": request.user.time_zone})
    return render(request, "accounts/profile.html", {"form": profile_form, "token_form": form}, status=422)


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("accounts:profile")


def endpoint_not_found(request):
    """Any path under /api/ that is no endpoint: a JSON 404 rather than the site's HTML page."""
    return JsonResponse(
        {"detail": _("No such endpoint. Paths end with a slash, e.g. /api/v1/cases/; see /api/docs/.")}, status=404
    )
