import pytest

from accounts.tests.factories import UserFactory
from clients.models import Client
from clients.tests.factories import ClientFactory

CLIENTS = "/api/v1/clients/"


def test_list_shows_only_the_users_teams(agent_api, customer, other_team):
    ClientFactory(team=other_team, name="Lena Fischer")
    body = agent_api.get(CLIENTS).json()
    assert [row["name"] for row in body["results"]] == ["Greta Holm"]


def test_another_teams_client_is_404(outsider_api, customer):
    assert outsider_api.get(f"{CLIENTS}{customer.pk}/").status_code == 404
    assert outsider_api.patch(f"{CLIENTS}{customer.pk}/", {"name": "x"}, format="json").status_code == 404
    customer.refresh_from_db()
    assert customer.name == "Greta Holm"


def test_add_a_client_to_the_only_team(agent_api, agent, team):
    response = agent_api.post(CLIENTS, {"name": "Omar Haddad", "temperament": "demander"}, format="json")
    assert response.status_code == 201, response.json()
    created = Client.objects.get(pk=response.json()["id"])
    assert (created.team, created.created_by, created.temperament) == (team, agent, "demander")


def test_a_member_of_several_teams_must_say_which(api_for, team, other_team):
    both = UserFactory(username="both", teams=[team, other_team])
    api = api_for(both)
    response = api.post(CLIENTS, {"name": "Omar Haddad"}, format="json")
    assert response.status_code == 400
    assert "team" in response.json()
    response = api.post(CLIENTS, {"name": "Omar Haddad", "team": other_team.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["team"] == other_team.pk


def test_cannot_add_a_client_to_another_team(agent_api, other_team):
    response = agent_api.post(CLIENTS, {"name": "x", "team": other_team.pk}, format="json")
    assert response.status_code == 400
    assert "team" in response.json()
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "x", "email": "not-an-email"}, "email"),
        ({"name": "x", "temperament": "x"}, "temperament"),
    ],
)
def test_invalid_client_is_400_naming_the_field(agent_api, payload, field):
    response = agent_api.post(CLIENTS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_patch_changes_details_but_not_the_team(agent_api, customer, other_team):
    response = agent_api.patch(
        f"{CLIENTS}{customer.pk}/", {"temperament": "angry", "team": other_team.pk}, format="json"
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.temperament == "angry" and customer.team.name == "Customer Care"


def test_search_and_temperament_filters(agent_api, customer, team):
    ClientFactory(team=team, name="Omar Haddad", company="Haddad Garage", temperament="angry")
    assert [r["name"] for r in agent_api.get(CLIENTS, {"q": "garage"}).json()["results"]] == ["Omar Haddad"]
    assert [r["name"] for r in agent_api.get(CLIENTS, {"temperament": "complainer"}).json()["results"]] == [
        "Greta Holm"
    ]
    response = agent_api.get(CLIENTS, {"temperament": "grumpy"})
    assert response.status_code == 400 and "temperament" in response.json()
