"""The pages' templates: what changes shows at once, each visitor's forms work, and form
fields are drawn by Django's form rendering in Bootstrap 5 markup (templates/forms/) with
their labels, help and errors."""

import datetime
import re

from django import forms
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_create
from clients.services import case_change_status
from interactions.forms import FollowUpForm, InteractionForm
from interactions.services import interaction_log
from interactions.tests.factories import InteractionFactory


def test_a_correction_logged_later_shows_on_the_corrected_entry(agent_client, agent, case):
    original = interaction_log(
        actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="Promised a refund"
    )
    url = reverse("cases:detail", args=[case.pk])
    assert "Corrected by" not in agent_client.get(url).content.decode()
    interaction_log(
        actor=agent,
        case=case,
        channel="note",
        direction="internal",
        mood="calm",
        summary="It was a voucher, not a refund",
        occurred_at=timezone.now(),
        corrects=original,
    )
    page = agent_client.get(url).content.decode()
    assert "Corrected by" in page


def test_a_renamed_logger_and_a_new_status_show_at_once(agent_client, agent, case, customer):
    InteractionFactory(case=case, logged_by=agent, summary="Called about the oven")
    client_url = reverse("clients:detail", args=[customer.pk])
    assert f"logged by {agent}" in agent_client.get(client_url).content.decode()
    agent.first_name, agent.last_name = "Alice", "Lind"  # as an admin renames someone
    agent.save()
    assert "logged by Alice Lind" in agent_client.get(client_url).content.decode()

    list_url = reverse("cases:list")
    badge = '">In progress</span>'
    assert badge not in agent_client.get(list_url).content.decode()
    case_change_status(actor=agent, case=case, status="in_progress")
    assert badge in agent_client.get(list_url).content.decode()


def test_two_visitors_of_a_case_page_each_get_their_own_working_token(agent, teammate, case):
    for user in (agent, teammate):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        html = browser.get(case.get_absolute_url()).content.decode()
        form = html[html.index(reverse("cases:boundary_warning", args=[case.pk])) :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
        posted = browser.post(reverse("cases:boundary_warning", args=[case.pk]), {"csrfmiddlewaretoken": token})
        assert posted.status_code == 302
    assert case.boundary_warnings.count() == 2


# --- Form fields: Django's form renderer draws every one in Bootstrap 5 markup ---------------

_FORM = Template("{{ form }}")
_FIELD = Template("{{ form.kind.as_field_group }}")


def drawn(template: Template, form) -> str:
    """The markup with its runs of white space as one space."""
    return " ".join(template.render(Context({"form": form})).split())


class Sample(forms.Form):
    title = forms.CharField(label="Heading", max_length=80, help_text="Short")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])


def test_a_field_shows_its_label_control_and_help():
    html = drawn(_FORM, Sample())
    assert '<label for="id_title" class="form-label requiredField">Heading<span class="asteriskField">*</span>' in html
    assert 'class="form-control"' in html and 'maxlength="80"' in html and 'id="id_title"' in html
    assert 'aria-describedby="id_title_helptext"' in html
    assert '<div id="id_title_helptext" class="form-text">Short</div>' in html
    assert '<select name="kind" class="form-select" id="id_kind"> <option value="a">A</option>' in html


def test_a_filled_in_form_shows_each_fields_errors_next_to_it():
    bound = Sample(data={"title": "", "kind": "z"})
    assert not bound.is_valid()
    html = drawn(_FORM, bound)
    assert html.count("is-invalid") == 2 and html.count('aria-invalid="true"') == 2
    assert (
        '<div id="id_title_error" class="invalid-feedback">'
        '<p id="error_1_id_title"><strong>This field is required.</strong></p></div>'
    ) in html
    field = drawn(_FIELD, bound)
    assert field.startswith('<div id="div_id_kind" class="mb-3">') and "Select a valid choice" in field


class Choices(forms.Form):
    agree = forms.BooleanField(label="Agree")
    colour = forms.ChoiceField(label="Colour", choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)
    size = forms.ChoiceField(choices=[("s", "S")], widget=forms.Select(attrs={"class": "form-select form-select-sm"}))


def test_checkboxes_and_radio_buttons_are_drawn_as_bootstrap_checks():
    html = drawn(_FORM, Choices(data={}))
    assert '<div class="mb-3"><div id="div_id_agree" class="form-check">' in html
    assert 'class="form-check-input is-invalid"' in html and 'id="id_agree"' in html
    star = '<span class="asteriskField">*</span>'
    assert f'<label for="id_agree" class="form-check-label requiredField">Agree{star}' in html
    assert f'<legend class="form-label requiredField fs-6">Colour{star}</legend>' in html
    assert html.count('type="radio" name="colour"') == 2
    assert '<label for="id_colour_1" class="form-check-label">Green' in html
    assert '<div id="id_colour_error" class="invalid-feedback">' in html
    # A class the form set is kept, and not doubled.
    assert 'class="form-select form-select-sm is-invalid"' in html
    assert 'class="form-select form-select-sm"' in " ".join(str(Choices()["size"]).split())


def test_a_forms_own_errors_and_hidden_key_are_drawn_with_it(case):
    form = FollowUpForm(data={"kind": "call_back", "due_at": ""}, case=case)
    form.is_valid()
    form.add_error(None, "Not now")
    html = drawn(_FORM, form)
    assert '<div class="alert alert-block alert-danger"> <ul class="m-0"><li>Not now</li>' in html
    assert 'type="hidden" name="request_key"' in html


def test_the_owner_menu_follows_the_teams_members(case, teammate):
    def menu():
        return drawn(_FORM, FollowUpForm(case=case))

    assert str(teammate) in menu()
    newcomer = user_create(username="newcomer", password="pw", role="agent", teams=[case.team], first_name="Nell")
    assert "Nell" in menu()  # joined the team
    newcomer.first_name = "Nella"
    newcomer.save()
    assert "Nella" in menu()  # renamed
    newcomer.teams.remove(case.team)
    assert "Nella" not in menu()  # left
    teammate.is_active = False
    teammate.save(update_fields=["is_active"])
    assert str(teammate) not in menu()  # deactivated


def test_an_owner_outside_the_team_is_refused(case, other_team):
    outsider = user_create(username="outsider", password="pw", role="agent", teams=[other_team])
    form = FollowUpForm(data={"kind": "call_back", "due_at": "2030-01-01T10:00", "owner": outsider.pk}, case=case)
    assert not form.is_valid() and "owner" in form.errors


def test_the_log_form_starts_on_the_channel_it_is_given():
    assert 'value="email" selected' in drawn(_FORM, InteractionForm(initial={"channel": "email"}))
    assert 'value="email" selected' not in drawn(_FORM, InteractionForm())


def test_a_case_row_escapes_what_was_typed_and_shows_times_in_the_readers_zone(case):
    case.title = "Oven <visit>"
    case.last_activity_at = datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.UTC)
    with timezone.override("America/New_York"):
        html = Template("{% load casebook %}{% case_rows cases %}").render(Context({"cases": [case]}))
    assert "Oven &lt;visit&gt;" in html and 'datetime="2026-01-05T04:30:00-05:00"' in html and " ago" in html
    # The same row read by someone in another zone is drawn for that zone, not taken from the cache.
    with timezone.override("Asia/Tokyo"):
        html = Template("{% load casebook %}{% case_rows cases %}").render(Context({"cases": [case]}))
    assert 'datetime="2026-01-05T18:30:00+09:00"' in html
