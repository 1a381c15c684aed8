"""List and detail pages run the same number of queries with 5 rows as with 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.tests.factories import CaseFactory, ClientFactory
from interactions.tests.factories import InteractionFactory


@pytest.fixture(autouse=True)
def _builtin_playbooks(db):
    """The case page shows the playbook; a transactional test elsewhere may have flushed the
    built-in ones, and a page without them would run fewer queries than a real one."""
    from playbooks.defaults import install_defaults
    from playbooks.models import Playbook, PlaybookVersion, Step

    install_defaults(Playbook, PlaybookVersion, Step)


def count_queries(client, url) -> int:
    """The page's queries, the session's aside (read from Redis with it, from the database
    without: a deployment choice, not the page's)."""
    client.get(url)  # warm caches that live for the process (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len([query for query in queries if '"django_session"' not in query["sql"]])


@pytest.fixture
def grow(team, agent, teammate):
    """Add clients, cases (owned by different people) and interactions to the team."""

    def add(n):
        for i in range(n):
            client = ClientFactory(team=team)
            case = CaseFactory(client=client, owner=agent if i % 2 else teammate)
            InteractionFactory(case=case)

    return add


def test_client_list_queries_do_not_grow(agent_client, grow):
    grow(5)
    small = count_queries(agent_client, reverse("clients:list"))
    grow(45)
    assert count_queries(agent_client, reverse("clients:list")) == small


def test_case_list_queries_do_not_grow(agent_client, grow):
    grow(5)
    small = count_queries(agent_client, reverse("cases:list"))
    grow(45)
    assert count_queries(agent_client, reverse("cases:list")) == small
    # The user (with the unread-notice badge), their permissions and teams, the page of
    # cases, the owner filter's choices and the promises-kept aggregate.
    assert small <= 6


def test_dashboard_queries_do_not_grow(client, manager, grow):
    manager_client = client
    manager_client.force_login(manager)
    grow(5)
    small = count_queries(manager_client, reverse("dashboard"))
    grow(45)
    assert count_queries(manager_client, reverse("dashboard")) == small


def _add_interactions(case, n, correct_every=4, files_every=3):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from interactions.services import interaction_log

    previous = None
    for i in range(n):
        previous = interaction_log(
            actor=case.owner,
            case=case,
            channel="call",
            direction="inbound",
            mood="frustrated",
            summary=f"Contact {i}",
            corrects=previous if i % correct_every == 0 else None,
            # Some contacts carry files: they are read in one query for the whole page.
            attachments=[SimpleUploadedFile(f"note-{i}.txt", b"Note.")] if files_every and i % files_every == 0 else (),
        )


def test_case_detail_queries_do_not_grow_with_the_timeline(agent_client, case):
    _add_interactions(case, 5)
    small = count_queries(agent_client, case.get_absolute_url())
    _add_interactions(case, 45)
    assert count_queries(agent_client, case.get_absolute_url()) == small
    # The user (with the unread-notice badge), their permissions and teams (one query), the
    # case (with its team's settings, pinned playbook, fault record, last mood and boundary
    # warnings), the timeline and its contacts, follow-ups, the team's playbooks and
    # concessions, plus one for the contacts' files when a contact shown has some. Closed
    # days, saved replies, the team's members (the owner menu) and a version's steps come
    # from the cache.
    assert small <= 9


def test_case_detail_reads_no_files_when_no_contact_has_any(agent_client, case):
    _add_interactions(case, 5, files_every=0)
    small = count_queries(agent_client, case.get_absolute_url())
    _add_interactions(case, 45, files_every=0)
    assert count_queries(agent_client, case.get_absolute_url()) == small
    assert small <= 8


def test_client_detail_queries_do_not_grow(agent_client, customer, agent):
    case = CaseFactory(client=customer, owner=agent)
    _add_interactions(case, 5)
    small = count_queries(agent_client, customer.get_absolute_url())
    for _ in range(5):
        _add_interactions(CaseFactory(client=customer, owner=agent), 9)
    assert count_queries(agent_client, customer.get_absolute_url()) == small
    assert small <= 9


def test_client_detail_reads_no_files_when_no_contact_shown_has_any(agent_client, customer, agent):
    case = CaseFactory(client=customer, owner=agent)
    _add_interactions(case, 3)  # the first has a file
    with_files = count_queries(agent_client, customer.get_absolute_url())
    _add_interactions(case, 25, files_every=0)  # the page of 20 shows none of the files
    assert count_queries(agent_client, customer.get_absolute_url()) == with_files - 1
