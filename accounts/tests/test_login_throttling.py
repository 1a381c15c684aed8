from django.urls import reverse


def test_repeated_failures_lock_the_account_with_a_clear_message(client, agent, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": "pw"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed attempts" in page and "15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_also_stops_other_usernames_from_the_same_address(client, agent, teammate, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for name in ["x", "y", "z"]:
        client.post(reverse("login"), {"username": name, "password": "wrong"})
    assert client.post(reverse("login"), {"username": "bob", "password": "pw"}).status_code == 429


def test_a_success_before_the_limit_resets_the_count(client, agent, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "alice", "password": "pw"}).status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "alice", "password": "pw"}).status_code == 302
