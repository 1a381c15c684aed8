from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casebook.forms import add_service_errors
from clients.selectors import get_case_for_user
from clients.views import case_panel_context, render_case_page, timeline_context

from .forms import InteractionForm
from .selectors import get_interaction_on_case
from .services import interaction_log


def _log(request, case, form, corrects=None):
    """Validate and log; returns the interaction, or None with the errors on the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return interaction_log(
            actor=request.user,
            case=case,
            channel=data["channel"],
            direction=data["direction"],
            mood=data["mood"],
            summary=data["summary"],
            occurred_at=data["occurred_at"],
            duration_minutes=data["duration_minutes"],
            corrects=corrects,
            request_key=data["request_key"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
@require_POST
def log_interaction(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk)
    form = InteractionForm(request.POST)
    interaction = _log(request, case, form)
    if request.htmx:
        context = {"case": case, "form": form, "logged": interaction}
        if interaction is not None:
            # The contact may have moved the case on (a new case starts work), so the
            # status shown beside the form is sent again along with the timeline.
            context.update(form=InteractionForm(), **timeline_context(request, case), **case_panel_context(case))
        return render(
            request, "interactions/_log_response.html", context, status=200 if interaction is not None else 422
        )
    if interaction is None:
        messages.error(request, "The contact was not logged: please correct the fields below.")
        return render_case_page(request, case, log_form=form, status=422)
    messages.success(request, f"{interaction.get_channel_display()} logged.")
    return redirect(f"{case.get_absolute_url()}#interaction-{interaction.pk}")


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
def correct_interaction(request, case_pk: int, pk: int):
    case = get_case_for_user(request.user, case_pk)
    original = get_interaction_on_case(case, pk)
    if request.method == "POST":
        form = InteractionForm(request.POST)
        correction = _log(request, case, form, corrects=original)
        if correction is not None:
            messages.success(request, "Correction logged. The original entry stays on the record.")
            return redirect(f"{case.get_absolute_url()}#interaction-{correction.pk}")
        status = 422
    else:
        form = InteractionForm.correcting(original)
        status = 200
    return render(
        request, "interactions/correct.html", {"case": case, "original": original, "form": form}, status=status
    )
