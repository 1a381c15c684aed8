from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .forms import ProfileForm
from .selectors import notices_for_user
from .services import notices_mark_read, user_update_profile


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=request.user, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, "Your preferences are saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def notices(request):
    """The user's notices, newest first; opening the page marks them read."""
    items = list(notices_for_user(request.user)[:100])
    if request.method == "POST":
        notices_mark_read(user=request.user)
        return redirect("accounts:notices")
    return render(request, "accounts/notices.html", {"notices": items})
