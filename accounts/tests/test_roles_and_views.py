from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import GROUP_NAMES, Role, is_manager, role_of, sees_all_teams
from accounts.services import roles_sync, user_create


def test_roles_are_groups_with_permissions(db):
    agents = Group.objects.get(name=GROUP_NAMES[Role.AGENT])
    managers = Group.objects.get(name=GROUP_NAMES[Role.MANAGER])
    agent_perms = set(agents.permissions.values_list("codename", flat=True))
    manager_perms = set(managers.permissions.values_list("codename", flat=True))
    assert {"add_interaction", "add_case", "view_client"} <= agent_perms
    assert "review_case" not in agent_perms
    assert manager_perms == agent_perms | {"review_case", "edit_playbook"}


def test_roles_sync_is_idempotent(db):
    roles_sync()
    roles_sync()
    assert Group.objects.filter(name__in=GROUP_NAMES.values()).count() == 3


def test_role_helpers(agent, manager, admin):
    assert (role_of(agent), role_of(manager), role_of(admin)) == (Role.AGENT, Role.MANAGER, Role.ADMIN)
    assert not is_manager(agent) and is_manager(manager) and is_manager(admin)
    assert sees_all_teams(admin) and not sees_all_teams(manager)


def test_user_create_gives_role_and_teams(team, other_team):
    user = user_create(username="dora", password="a-long-password-1", role=Role.MANAGER, teams=[team, other_team])
    assert set(user.teams.all()) == {team, other_team}
    assert is_manager(user)
    assert user.check_password("a-long-password-1")


def test_login_and_logout(client, agent):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": "pw"})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert client.get(reverse("dashboard"), follow=True).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_wrong_password_shows_a_clear_message(client, agent):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_login_refuses_to_redirect_off_site(client, agent):
    response = client.post(reverse("login") + "?next=https://evil.example/", {"username": "alice", "password": "pw"})
    assert response.url == reverse("dashboard")


def test_password_change(agent_client, agent):
    response = agent_client.post(
        reverse("password_change"),
        {"old_password": "pw", "new_password1": "Sturdy-new-pass-42", "new_password2": "Sturdy-new-pass-42"},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("Sturdy-new-pass-42")


def test_profile_sets_the_time_zone(agent_client, agent):
    response = agent_client.post(reverse("accounts:profile"), {"time_zone": "America/New_York"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.time_zone == "America/New_York"


def test_profile_refuses_an_unknown_time_zone(agent_client, agent):
    response = agent_client.post(reverse("accounts:profile"), {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    agent.refresh_from_db()
    assert agent.time_zone == "Europe/Paris"


def test_access_matches_djangos_own_permission_reading(agent, manager, admin, team, other_team):
    """The access query (one UNION of permissions and teams) gives what Django's ModelBackend would: the
    groups' and the user's own permissions, all of them for a superuser, none when
    inactive; plus the user's team ids."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    from accounts.models import User
    from accounts.selectors import load_access

    agent.user_permissions.add(Permission.objects.get(codename="edit_playbook"))
    agent.teams.add(other_team)
    inactive = User.objects.create_user("gone", password="x", is_active=False)
    inactive.teams.add(team)
    for user in (agent, manager, admin, inactive):
        fresh = User.objects.get(pk=user.pk)
        access = load_access(fresh)
        assert access.permissions == ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
        assert access.team_ids == sorted(user.teams.values_list("pk", flat=True))
    assert "playbooks.edit_playbook" in load_access(User.objects.get(pk=agent.pk)).permissions
    assert load_access(User.objects.get(pk=inactive.pk)).permissions == set()
