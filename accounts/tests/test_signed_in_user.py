"""The signed-in user is read from the cache on each request, and every change that shapes
what they see or may do is seen on their next request."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import ModelBackend
from accounts.roles import GROUP_NAMES, Role
from accounts.selectors import signed_in_user
from accounts.services import notice_send, notices_mark_read
from accounts.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user_id):
    """The user as the next request of theirs reads them."""
    return ModelBackend().get_user(user_id)


def test_second_read_costs_no_query(agent):
    fresh(agent.pk)
    with CaptureQueriesContext(connection) as queries:
        user = fresh(agent.pk)
        assert user.has_perm("clients.view_case")
    assert len(queries) == 0
    assert user.pk == agent.pk
    assert user.unread_notice_count == 0


def test_a_page_reads_the_user_from_the_cache(agent_client, agent):
    agent_client.get(reverse("cases:list"))
    with CaptureQueriesContext(connection) as queries:
        assert agent_client.get(reverse("cases:list")).status_code == 200
    assert not any('FROM "accounts_user" WHERE "accounts_user"."id" =' in q["sql"] for q in queries)
    assert not any("auth_permission" in q["sql"] for q in queries)


def test_deactivation_logs_out_at_once(agent_client, agent):
    assert agent_client.get(reverse("cases:list")).status_code == 200
    agent.is_active = False
    agent.save()
    response = agent_client.get(reverse("cases:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_new_password_ends_other_sessions(agent_client, agent):
    assert agent_client.get(reverse("cases:list")).status_code == 200
    agent.set_password("another-password-entirely")
    agent.save()
    assert agent_client.get(reverse("cases:list")).status_code == 302


def test_team_changes_from_either_side(agent, team):
    other = TeamFactory(name="Escalations desk")
    assert fresh(agent.pk).access.team_ids == [team.pk]
    agent.teams.add(other)
    assert set(fresh(agent.pk).access.team_ids) == {team.pk, other.pk}
    other.members.remove(agent)
    assert fresh(agent.pk).access.team_ids == [team.pk]
    other.members.add(agent)
    fresh(agent.pk)
    other.members.clear()
    assert fresh(agent.pk).access.team_ids == [team.pk]


def test_role_and_group_permission_changes(agent):
    assert not fresh(agent.pk).has_perm("clients.review_case")
    agent.groups.set([Group.objects.get(name=GROUP_NAMES[Role.MANAGER])])
    manager_perms = fresh(agent.pk).get_all_permissions()
    assert manager_perms > set()
    agents = Group.objects.get(name=GROUP_NAMES[Role.AGENT])
    agent.groups.set([agents])
    assert fresh(agent.pk).get_all_permissions() != manager_perms

    extra = Permission.objects.get(codename="delete_team")
    assert not fresh(agent.pk).has_perm("accounts.delete_team")
    agents.permissions.add(extra)
    assert fresh(agent.pk).has_perm("accounts.delete_team")
    extra.group_set.remove(agents)  # the other side of the same relation
    assert not fresh(agent.pk).has_perm("accounts.delete_team")
    agent.user_permissions.add(extra)
    assert fresh(agent.pk).has_perm("accounts.delete_team")


def test_a_deleted_group_takes_its_permissions(agent):
    group = Group.objects.create(name="Temporary")
    group.permissions.add(Permission.objects.get(codename="delete_team"))
    agent.groups.add(group)
    assert fresh(agent.pk).has_perm("accounts.delete_team")
    group.delete()
    assert not fresh(agent.pk).has_perm("accounts.delete_team")


def test_unread_badge_follows_notices(agent):
    assert fresh(agent.pk).unread_notice_count == 0
    notice = notice_send(user=agent, message="A follow-up is due")
    notice_send(user=agent, message="Another one")
    assert fresh(agent.pk).unread_notice_count == 2
    notice.delete()
    assert fresh(agent.pk).unread_notice_count == 1
    notices_mark_read(user=agent)
    assert fresh(agent.pk).unread_notice_count == 0


def test_a_new_user_with_a_reused_id_is_not_taken_for_the_old_one(agent):
    # A fresh test database restarts ids while the cache (Redis) keeps its keys.
    pk = agent.pk
    fresh(pk)
    agent.delete()
    assert signed_in_user(pk) is None
    newcomer = UserFactory(id=pk, username="newcomer")
    assert fresh(pk).username == newcomer.username
