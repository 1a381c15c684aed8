"""Every query parameter and form field the pages offer, fed hostile values: never a 5xx.

The pages are every GET route of the URLconf, drawn on the demo data for an agent and a
manager; what they accept is read from the pages themselves (the fields of each form, the
query parameters of each link), so a new field or filter is covered the day it appears.
A NUL anywhere is a 422 that stores nothing (core.middleware.RefuseNulCharacters).
"""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core.tests.test_every_url import ROUTES, _row_counts

# Too long for any field, far out of every date's and number's range, malformed, and a NUL.
VALUES = [
    "x" * 20_000,
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "2026-02-30",
    "99999999999999999999999",
    "-99999999999999999999999",
    "1e400",
    "NaN",
    "-1",
    "[]",
    "%",
]
# Form fields get the values that reach the most code: too long, far out of range, and a NUL.
POSTED = ["x" * 20_000, "9999-12-31T23:59", "0001-01-01", "99999999999999999999999"]
NUL = "before\x00after"

# The model behind the id that follows each path segment.
SEGMENT_MODELS = {
    "clients": "clients.Client",
    "cases": "clients.Case",
    "escalations": "escalations.Escalation",
    "interactions": "interactions.Interaction",
    "attachments": "interactions.Attachment",
    "follow-ups": "interactions.FollowUp",
    "playbooks": "playbooks.Playbook",
    "steps": "playbooks.Step",
    "concessions": "playbooks.Concession",
    "replies": "playbooks.SavedReply",
    "teams": "accounts.Team",
    "closed-days": "accounts.TeamClosedDay",
    "team": "accounts.User",
    "tokens": "api.ApiToken",
}
# Forms that end the session (the walk would go on logged out).
SKIPPED_ACTIONS = ("/accounts/logout/",)


class _Page(HTMLParser):
    """The forms (action, method, fields with their values) and the linked query names of a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.link_parameters: dict[str, set[str]] = {}
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower()}
            self._form["fields"] = {}
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea") and self._form is not None and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self._form["fields"].setdefault(attrs["name"], "")
                return
            self._form["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "a" and attrs.get("href", "").count("?") == 1:
            split = urlsplit(attrs["href"])
            if not split.netloc:
                names = {name for name, _ in parse_qsl(split.query, keep_blank_values=True)}
                self.link_parameters.setdefault(split.path, set()).update(names)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _id_for(segment: str) -> str:
    label = SEGMENT_MODELS.get(segment)
    if label is None:
        return "1"
    row = apps.get_model(label).objects.order_by("pk").first()
    return str(row.pk) if row else "1"


def _page_url(route: str) -> str:
    def replace(match):
        segment = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return _id_for(segment)

    url = re.sub(r"<id:\w+>", replace, route)
    return "/" + re.sub(r"<\w+:\w+>", "word", url)


GET_ROUTES = [route for route in ROUTES if not route.startswith("api/") and "(?P" not in route]


def _walk(client, failures: list[str]) -> int:
    """Visit every page, then send each of its parameters and fields each hostile value."""
    sent = 0
    for route in GET_ROUTES:
        url = _page_url(route)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"GET {url}: {response.status_code}")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        targets = {url: set()}
        for path, names in page.link_parameters.items():
            targets.setdefault(path, set()).update(names)
        for form in page.forms:
            action = form["action"] or url
            if form["method"] == "get":
                targets.setdefault(urlsplit(action).path, set()).update(form["fields"])
        for path, names in targets.items():
            for name in names:
                for value in VALUES:
                    answer = client.get(path, {name: value})
                    sent += 1
                    if answer.status_code >= 500:
                        failures.append(f"GET {path}?{name}={value[:30]}: {answer.status_code}")
        for form in page.forms:
            action = urlsplit(form["action"] or url).path
            if form["method"] != "post" or action in SKIPPED_ACTIONS:
                continue
            for name in form["fields"]:
                if name == "csrfmiddlewaretoken":
                    continue
                for value in POSTED:
                    answer = client.post(form["action"] or url, {**form["fields"], name: value})
                    sent += 1
                    if answer.status_code >= 500:
                        failures.append(f"POST {action} {name}={value[:30]}: {answer.status_code}")
                before = _row_counts()
                answer = client.post(form["action"] or url, {**form["fields"], name: NUL})
                if answer.status_code != 422 or _row_counts() != before:
                    failures.append(f"POST {action} {name}=NUL: {answer.status_code}, rows changed")
    return sent


# A manager sees every page an agent does, and the manager's own (reports, escalations, playbooks).
@pytest.mark.parametrize("username", ["manager"])
def test_every_parameter_and_field_of_every_page_takes_hostile_values_without_a_server_error(client, db, username):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client.force_login(get_user_model().objects.get(username=username))
    client.raise_request_exception = False
    failures: list[str] = []
    sent = _walk(client, failures)
    assert sent > 500  # the walk found the pages' forms and filters
    assert not failures, "\n".join(failures[:50])
