"""Every endpoint asks for the same Django permission as the matching page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.tests.factories import UserFactory
from interactions.services import follow_up_schedule
from playbooks.defaults import install_defaults
from playbooks.models import Playbook, PlaybookVersion, Step

ENDPOINTS = [
    ("get", "/api/v1/clients/", "clients.view_client"),
    ("post", "/api/v1/clients/", "clients.add_client"),
    ("get", "/api/v1/cases/", "clients.view_case"),
    ("post", "/api/v1/cases/", "clients.add_case"),
    ("get", "/api/v1/interactions/", "interactions.view_interaction"),
    ("post", "/api/v1/interactions/", "interactions.add_interaction"),
    ("get", "/api/v1/escalations/", "clients.view_case"),
    ("get", "/api/v1/follow-ups/", "interactions.view_followup"),
    ("post", "/api/v1/follow-ups/", "interactions.add_followup"),
]
DETAIL_ACTIONS = [
    ("get", "/api/v1/cases/{case}/", "clients.view_case"),
    ("patch", "/api/v1/cases/{case}/", "clients.change_case"),
    ("post", "/api/v1/cases/{case}/status/", "clients.change_case"),
    ("post", "/api/v1/cases/{case}/escalate/", "clients.change_case"),
    ("get", "/api/v1/clients/{client}/", "clients.view_client"),
    ("patch", "/api/v1/clients/{client}/", "clients.change_client"),
    ("get", "/api/v1/follow-ups/{follow_up}/", "interactions.view_followup"),
    ("post", "/api/v1/follow-ups/{follow_up}/done/", "interactions.change_followup"),
    ("post", "/api/v1/follow-ups/{follow_up}/reschedule/", "interactions.change_followup"),
    ("post", "/api/v1/follow-ups/{follow_up}/cancel/", "interactions.change_followup"),
    ("get", "/api/v1/playbook-progress/{case}/", "clients.view_case"),
]


@pytest.fixture
def bare_user(team):
    """A team member with no role at all: the API must grant nothing."""
    user = UserFactory(username="norole", teams=[team])
    user.groups.set([])
    return user


@pytest.fixture(autouse=True)
def _default_playbooks(db):
    # The playbook progress endpoint reads the built-ins, which a transactional test may have flushed.
    install_defaults(Playbook, PlaybookVersion, Step)


def _grant(user, dotted):
    app_label, codename = dotted.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.mark.parametrize(("method", "url", "perm"), ENDPOINTS + DETAIL_ACTIONS)
def test_each_action_needs_its_permission(api_for, bare_user, case, method, url, perm):
    follow_up = follow_up_schedule(
        actor=case.owner, case=case, kind="call_back", due_at=timezone.now() + timedelta(days=1)
    )
    url = url.format(case=case.pk, client=case.client_id, follow_up=follow_up.pk)
    response = getattr(api_for(bare_user, name="without"), method)(url, {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this."}

    _grant(bare_user, perm)
    bare_user = type(bare_user).objects.get(pk=bare_user.pk)  # fresh permission cache
    response = getattr(api_for(bare_user, name="with"), method)(url, {}, format="json")
    assert response.status_code in (200, 400)  # allowed now; an empty body may still be invalid
