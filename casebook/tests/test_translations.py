"""Proof that the UI text is marked for translation, so a language is added without code changes.

A pseudo-language "xx" is built at test time the way a translator would build a real one:
`manage.py makemessages -l xx` over the project, every msgstr filled in (here with
"[[" + msgid + "]]", placeholders kept), compiled to a .mo. Django's own strings (form
errors, month and day names) come from Django's English catalogs, pseudo-translated the
same way: Django ships real translations of those for every language it supports.

A page rendered in "xx" must then show no word outside [[...]] except the user data of the
fixture. `PAGES` lists the pages checked (the whole <body>: navigation and dialogs too).
Every template keeps its text inside the i18n tags (test_templates_keep_their_text_in_i18n_tags).
"""

import contextlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import django
import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import notice_send
from api.services import api_token_create
from audit.services import audit_record, audit_snapshot
from clients.models import Case, CaseStatus, Priority, RootCause, Temperament
from clients.tests.factories import CaseFactory
from escalations.models import EscalationReason
from escalations.services import case_escalate
from interactions.models import Channel, Direction, FollowUpKind, Mood
from interactions.services import follow_up_schedule, interaction_log
from playbooks.defaults import install_defaults
from playbooks.models import AtFault, Playbook, PlaybookVersion, Step
from playbooks.phrasing import check_phrasing
from playbooks.services import fault_record
from playbooks.tests.factories import complete_current

PSEUDO = "xx"
BRACKETED = re.compile(r"\[\[[^\[\]]*\]\]")
WORD = re.compile(r"[^\W\d_]{2,}")
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
# Text in these elements is code or the page's machinery, not prose.
SKIPPED_TAGS = {"script", "style", "code", "pre"}
# Attributes people read (or hear, with a screen reader).
TEXT_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# --- Building the pseudo-language ---------------------------------------------------


def pseudo(text: str) -> str:
    return f"[[{text}]]"


def _django_catalogs() -> list[Path]:
    """Django's English catalogs: the msgids of its own strings (core and contrib)."""
    root = Path(django.__file__).parent
    return sorted(root.glob("**/locale/en/LC_MESSAGES/django.po"))


def build_pseudo_locale(locale_dir: Path) -> Path:
    """makemessages -l xx into `locale_dir`, pseudo-translate every entry, compile; returns the .po."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: install the gettext package (apt-get install gettext)")
    with contextlib.chdir(settings.BASE_DIR), override_settings(LOCALE_PATHS=[str(locale_dir)]):
        call_command(
            "makemessages",
            locale=[PSEUDO],
            ignore_patterns=["bench/*", "control/*", "var/*", "static/*", "staticfiles/*", "test-artifacts/*"],
            verbosity=0,
        )
    po_path = locale_dir / PSEUDO / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    ours = {(entry.msgctxt, entry.msgid) for entry in po}
    for catalog in _django_catalogs():
        for entry in polib.pofile(str(catalog)):
            if entry.msgid and (entry.msgctxt, entry.msgid) not in ours:
                ours.add((entry.msgctxt, entry.msgid))
                po.append(polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgid_plural=entry.msgid_plural))
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        if entry.msgid_plural:
            entry.msgstr_plural = {0: pseudo(entry.msgid), 1: pseudo(entry.msgid_plural)}
        else:
            entry.msgstr = pseudo(entry.msgid)
    po.metadata["Plural-Forms"] = PLURAL_FORMS
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    return po_path


@pytest.fixture(scope="session")
def pseudo_po(tmp_path_factory) -> Path:
    return build_pseudo_locale(tmp_path_factory.mktemp("locale"))


@pytest.fixture
def in_pseudo_language(pseudo_po, settings):
    """The site as a deployment with LANGUAGES=en,xx and the xx catalog would run it."""
    settings.LOCALE_PATHS = [str(pseudo_po.parents[2])]
    settings.LANGUAGES = [("en", "English"), (PSEUDO, "Pseudo")]
    # As settings.py sets it when LANGUAGES names more than English. Django picks its
    # translation functions on first use; its advice for tests that change USE_I18N is to
    # forget them (django.utils.translation.Trans).
    use_i18n = settings.USE_I18N
    settings.USE_I18N = True
    translation._trans.__dict__.clear()
    middleware = list(settings.MIDDLEWARE)
    if "django.middleware.locale.LocaleMiddleware" not in middleware:
        middleware.insert(
            middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
            "django.middleware.locale.LocaleMiddleware",
        )
    settings.MIDDLEWARE = middleware
    yield
    translation.deactivate()
    settings.USE_I18N = use_i18n
    translation._trans.__dict__.clear()


# --- The checker ----------------------------------------------------------------------


class _TextCollector(HTMLParser):
    """Text nodes and readable attributes inside `region` (a tag name, or None for all)."""

    def __init__(self, region: str | None, ignore: set[str]):
        super().__init__(convert_charrefs=True)
        self.region = region
        self.ignore = ignore
        self.region_depth = 0 if region else 1
        self.skipping: list[str] = []  # the tag of each element being skipped, innermost last
        self.chunks: list[str] = []

    def _ignored(self, tag: str, attrs: dict) -> bool:
        classes = {f".{name}" for name in (attrs.get("class") or "").split()}
        return tag in SKIPPED_TAGS or f"#{attrs.get('id')}" in self.ignore or bool(classes & self.ignore)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == self.region:
            self.region_depth += 1
        if self.region_depth <= 0:
            return
        if self.skipping:
            if tag == self.skipping[-1] and tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        if self._ignored(tag, attrs):
            if tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        for name in TEXT_ATTRIBUTES:
            if attrs.get(name):
                self.chunks.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"} and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        elif tag == self.region:
            self.region_depth -= 1

    def handle_data(self, data):
        if self.region_depth > 0 and not self.skipping:
            self.chunks.append(data)


def untranslated(
    content: str, *, data: list[str] = (), region: str | None = "main", ignore: set[str] = frozenset(), html=True
) -> list[str]:
    """The lines of `content` with a word outside [[...]] once the user data is taken out.

    `data` are the fixture's own values (names, titles) that appear as they were typed;
    `ignore` names elements ("#id", ".class") whose whole text is data (a list of time zones).
    """
    if html:
        collector = _TextCollector(region, set(ignore))
        collector.feed(content)
        collector.close()
        text = "\n".join(collector.chunks)
    else:
        text = content
    # Innermost first: a translated sentence may hold a translated word ("[[Reason: [[Abusive]]]]").
    while True:
        stripped = BRACKETED.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    for value in sorted((str(v) for v in data if str(v)), key=len, reverse=True):
        text = text.replace(value, " ")
    return [line.strip() for line in text.splitlines() if WORD.search(line)]


def test_the_checker_finds_text_outside_the_markers():
    page = (
        "<nav>Home</nav><main><h1>[[Cases of [[Team]]]]</h1><p>[[Signed in as <b>alice</b>.]]</p>"
        '<p>Greta Holm</p><input type="submit" value="Save"><span aria-label="Close"></span>'
        '<select id="tz"><option>Europe/Paris</option></select><code>curl -H</code></main>'
    )
    assert untranslated(page, data=["Greta Holm"], ignore={"#tz"}) == ["Save", "Close"]
    assert untranslated("[[Dear Greta,]]\n\nKind regards", html=False) == ["Kind regards"]


def test_the_pseudo_catalog_holds_the_projects_strings(pseudo_po):
    msgids = {entry.msgid for entry in polib.pofile(str(pseudo_po))}
    # One from a template, one from Python, one plural, one from Django itself.
    assert "Log in to Casebook" in msgids
    assert "Your preferences are saved." in msgids
    assert "%(counter)s result for “%(q)s”." in msgids
    assert "This field is required." in msgids


# --- Pages ----------------------------------------------------------------------------


@dataclass
class Page:
    """A page to check: its URL name and arguments from the fixture, who asks for it."""

    url_name: str
    as_user: str | None = "agent"  # None: an anonymous visitor
    args: object = None  # a function of the fixture giving the URL arguments
    query: object = ""  # or a function of the fixture
    ignore: set[str] = field(default_factory=set)
    region: str | None = "body"  # None for a fragment (htmx), which has no <body>
    path: str = ""  # instead of url_name, for an address that does not exist
    status: int = 200


PAGES = [
    Page("login", as_user=None),
    Page("password_change"),
    Page("password_change_done"),
    Page("dashboard", as_user="manager"),
    Page("my_day"),
    Page("clients:list"),
    Page("clients:list", query="?q=nobody"),
    Page("clients:detail", args=lambda f: [f.customer.pk]),
    Page("clients:edit", args=lambda f: [f.customer.pk]),
    Page("clients:open_case", args=lambda f: [f.customer.pk]),
    Page("cases:list"),
    Page("cases:list", query="?status=closed"),
    # The case with a playbook under way, a contact, a follow-up and an escalation.
    Page("cases:detail", args=lambda f: [f.open_case.pk]),
    Page("cases:detail", as_user="manager", args=lambda f: [f.case.pk]),
    Page("cases:file", args=lambda f: [f.open_case.pk]),
    Page("cases:follow_up_reschedule", args=lambda f: [f.follow_up.pk]),
    Page("playbooks:list", as_user="manager"),
    Page("playbooks:edit", as_user="manager", args=lambda f: [f.playbook.pk], query=lambda f: f"?team={f.team.pk}"),
    Page("playbooks:limits", as_user="manager", query=lambda f: f"?team={f.team.pk}"),
    Page("escalations:queue", as_user="manager"),
    Page("escalations:review", as_user="manager", args=lambda f: [f.escalation.pk]),
    # The snippets are the records' own text, cut where the words matched.
    Page("search", query="?q=oven", ignore={".search-snippet"}),
    Page("search", query="?q=nothingmatchesthis"),
    # The "log a contact" dialog's fragments, fetched by htmx.
    Page("quick_log:form", region=None),
    Page("quick_log:clients", query="?q=gre", region=None),
    Page("quick_log:cases", args=lambda f: [f.customer.pk], region=None),
    Page("accounts:profile", ignore={"#id_time_zone"}),
    Page("accounts:notices"),
    Page("accounts:team_settings", as_user="manager", args=lambda f: [f.team.pk], ignore={"#id_settings-time_zone"}),
    Page("cases:history", as_user="manager", args=lambda f: [f.case.pk]),
    # Escalating changed the status: audit actions and field names read in the language too.
    Page("cases:history", as_user="manager", args=lambda f: [f.open_case.pk]),
    Page("my_outcomes"),
    Page("team_outcomes", as_user="manager", args=lambda f: [f.agent.pk]),
    Page("root_causes", as_user="manager"),
    Page("404", path="/no-such-page/", status=404),
]


def _playbook_content() -> list[str]:
    """The built-in playbooks' own text: content a team edits (and may write in its language)."""
    values = [*Playbook.objects.values_list("name", flat=True)]
    for step in Step.objects.all():
        values += [step.title, *step.guidance.splitlines(), *step.phrasings.splitlines(), *step.avoid.splitlines()]
    return [value.strip() for value in values if value.strip()]


@pytest.fixture
def translated_world(team, agent, manager, customer):
    """Data on every page above, and the strings of it that are shown as typed."""
    install_defaults(Playbook, PlaybookVersion, Step)
    case = CaseFactory(
        client=customer,
        owner=agent,
        title="Oven visit missed",
        problem_statement="The oven engineer did not come.",
        status=CaseStatus.RESOLVED,
        opened_at=timezone.now() - timedelta(days=3),
        resolved_at=timezone.now() - timedelta(days=1),
    )
    before = audit_snapshot(case)
    Case.objects.filter(pk=case.pk).update(title="Oven visit missed twice")
    case.refresh_from_db()
    audit_record(actor=manager, target=case, before=before)
    api_token_create(user=agent, name="Phone system")
    notice_send(user=agent, message="A promise is due soon.")
    team.closed_days.create(date=timezone.localdate(), reason="Company day")
    # An open case half-way through its playbook, with a contact, a follow-up and an escalation.
    open_case = CaseFactory(
        client=customer, owner=agent, title="Boiler leaking", problem_statement="Water on the floor."
    )
    interaction_log(
        actor=agent,
        case=open_case,
        channel=Channel.CALL,
        direction=Direction.INBOUND,
        mood=Mood.ANGRY,
        summary="He was upset about the leak.",
        duration_minutes=12,
    )
    for _step in range(3):  # pinpoint, common ground, brainstorm: the compromise step is next
        complete_current(open_case, agent)
    fault_record(actor=agent, case=open_case, at_fault=AtFault.PARTLY, apology_given_at=timezone.now())
    follow_up = follow_up_schedule(
        actor=agent,
        case=open_case,
        kind=FollowUpKind.CALL_BACK,
        due_at=timezone.now() + timedelta(hours=2),
        note="Call about the visit.",
    )
    escalation = case_escalate(
        case=open_case, reason=EscalationReason.CANNOT_RESOLVE, note="He wants a refund.", actor=agent
    )
    data = [
        customer.name,
        customer.email,
        customer.company,
        case.title,
        f"{case.title} ({customer.name})",
        "Oven visit missed",
        "The oven engineer did not come.",
        open_case.title,
        f"{open_case.title} ({customer.name})",
        "Water on the floor.",
        "He was upset about the leak.",
        "Call about the visit.",
        "He wants a refund.",
        # The playbook outcomes typed in by the agent (playbooks/tests/factories.py).
        "The engineer missed two visits.",
        "The visit was missed",
        "The oven must work by Friday",
        "Priority visit tomorrow",
        "EUR",
        agent.username,
        agent.get_full_name(),
        manager.get_full_name(),
        str(agent),
        str(manager),
        team.name,
        "Phone system",
        "cb_",
        "A promise is due soon.",
        "Company day",
        "UTC",
        "Europe/Paris",
        *_playbook_content(),
    ]
    return SimpleNamespace(
        team=team,
        agent=agent,
        manager=manager,
        customer=customer,
        case=case,
        open_case=open_case,
        follow_up=follow_up,
        escalation=escalation,
        playbook=Playbook.objects.filter(team=None).first(),
        data=data,
    )


@pytest.mark.parametrize(
    "page", PAGES, ids=lambda page: f"{page.url_name}{page.query if isinstance(page.query, str) else ''}"
)
def test_page_text_is_translated(page, translated_world, in_pseudo_language, client):
    if page.as_user:
        client.force_login(getattr(translated_world, page.as_user))
    args = page.args(translated_world) if page.args else []
    query = page.query(translated_world) if callable(page.query) else page.query
    url = page.path or reverse(page.url_name, args=args) + query
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=PSEUDO)
    assert response.status_code == page.status
    assert response["Content-Language"] == PSEUDO
    html = response.content.decode()
    assert "[[" in html
    if page.region == "body":
        assert f'<html lang="{PSEUDO}"' in html
    assert untranslated(html, data=translated_world.data, ignore=page.ignore, region=page.region) == [], url


def test_presentation_filters_are_translated(in_pseudo_language):
    from desk.templatetags.casebook import field_label, field_value, minutes_in_words

    with translation.override(PSEUDO):
        assert minutes_in_words(timedelta(minutes=5)) == "[[5 minutes]]"
        assert minutes_in_words(timedelta(seconds=40)) == "[[1 minute]]"
        assert field_label("problem_statement") == "[[problem statement]]"
        # The timeline stored the label of the day; it is shown in the reader's language.
        assert field_value("Communication breakdown", "root_cause") == "[[Communication breakdown]]"
        assert field_value("Water on the floor.", "problem_statement") == "Water on the floor."


def test_choice_labels_are_translated(in_pseudo_language):
    """Temperaments, statuses, moods, channels...: shown translated, stored as their keys."""
    choices = [Temperament, CaseStatus, Priority, RootCause, EscalationReason, Channel, Direction, Mood, FollowUpKind]
    with translation.override(PSEUDO):
        for choice in choices:
            for label in choice.labels:
                assert str(label).startswith("[["), (choice.__name__, label)


def test_form_errors_are_translated(translated_world, in_pseudo_language, client):
    """Errors from the project's forms and services, and Django's own, as the user reads them."""
    client.force_login(translated_world.manager)
    response = client.post(
        reverse("accounts:team_settings", args=[translated_world.team.pk]),
        {"settings-working_days": "9", "settings-holiday_country": "ZZ"},
        HTTP_ACCEPT_LANGUAGE=PSEUDO,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "[[Working days are digits 0 (Monday) to 6 (Sunday), each at most once.]]" in html
    assert "[[This field is required.]]" in html
    assert untranslated(html, data=translated_world.data, ignore={"#id_settings-time_zone"}) == []


def test_phrasing_warnings_are_translated(in_pseudo_language):
    from django.template.loader import render_to_string

    with translation.override(PSEUDO):
        html = render_to_string("partials/phrasing_warnings.html", {"warnings": check_phrasing("Calm down.")})
    assert untranslated(html, data=["Calm down"], region=None) == []


# --- Emails ---------------------------------------------------------------------------


def _email_contexts(world) -> dict[str, dict]:
    case, customer = world.case, world.case.client
    follow_up = SimpleNamespace(
        get_kind_display="Call back", owner=world.agent, due_at=timezone.now(), note="Bring the invoice."
    )
    escalation = SimpleNamespace(
        get_reason_display="Abusive contact",
        raised_by=None,
        note="He shouted.",
        decided_by=world.manager,
        decision_label="Taken over",
        decision_note="I will call him.",
    )
    url = "https://casebook.example.com/cases/1/"
    staff = {"recipient": world.agent, "case": case, "case_url": url, "review_url": url}
    return {
        "client_summary": {
            "client": customer,
            "message": "We agreed on a visit.",
            "sender": "Ana",
            "subject": "Our call",
        },
        "escalation_decided": {**staff, "escalation": escalation},
        "escalation_raised": {**staff, "escalation": escalation},
        "follow_up_client": {"client": customer, "case": case, "message": "The visit is booked.", "sender": "Ana"},
        "auto_answer": {"client": customer, "case": case, "message": "The visit is booked.", "team": case.team},
        "follow_up_overdue": {**staff, "follow_up": follow_up},
        "follow_up_reminder": {**staff, "follow_up": follow_up},
        "satisfaction_check": {"client": customer, "case": case, "sender": "Ana", "links": [(1, url), (2, url)]},
    }


def test_every_email_is_translated(translated_world, in_pseudo_language):
    from interactions.outbox import render_email

    contexts = _email_contexts(translated_world)
    assert {path.name.rsplit("_", 1)[0] for path in (settings.BASE_DIR / "templates/emails").iterdir()} == set(
        contexts
    ), "a new email: add its context here"
    data = [
        *translated_world.data,
        "Call back",
        "Abusive contact",
        "Taken over",
        "He shouted.",
        "I will call him.",
        "Bring the invoice.",
        "We agreed on a visit.",
        "The visit is booked.",
        "Our call",
        "Ana",
        "https://casebook.example.com/cases/1/",
        str(translated_world.agent),
    ]
    for template, context in contexts.items():
        with translation.override(PSEUDO), timezone.override("UTC"):
            subject, text, html = render_email(template, context)
        assert subject.startswith("[[") or template == "client_summary", template
        assert untranslated(subject, data=data, html=False) == [], template
        assert untranslated(text, data=data, html=False) == [], template
        assert untranslated(html, data=data, region="body") == [], template
        assert f'lang="{PSEUDO}"' in html


# --- Settings -------------------------------------------------------------------------


def _settings_in_subprocess(languages: str) -> str:
    code = "from django.conf import settings; print(settings.LANGUAGE_CODE, settings.MIDDLEWARE)"
    env = {"DJANGO_SETTINGS_MODULE": "casebook.settings", "LANGUAGES": languages, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    return result.stdout + result.stderr


def test_languages_come_from_the_environment():
    # One language: nothing to choose, no LocaleMiddleware on every request.
    assert "LocaleMiddleware" not in _settings_in_subprocess("en")
    several = _settings_in_subprocess("fr,en")
    assert several.startswith("fr ") and "LocaleMiddleware" in several
    assert "unknown language code(s) zz" in _settings_in_subprocess("en,zz")


# --- Templates ------------------------------------------------------------------------

# Not Casebook's UI: drf-spectacular's page, whose text is Swagger UI's own.
NOT_UI = {"drf_spectacular/swagger_ui.html"}

_TAG = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL)
_BLOCK = re.compile(r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}", re.DOTALL)
# A literal word as a filter argument, e.g. |default:"a rule" (it should be _("a rule")).
_LITERAL_ARGUMENT = re.compile(r"\|default(?:_if_none)?:\"[^\"]*[^\W\d_]{2,}[^\"]*\"")


def template_text_outside_tags(source: str, *, html: bool) -> list[str]:
    """Words in a template that no translate/blocktranslate tag covers."""
    literals = [match.group(0) for tag in _TAG.findall(source) for match in _LITERAL_ARGUMENT.finditer(tag)]
    bare = _TAG.sub(" ", _BLOCK.sub(" ", source))
    return literals + untranslated(bare, region=None, html=html)


def _templates() -> list[str]:
    root = settings.BASE_DIR / "templates"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.suffix in {".html", ".txt"})


def test_templates_keep_their_text_in_i18n_tags():
    root = settings.BASE_DIR / "templates"
    found = {}
    for name in _templates():
        if name in NOT_UI:
            continue
        words = template_text_outside_tags((root / name).read_text(), html=name.endswith(".html"))
        if words:
            found[name] = words
    assert found == {}, "text outside {% translate %}/{% blocktranslate %}"
