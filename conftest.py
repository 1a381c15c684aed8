"""The cast every test can use: a team with an agent, a teammate and a manager; an
outsider in another team; an admin; and a client with an open case in the first team."""

import pytest
from django.core.cache import caches

from accounts.roles import Role
from accounts.tests.factories import TeamFactory, UserFactory
from clients.tests.factories import CaseFactory, ClientFactory


@pytest.fixture(scope="session")
def _attachment_root(tmp_path_factory):
    return tmp_path_factory.mktemp("attachments")


@pytest.fixture(autouse=True)
def _fast_passwords(settings, _attachment_root):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Files attached in tests go to a temporary directory, never to var/attachments.
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {**settings.STORAGES["attachments"], "OPTIONS": {"location": str(_attachment_root)}},
    }
    # Redis outlives a test database: ids restart with it, so cached figures could belong to another run.
    settings.CASEBOOK_DASHBOARD_CACHE_SECONDS = 0
    settings.CASEBOOK_PROMISES_TEAM_CACHE_SECONDS = 0
    settings.CASEBOOK_PROMISES_MINE_CACHE_SECONDS = 0
    # Blank forms are kept drawn per process (the log form's fields); a test that changes a
    # setting they show must not be handed one drawn before.
    caches["rows"].clear()


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


@pytest.fixture
def browser_page(live_server, request):
    """A Chromium page (Debian's /usr/bin/chromium driven by Playwright) on the live server.

    A screenshot of the last state is kept under test-artifacts/ for every browser test.
    """
    import os
    from pathlib import Path

    from core.testing import require_chromium

    executable = require_chromium()
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code, so Django's async guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            artifacts = Path(__file__).parent / "test-artifacts"
            artifacts.mkdir(exist_ok=True)
            page.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
            context.close()
            browser.close()
