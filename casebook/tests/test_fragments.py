"""Pure partials (casebook/fragments.py): drawn once per set of values, never stale."""

import datetime
import re

import pytest
from django import forms
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from casebook import fragments
from clients.services import case_change_status
from clients.templatetags.casebook import CSRF_STAND_IN
from interactions.services import interaction_log
from interactions.tests.factories import InteractionFactory


@pytest.fixture(autouse=True)
def _empty_memory():
    fragments.forget_all()
    yield
    fragments.forget_all()


@pytest.fixture
def draws(monkeypatch, settings):
    """How many times a partial was really drawn (not read from memory)."""
    settings.CASEBOOK_FRAGMENT_VERIFY = False  # it would draw every piece found again
    count = {"n": 0}
    real = fragments.get_template

    def counting(name):
        count["n"] += 1
        return real(name)

    monkeypatch.setattr(fragments, "get_template", counting)
    return count


VALUES = {"pk": 7, "title": "Oven <visit>", "client_name": "Greta", "temperament": "Calm", "status": "new"}


def _row(**changes):
    values = {
        **VALUES,
        "status_label": "New",
        "priority": 2,
        "priority_label": "Normal",
        "owner": "alice",
        "last_activity_at": datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.UTC),
        "now": datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC),
    }
    return {**values, **changes}


def test_the_same_values_are_drawn_once_and_give_the_same_html(draws):
    first = fragments.render_pure("clients/_case_row.html", _row())
    second = fragments.render_pure("clients/_case_row.html", _row())
    assert first == second
    assert draws["n"] == 1
    assert "Oven &lt;visit&gt;" in first
    assert "30\xa0minutes ago" in first


def test_any_change_in_the_values_draws_again(draws):
    fragments.render_pure("clients/_case_row.html", _row())
    changed = fragments.render_pure("clients/_case_row.html", _row(status="resolved", status_label="Resolved"))
    assert draws["n"] == 2
    assert "Resolved" in changed


def test_language_and_time_zone_are_part_of_the_key(draws):
    fragments.render_pure("clients/_case_row.html", _row())
    with timezone.override("America/New_York"):
        in_new_york = fragments.render_pure("clients/_case_row.html", _row())
    with translation.override("fr"):
        fragments.render_pure("clients/_case_row.html", _row())
    assert draws["n"] == 3
    assert "04:30" in in_new_york  # 09:30 UTC, shown in the reader's zone


def test_equal_but_different_values_do_not_share_html(draws):
    """1 == 1.0 == True in Python; each is drawn as itself."""
    for value in (1, 1.0, True):
        assert str(value) in fragments.render_pure("clients/_case_row.html", _row(owner=value))
    assert draws["n"] == 3


def test_trusted_markup_and_models_are_refused(case):
    with pytest.raises(TypeError):
        fragments.render_pure("clients/_case_row.html", _row(title=mark_safe("<b>x</b>")))
    with pytest.raises(TypeError):
        fragments.render_pure("clients/_case_row.html", _row(owner=case.owner))


def test_the_memory_keeps_the_latest_entries_up_to_its_size(settings, draws):
    settings.CASEBOOK_FRAGMENT_CACHE_SIZE = 2
    for pk in (1, 2, 3):
        fragments.render_pure("clients/_case_row.html", _row(pk=pk))
    assert len(fragments._memory) == 2
    fragments.render_pure("clients/_case_row.html", _row(pk=3))  # still there
    fragments.render_pure("clients/_case_row.html", _row(pk=1))  # was dropped
    assert draws["n"] == 4


def test_size_zero_keeps_nothing(settings, draws):
    settings.CASEBOOK_FRAGMENT_CACHE_SIZE = 0
    fragments.render_pure("clients/_case_row.html", _row())
    fragments.render_pure("clients/_case_row.html", _row())
    assert draws["n"] == 2
    assert len(fragments._memory) == 0


def test_verification_catches_a_piece_that_reads_more_than_its_values(settings):
    """The tests draw every remembered piece again: HTML that depends on something outside
    its values fails loudly instead of being served stale."""
    settings.CASEBOOK_FRAGMENT_VERIFY = True
    outside = {"text": "first"}
    assert fragments.remember("leaky", {"pk": 1}, lambda: outside["text"]) == "first"
    assert fragments.remember("leaky", {"pk": 1}, lambda: outside["text"]) == "first"
    outside["text"] = "second"
    with pytest.raises(AssertionError, match="leaky"):
        fragments.remember("leaky", {"pk": 1}, lambda: outside["text"])


def test_the_pure_block_sees_only_its_named_values():
    section = Template("{% load casebook %}{% pure name=who %}[{{ name }}|{{ secret }}]{% endpure %}")
    assert section.render(Context({"who": "Greta", "secret": "s3cret"})) == "[Greta|]"
    # Remembered under its values: the same name gives the same text without drawing.
    assert section.render(Context({"who": "Greta", "secret": "other"})) == "[Greta|]"
    assert section.render(Context({"who": "Ben"})) == "[Ben|]"


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


def test_a_pure_section_writes_each_requests_own_csrf_token(settings):
    settings.CASEBOOK_FRAGMENT_VERIFY = False
    section = Template(
        '{% load casebook %}{% pure pk=pk %}<form action="/{{ pk }}">{% csrf_token %}</form>{% endpure %}'
    )
    first = section.render(Context({"pk": 7, "csrf_token": "token-of-ann"}))
    second = section.render(Context({"pk": 7, "csrf_token": "token-of-bob"}))
    assert first == '<form action="/7"><input type="hidden" name="csrfmiddlewaretoken" value="token-of-ann"></form>'
    assert second == first.replace("token-of-ann", "token-of-bob")
    assert len(fragments._memory) == 1  # one piece remembered, with a stand-in for the token
    # Without a request (no token), the section is drawn as Django would draw it: no field.
    assert section.render(Context({"pk": 7})) == '<form action="/7"></form>'


def test_two_visitors_of_a_case_page_each_get_their_own_working_token(agent, teammate, case):
    for user in (agent, teammate):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        html = browser.get(case.get_absolute_url()).content.decode()
        assert CSRF_STAND_IN not in html
        # The boundary warning's form is a remembered section: its token must be this visitor's.
        form = html[html.index(reverse("cases:boundary_warning", args=[case.pk])) :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
        posted = browser.post(reverse("cases:boundary_warning", args=[case.pk]), {"csrfmiddlewaretoken": token})
        assert posted.status_code == 302
    assert case.boundary_warnings.count() == 2


class _PickForm(forms.Form):
    colour = forms.ChoiceField(choices=[("red", "Red"), ("blue", "Blue")])


_FORM_SECTION = Template(
    "{% load casebook %}{% pure form=form %}<form>{% csrf_token %}{{ form.colour|bs_field }}</form>{% endpure %}"
)


def test_an_empty_form_in_a_pure_section_is_remembered_by_what_its_fields_show(settings):
    settings.CASEBOOK_FRAGMENT_VERIFY = False
    first = _FORM_SECTION.render(Context({"form": _PickForm(), "csrf_token": "t1"}))
    again = _FORM_SECTION.render(Context({"form": _PickForm(), "csrf_token": "t2"}))
    assert again == first.replace("t1", "t2") and 'value="red"' in first
    sections = len(fragments._memory)
    other = _PickForm()
    other.fields["colour"].choices = [("green", "Green")]  # what a form's __init__ may change
    greener = _FORM_SECTION.render(Context({"form": other, "csrf_token": "t1"}))
    assert 'value="green"' in greener and 'value="red"' not in greener
    assert len(fragments._memory) > sections


def test_a_filled_in_form_in_a_pure_section_is_drawn_every_time_with_its_errors():
    filled = _PickForm({"colour": "purple"})
    html = _FORM_SECTION.render(Context({"form": filled, "csrf_token": "t1"}))
    assert "is-invalid" in html and 'value="t1"' in html
    assert len(fragments._memory) == 0
