"""The cast every test can use: a team with an agent, a teammate and a manager; an
outsider in another team; an admin; and a client with an open case in the first team."""

import pytest

from casebook.accounts.roles import Role
from casebook.accounts.tests.factories import TeamFactory, UserFactory
from clients.tests.factories import CaseFactory, ClientFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db):
    return TeamFactory(name="Customer Care")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Billing")


@pytest.fixture
def agent(team):
    return UserFactory(username="alice", teams=[team], time_zone="Europe/Paris")


@pytest.fixture
def teammate(team):
    return UserFactory(username="bob", teams=[team])


@pytest.fixture
def manager(team):
    return UserFactory(username="marcus", teams=[team], role=Role.MANAGER)


@pytest.fixture
def outsider(other_team):
    return UserFactory(username="charlie", teams=[other_team])


@pytest.fixture
def admin(db):
    return UserFactory(username="root", role=Role.ADMIN)


@pytest.fixture
def customer(team):
    return ClientFactory(team=team, name="Greta Holm", email="greta@example.com", company="Holm Bakery")


@pytest.fixture
def case(customer, agent):
    return CaseFactory(client=customer, owner=agent, title="Oven visit missed")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client
