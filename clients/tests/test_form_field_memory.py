"""Fields of forms not filled in yet are drawn once per process for what they show."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import user_create
from casebook import fragments
from clients.templatetags import casebook as tags
from interactions.forms import FollowUpForm, InteractionForm


@pytest.fixture(autouse=True)
def _empty_memory(settings):
    settings.CASEBOOK_FRAGMENT_VERIFY = False  # these tests count the drawings themselves
    fragments.forget_all()
    yield
    fragments.forget_all()


@pytest.fixture
def drawings(monkeypatch):
    count = {"n": 0}
    real = tags._draw_field

    def counting(field, css):
        count["n"] += 1
        return real(field, css)

    monkeypatch.setattr(tags, "_draw_field", counting)
    return count


class Sample(forms.Form):
    title = forms.CharField(max_length=80, help_text="Short")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])


def test_the_same_empty_form_is_drawn_once_and_reads_the_same(drawings):
    first = tags.bs_form(Sample())
    second = tags.bs_form(Sample())
    assert first == second and drawings["n"] == 2  # two fields, drawn once each
    assert 'maxlength="80"' in second and '<option value="b">B</option>' in second


def test_anything_a_field_shows_is_part_of_what_it_is_drawn_from(drawings):
    tags.bs_form(Sample())
    changed = Sample(initial={"kind": "b"})
    changed.fields["title"].label = "Heading"
    changed.fields["kind"].choices = [("a", "A"), ("c", "C")]
    html = tags.bs_form(changed)
    assert drawings["n"] == 4
    assert "Heading" in html and '<option value="c">C</option>' in html and 'value="b" selected' not in html
    widened = Sample(auto_id="other_%s")
    widened.fields["title"].max_length = 10
    widened.fields["title"].widget.attrs["placeholder"] = "Say it"
    html = tags.bs_form(widened)
    assert 'id="other_title"' in html and 'placeholder="Say it"' in html and drawings["n"] == 6


def test_a_filled_in_form_is_drawn_every_time(drawings):
    bound = Sample(data={"title": "", "kind": "z"})
    assert not bound.is_valid()
    tags.bs_form(bound)
    html = tags.bs_form(bound)
    assert drawings["n"] == 4 and "is-invalid" in html


def test_the_owner_menu_comes_from_the_teams_cached_members_and_follows_changes(case, agent, teammate):
    tags.bs_form(FollowUpForm(case=case))
    with CaptureQueriesContext(connection) as queries:
        html = tags.bs_form(FollowUpForm(case=case))
    assert not [q for q in queries if '"accounts_user"' in q["sql"]]  # kept with the team
    assert str(teammate) in html
    newcomer = user_create(username="newcomer", password="pw", role="agent", teams=[case.team], first_name="Nell")
    assert "Nell" in tags.bs_form(FollowUpForm(case=case))  # joined the team
    newcomer.first_name = "Nella"
    newcomer.save()
    assert "Nella" in tags.bs_form(FollowUpForm(case=case))  # renamed
    newcomer.teams.remove(case.team)
    assert "Nella" not in tags.bs_form(FollowUpForm(case=case))  # left
    teammate.is_active = False
    teammate.save(update_fields=["is_active"])
    assert str(teammate) not in tags.bs_form(FollowUpForm(case=case))  # deactivated
    agent.last_login = agent.date_joined
    agent.save(update_fields=["last_login"])  # a login forgets nothing
    with CaptureQueriesContext(connection) as queries:
        tags.bs_form(FollowUpForm(case=case))
    assert not [q for q in queries if '"accounts_user"' in q["sql"]]


def test_an_owner_outside_the_team_is_refused(case, other_team):
    from accounts.services import user_create as make

    outsider = make(username="outsider", password="pw", role="agent", teams=[other_team])
    form = FollowUpForm(data={"kind": "call_back", "due_at": "2030-01-01T10:00", "owner": outsider.pk}, case=case)
    assert not form.is_valid() and "owner" in form.errors


def test_the_log_form_starts_on_the_channel_it_is_given():
    assert 'value="email" selected' in tags.bs_form(InteractionForm(initial={"channel": "email"}))
    assert 'value="email" selected' not in tags.bs_form(InteractionForm())
