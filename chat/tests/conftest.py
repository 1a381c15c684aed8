import pytest

from chat.availability import availability_set
from chat.models import TeamChat
from chat.services import chat_start

SITE = "https://www.holm-bakery.example"


@pytest.fixture
def team_chat(team, manager):
    """The team offers chat on its own website; new cases go to the manager, who is
    available for chat (else the start page offers a message form)."""
    setup = TeamChat.objects.create(team=team, owner=manager, allowed_origins=f"{SITE}\nhttps://shop.example:8443")
    availability_set(user=manager, available=True)
    return setup


@pytest.fixture
def chat(team_chat, customer, case):
    """Greta (who has an open case) opens a chat from the team's website."""
    return chat_start(team=team_chat.team, name="Greta Holm", email="greta@example.com", origin=SITE)
