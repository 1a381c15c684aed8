"""Every change to clients, cases, follow-ups, playbooks, concession limits, saved replies
and team settings (and closed days) leaves an audit entry (who, when, before, after),
shown to managers only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import capfirst

from accounts.models import TeamSettings
from accounts.services import (
    TEAM_SETTINGS_FIELDS,
    team_closed_day_add,
    team_closed_day_remove,
    team_settings_update,
)
from audit.models import AuditEntry
from audit.selectors import history_of
from clients.models import CaseStatus
from clients.services import case_change_status, case_update, client_create, client_update
from escalations.services import case_escalate
from interactions.services import follow_up_cancel, follow_up_reschedule, follow_up_schedule
from playbooks.defaults import install_defaults
from playbooks.models import Playbook, PlaybookVersion, Step
from playbooks.services import concession_limit_set, playbook_edit, saved_reply_delete, saved_reply_save


def _last(record):
    return history_of(record).first()


def test_a_client_edit_records_who_and_each_value_before_and_after(agent, customer):
    client_update(actor=agent, client=customer, name="Greta Holm-Berg", notes="Prefers email")
    entry = _last(customer)
    assert entry.actor == agent
    assert entry.action == "changed"
    assert entry.changes == {"name": ["Greta Holm", "Greta Holm-Berg"], "notes": ["", "Prefers email"]}
    assert timezone.now() - entry.at < timedelta(minutes=1)


def test_saving_a_client_unchanged_records_nothing(agent, customer):
    client_update(actor=agent, client=customer, name=customer.name)
    assert not history_of(customer).exists()


def test_creating_a_client_records_its_first_values(agent, team):
    client = client_create(actor=agent, team=team, name="Ivo Petrov")
    entry = _last(client)
    assert entry.action == "created"
    assert entry.changes["name"] == [None, "Ivo Petrov"]


def test_case_edits_status_moves_and_escalations_are_on_the_case_history(agent, manager, case):
    case_update(actor=agent, case=case, title="Oven not repaired", owner=manager)
    case_change_status(actor=agent, case=case, status=CaseStatus.IN_PROGRESS)
    case_escalate(actor=agent, case=case, reason="other", note="Needs a manager")
    assert [entry.action for entry in history_of(case)] == ["escalated", "status: new → in_progress", "changed"]
    edit = history_of(case).get(action="changed")
    assert edit.changes["title"][1] == "Oven not repaired"
    assert edit.changes["owner"] == [str(agent), str(manager)]
    status = history_of(case).get(action__startswith="status:")
    assert status.changes["status"] == [CaseStatus.NEW, CaseStatus.IN_PROGRESS]
    escalated = history_of(case).get(action="escalated")
    assert escalated.changes["status"] == [CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED]


def test_follow_up_changes_show_on_their_case_history(agent, case):
    due = timezone.now() + timedelta(days=1)
    follow_up = follow_up_schedule(actor=agent, case=case, kind="call_back", due_at=due, note="Call back")
    follow_up_reschedule(actor=agent, follow_up=follow_up, due_at=due + timedelta(days=1))
    follow_up_cancel(actor=agent, follow_up=follow_up, note="Client called us")
    entries = [e for e in history_of(case) if e.target_type.model == "followup"]
    assert [e.action for e in entries] == ["changed", "changed", "created"]
    assert entries[0].changes["status"] == ["pending", "cancelled"]
    assert set(entries[1].changes) >= {"due_at"}


def test_playbook_limit_and_saved_reply_changes_are_recorded(manager, team):
    install_defaults(Playbook, PlaybookVersion, Step)
    builtin = Playbook.objects.filter(team__isnull=True).first()
    copy = playbook_edit(
        actor=manager,
        team=team,
        playbook=builtin,
        name="Our way",
        temperaments=builtin.temperaments,
        steps=[{"kind": "pinpoint", "title": "Listen first", "guidance": "Let them talk."}],
    )
    assert _last(copy).action == "published version 1"
    assert _last(copy).changes["name"] == [builtin.name, "Our way"]

    limit = concession_limit_set(actor=manager, team=team, kind="refund", max_value=Decimal("20"))
    concession_limit_set(actor=manager, team=team, kind="refund", max_value=Decimal("50"))
    assert _last(limit).changes["max_value"] == ["20.00", "50.00"]
    concession_limit_set(actor=manager, team=team, kind="refund", max_value=None)
    assert _last(limit).action == "deleted"

    reply = saved_reply_save(actor=manager, team=team, title="Sorry", body="We are sorry")
    saved_reply_save(actor=manager, team=team, title="Sorry", body="We are truly sorry", reply=reply)
    assert _last(reply).changes["body"] == ["We are sorry", "We are truly sorry"]
    reply_pk = reply.pk
    saved_reply_delete(actor=manager, reply=reply)
    # By type as well as id: SQLite gives a new row the id of one just deleted in another table.
    deleted = AuditEntry.objects.get(target_type__model="savedreply", target_id=reply_pk, action="deleted")
    assert deleted.changes["title"] == ["Sorry", None]


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_managers_read_the_history_pages_with_values_escaped(manager_client, agent, customer, case):
    client_update(actor=agent, client=customer, notes="<script>alert(1)</script>")
    case_update(actor=agent, case=case, title="Broken <b>oven</b>")
    page = manager_client.get(reverse("clients:history", args=[customer.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    page = manager_client.get(reverse("cases:history", args=[case.pk])).content.decode()
    assert "Broken &lt;b&gt;oven&lt;/b&gt;" in page
    detail = manager_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:history", args=[case.pk]) in detail


def test_agents_get_403_and_no_link(agent_client, customer, case):
    assert agent_client.get(reverse("clients:history", args=[customer.pk])).status_code == 403
    assert agent_client.get(reverse("cases:history", args=[case.pk])).status_code == 403
    detail = agent_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:history", args=[case.pk]) not in detail


def test_an_outsider_gets_404(outsider_client, customer, case):
    assert outsider_client.get(reverse("clients:history", args=[customer.pk])).status_code == 404
    assert outsider_client.get(reverse("cases:history", args=[case.pk])).status_code == 404


@pytest.mark.parametrize("edits", [2, 12])
def test_the_history_page_takes_a_fixed_number_of_queries(
    manager_client, agent, case, edits, django_assert_max_num_queries
):
    for n in range(edits):
        case_update(actor=agent, case=case, title=f"Title {n}")
    with django_assert_max_num_queries(14):
        assert manager_client.get(reverse("cases:history", args=[case.pk])).status_code == 200


# --- Team settings and closed days ------------------------------------------------------


def test_a_team_settings_change_records_who_and_each_value_before_and_after(manager, team):
    team_settings_update(actor=manager, team=team, stall_contacts=5, response_target_hours=Decimal("6"))
    entry = _last(team)
    assert entry.actor == manager and entry.action == "changed"
    assert entry.target_type.model == "teamsettings"
    assert set(entry.changes) == {"response_target_hours", "stall_contacts"}
    assert entry.changes["stall_contacts"] == [3, 5]
    assert entry.changes["response_target_hours"][1] == "6.00"


def test_saving_team_settings_unchanged_records_nothing(manager, team):
    from accounts.selectors import team_settings

    current = team_settings(team)
    team_settings_update(actor=manager, team=team, stall_contacts=current.stall_contacts)
    assert not history_of(team).exists()


def test_a_refused_team_settings_change_records_nothing(manager, team):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        team_settings_update(actor=manager, team=team, holiday_country="ZZ")
    assert not history_of(team).exists()


def test_closed_days_added_and_removed_are_on_the_team_history(manager, team):
    day = team_closed_day_add(actor=manager, team=team, date="2030-05-02", reason="Move to the new office")
    added = _last(team)
    assert added.action == "created" and added.actor == manager
    assert added.changes["date"] == [None, "2030-05-02"]
    assert added.changes["reason"] == [None, "Move to the new office"]
    day_pk = day.pk
    team_closed_day_remove(actor=manager, day=day)
    removed = AuditEntry.objects.get(target_type__model="teamclosedday", target_id=day_pk, action="deleted")
    assert removed.action == "deleted" and removed.target_id == day_pk
    assert removed.changes["reason"] == ["Move to the new office", None]


def test_managers_read_the_team_history_page_with_values_escaped(manager_client, manager, team):
    team_closed_day_add(actor=manager, team=team, date="2030-05-02", reason="<script>alert(1)</script>")
    team_settings_update(actor=manager, team=team, hostile_contacts_per_day=7)
    settings_page = manager_client.get(reverse("accounts:team_settings", args=[team.pk])).content.decode()
    url = reverse("accounts:team_settings_history", args=[team.pk])
    assert url in settings_page
    page = manager_client.get(url).content.decode()
    # Each changed field under its label, the way the settings form names it.
    label = capfirst(TeamSettings._meta.get_field("hostile_contacts_per_day").verbose_name)
    assert f"<dt>{escape(label)}</dt>" in page and "hostile_contacts_per_day" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert str(manager) in page


def test_a_change_made_on_the_settings_page_is_recorded(manager_client, team):
    from accounts.selectors import team_settings

    current = team_settings(team)
    data = {f"settings-{name}": getattr(current, name) for name in TEAM_SETTINGS_FIELDS}
    data["settings-stall_contacts"] = 9
    response = manager_client.post(reverse("accounts:team_settings", args=[team.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _last(team).changes["stall_contacts"] == [current.stall_contacts, 9]


def test_agents_get_403_on_the_team_history_and_other_managers_404(agent_client, client, team, other_team):
    from accounts.roles import Role
    from accounts.tests.factories import UserFactory

    url = reverse("accounts:team_settings_history", args=[team.pk])
    assert agent_client.get(url).status_code == 403
    client.force_login(UserFactory(username="otto", teams=[other_team], role=Role.MANAGER))
    assert client.get(url).status_code == 404
