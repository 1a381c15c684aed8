"""Hostile text in every text field: stored exactly as typed, always shown escaped.

Each form's text fields are collected from the forms modules, so a new field fails
`test_every_text_field_is_fed_hostile_input` until it is added to SPECS (or, with a
reason, to NOT_YET). A value goes in through the real view; then it is read back from
the database, and every page that shows it, the admin change page and, for a client
email, the rendered outbox message are checked. The CSV exports (the case list and a
case's interactions) carry the text exactly, apart from the leading `'` that keeps a
spreadsheet from running a cell that starts like a formula (core/export.py).
"""

import importlib
import inspect
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django import forms
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from clients.models import Case, CaseEvent, Client
from escalations.models import Escalation
from interactions.models import FollowUp, Interaction, OutgoingEmail
from playbooks.models import (
    CaseReview,
    Concession,
    FaultRecord,
    Playbook,
    SavedReply,
    SolutionOption,
    Step,
    StepRecord,
)

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# Right-to-left override, Arabic and Hebrew, emoji (with a zero-width joiner sequence),
# a bell and an escape: all valid text that must survive untouched.
MIXED = f"{XSS} \u202eعربي שלום 😡👨\u200d👩\u200d👧 bell\x07 esc\x1b[31m end"
FORM_MODULES = ["clients.forms", "interactions.forms", "playbooks.forms", "escalations.forms", "chat.forms"]


@dataclass
class Spec:
    url: callable  # data -> URL to POST to
    base: callable  # data -> the other fields a valid submission needs
    fields: list[str]
    model: type
    pages: callable  # (data, stored object) -> URLs that show the value
    prefix: str = ""
    manager: bool = False
    max_lengths: dict = field(default_factory=dict)  # form fields whose form limit is below the model's
    # Puts the case where the form applies (a follow-up to cancel, a step to skip ...).
    setup: callable = None
    # (data, field name) -> (the record the admin shows, the text stored), for forms that
    # change a record or write the text on a timeline entry; default: the new row of `model`.
    read: callable = None
    # (data, {field: value}) -> the whole POST, for forms that need more than one prefix
    # (a formset's management form); default: `base` with the value, under `prefix`.
    payload: callable = None


def _case_pages(d, obj):
    return [d.case.get_absolute_url(), reverse("cases:file", args=[d.case.pk])]


SPECS = {
    "clients.forms.ClientForm": Spec(
        url=lambda d: reverse("clients:create"),
        base=lambda d: {"team": d.case.team_id, "name": "Hostile client", "temperament": "unknown"},
        fields=["name", "company", "notes"],
        model=Client,
        pages=lambda d, obj: [obj.get_absolute_url(), reverse("clients:list")],
    ),
    "clients.forms.CaseForm": Spec(
        url=lambda d: reverse("clients:open_case", args=[d.customer.pk]),
        base=lambda d: {"title": "Hostile case", "owner": d.agent.pk, "priority": 2, "root_cause": "unknown"},
        fields=["title", "problem_statement"],
        model=Case,
        pages=lambda d, obj: [obj.get_absolute_url(), reverse("cases:list"), d.customer.get_absolute_url()],
    ),
    "interactions.forms.InteractionForm": Spec(
        url=lambda d: reverse("cases:log_interaction", args=[d.case.pk]),
        base=lambda d: {"channel": "call", "direction": "inbound", "mood": "calm", "summary": "x"},
        fields=["summary"],
        model=Interaction,
        pages=lambda d, obj: [*_case_pages(d, obj), d.customer.get_absolute_url()],
    ),
    "interactions.forms.QuickLogForm": Spec(
        url=lambda d: reverse("quick_log:save"),
        base=lambda d: {
            "client": d.customer.pk,
            "case": d.case.pk,
            "channel": "call",
            "direction": "inbound",
            "mood": "calm",
            "summary": "x",
        },
        fields=["summary"],
        model=Interaction,
        pages=lambda d, obj: [*_case_pages(d, obj), d.customer.get_absolute_url()],
    ),
    # The same form opening a new case: its title is stored on the case.
    "interactions.forms.QuickLogForm#new_case": Spec(
        url=lambda d: reverse("quick_log:save"),
        base=lambda d: {
            "client": d.customer.pk,
            "case": "new",
            "new_case_title": "x",
            "channel": "call",
            "direction": "inbound",
            "mood": "calm",
            "summary": "First call",
        },
        fields=["new_case_title"],
        model=Case,
        pages=lambda d, obj: [obj.get_absolute_url(), reverse("cases:list"), d.customer.get_absolute_url()],
        read=lambda d, name: (lambda c: (c, c.title))(Case.objects.latest("pk")),
    ),
    "escalations.forms.EscalationForm": Spec(
        url=lambda d: reverse("cases:escalate", args=[d.case.pk]),
        base=lambda d: {"reason": "other", "note": "x"},
        fields=["note"],
        model=Escalation,
        pages=_case_pages,
    ),
    "interactions.forms.FollowUpForm": Spec(
        url=lambda d: reverse("cases:follow_up_create", args=[d.case.pk]),
        base=lambda d: {
            "kind": "internal_check",
            "due_at": (timezone.localtime(timezone.now()) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
        fields=["note"],
        model=FollowUp,
        pages=lambda d, obj: [*_case_pages(d, obj), reverse("my_day")],
    ),
    "interactions.forms.ClientSummaryForm": Spec(
        url=lambda d: reverse("cases:client_summary", args=[d.case.pk]),
        base=lambda d: {"subject": "Summary", "body": "Thank you for your patience."},
        fields=["subject", "body"],
        model=OutgoingEmail,
        pages=_case_pages,
    ),
    "playbooks.forms.OptionForm": Spec(
        url=lambda d: reverse("cases:option_add", args=[d.case.pk]),
        base=lambda d: {"description": "x", "currency": "EUR", "proposed_by": "staff"},
        fields=["description"],
        model=SolutionOption,
        pages=_case_pages,
        prefix="option",
    ),
    "playbooks.forms.SavedReplyForm": Spec(
        url=lambda d: reverse("playbooks:reply_create"),
        base=lambda d: {"team": d.case.team_id, "title": "Reply", "body": "Dear client"},
        fields=["title", "body", "trigger_phrases"],
        model=SavedReply,
        pages=lambda d, obj: [reverse("playbooks:reply_edit", args=[obj.pk]), *_case_pages(d, obj)],
        manager=True,
    ),
}


def _event_note(kind):
    def read(d, name):
        event = CaseEvent.objects.filter(case=d.case, kind=kind).latest("pk")
        return event, event.data["note"]

    return read


def _latest(model, attribute):
    def read(d, name):
        record = model.objects.filter(case=d.case).latest("pk")
        return record, getattr(record, attribute)

    return read


def _with_follow_up(d):
    from interactions.services import follow_up_schedule

    d.follow_up = follow_up_schedule(
        actor=d.agent, case=d.case, kind="call_back", due_at=timezone.now() + timedelta(days=1), note="Call back"
    )


def _with_playbook(d):
    from playbooks.defaults import install_defaults
    from playbooks.models import Playbook, PlaybookVersion, Step
    from playbooks.selectors import case_playbook_context

    install_defaults(Playbook, PlaybookVersion, Step)
    d.step = case_playbook_context(d.case, d.agent)["pb_current"]


def _with_pending_concession(d):
    from decimal import Decimal

    from playbooks.services import concession_limit_set, concession_offer

    concession_limit_set(actor=d.manager, team=d.case.team, kind="refund", max_value=Decimal("10"))
    d.concession = concession_offer(actor=d.agent, case=d.case, kind="refund", value=Decimal("50"), currency="EUR")


def _with_escalation(d):
    from escalations.services import case_escalate

    d.escalation = case_escalate(actor=d.agent, case=d.case, reason="other", note="Please step in.")


def _due_later():
    return (timezone.localtime(timezone.now()) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


SPECS.update(
    {
        "clients.forms.CaseStatusForm": Spec(
            url=lambda d: reverse("cases:status", args=[d.case.pk]),
            base=lambda d: {"status": "resolved"},
            fields=["note"],
            model=CaseEvent,
            pages=_case_pages,
            read=_event_note("status_changed"),
        ),
        "clients.forms.NoteForm": Spec(
            url=lambda d: reverse("cases:boundary_warning", args=[d.case.pk]),
            base=lambda d: {},
            fields=["note"],
            model=CaseEvent,
            pages=_case_pages,
            read=_event_note("boundary_warning"),
        ),
        "clients.forms.NoteForm#waiting": Spec(
            url=lambda d: reverse("cases:waiting", args=[d.case.pk]),
            base=lambda d: {"waiting": "1"},
            fields=["note"],
            model=CaseEvent,
            pages=_case_pages,
            read=_event_note("waiting_started"),
        ),
        "interactions.forms.CancelForm": Spec(
            url=lambda d: reverse("cases:follow_up_cancel", args=[d.follow_up.pk]),
            base=lambda d: {},
            fields=["note"],
            model=CaseEvent,
            pages=_case_pages,
            setup=_with_follow_up,
            read=_event_note("follow_up_cancelled"),
        ),
        "interactions.forms.RescheduleForm": Spec(
            url=lambda d: reverse("cases:follow_up_reschedule", args=[d.follow_up.pk]),
            base=lambda d: {"due_at": _due_later()},
            fields=["note"],
            model=CaseEvent,
            pages=_case_pages,
            setup=_with_follow_up,
            read=_event_note("follow_up_rescheduled"),
        ),
        "playbooks.forms.PinpointForm": Spec(
            url=lambda d: reverse("cases:step_complete", args=[d.case.pk, d.step.pk]),
            base=lambda d: {"problem": "x", "root_cause": "other"},
            fields=["problem"],
            model=StepRecord,
            pages=_case_pages,
            prefix="step",
            setup=_with_playbook,
            read=lambda d, name: (lambda r: (r, r.outcome["problem"]))(StepRecord.objects.latest("pk")),
        ),
        "playbooks.forms.SkipForm": Spec(
            url=lambda d: reverse("cases:step_skip", args=[d.case.pk, d.step.pk]),
            base=lambda d: {},
            fields=["reason"],
            model=StepRecord,
            pages=_case_pages,
            prefix="skip",
            setup=_with_playbook,
            read=lambda d, name: (lambda r: (r, r.skip_reason))(StepRecord.objects.latest("pk")),
        ),
        "playbooks.forms.ConcessionForm": Spec(
            url=lambda d: reverse("cases:concession_add", args=[d.case.pk]),
            base=lambda d: {"kind": "apology", "currency": "EUR"},
            fields=["note"],
            model=Concession,
            # The playbook panel lists the case's concessions.
            pages=_case_pages,
            prefix="concession",
            setup=_with_playbook,
        ),
        "playbooks.forms.DecideForm": Spec(
            url=lambda d: reverse("cases:concession_decide", args=[d.case.pk, d.concession.pk]),
            base=lambda d: {"decision": "approve"},
            fields=["note"],
            model=Concession,
            pages=_case_pages,
            prefix="decide",
            manager=True,
            setup=_with_pending_concession,
            read=lambda d, name: (lambda c: (c, c.decision_note))(Concession.objects.get(pk=d.concession.pk)),
        ),
        "escalations.forms.DecisionForm": Spec(
            url=lambda d: reverse("escalations:decide", args=[d.escalation.pk]),
            base=lambda d: {"decision": "hand_back"},
            fields=["note"],
            model=Escalation,
            # The review page and the case's timeline show the manager's guidance.
            pages=lambda d, obj: [reverse("escalations:review", args=[d.escalation.pk]), d.case.get_absolute_url()],
            manager=True,
            setup=_with_escalation,
            read=lambda d, name: (lambda e: (e, e.decision_note))(Escalation.objects.get(pk=d.escalation.pk)),
        ),
        "playbooks.forms.FaultForm": Spec(
            url=lambda d: reverse("cases:fault_record", args=[d.case.pk]),
            base=lambda d: {"at_fault": "yes"},
            fields=["note"],
            model=FaultRecord,
            pages=_case_pages,
            prefix="fault",
        ),
    }
)


def _at_step(kind):
    """Skips the earlier steps, so the playbook's current step is `kind`."""

    def setup(d):
        from playbooks.selectors import case_playbook_context
        from playbooks.services import step_skip

        _with_playbook(d)
        while d.step.kind != kind:
            step_skip(actor=d.agent, case=d.case, step=d.step, reason="Not needed for this client")
            d.step = case_playbook_context(d.case, d.agent)["pb_current"]

    return setup


def _outcome(key):
    def read(d, name):
        record = StepRecord.objects.latest("pk")
        value = record.outcome[key]
        return record, value[0] if isinstance(value, list) else value

    return read


def _resolved(d):
    from clients.services import case_change_status

    case_change_status(actor=d.agent, case=d.case, status="resolved", note="Sorted out")


def _editable_playbook(d):
    from playbooks.defaults import install_defaults
    from playbooks.models import PlaybookVersion

    install_defaults(Playbook, PlaybookVersion, Step)
    # In Python: a JSON "contains" lookup is PostgreSQL's only, and this suite runs on SQLite too.
    (d.playbook,) = [p for p in Playbook.objects.filter(team=None) if "complainer" in p.temperaments]


def _playbook_payload(d, values):
    step = {"kind": "pinpoint", "title": "Listen", "guidance": "Let them finish.", "phrasings": "", "avoid": ""}
    step.update({k: v for k, v in values.items() if k in step})
    return {
        "name": values.get("name", "Our complainer playbook"),
        "temperaments": ["complainer"],
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        **{f"steps-0-{key}": value for key, value in step.items()},
        "steps-0-ORDER": "1",
    }


def _playbook_pages(d, obj):
    playbook = obj if isinstance(obj, Playbook) else obj.version.playbook
    edit = reverse("playbooks:edit", args=[playbook.pk]) + f"?team={d.case.team_id}"
    return [edit, reverse("playbooks:list")]


SPECS.update(
    {
        "playbooks.forms.CommonGroundForm": Spec(
            url=lambda d: reverse("cases:step_complete", args=[d.case.pk, d.step.pk]),
            base=lambda d: {"points": "x"},
            fields=["points"],
            model=StepRecord,
            pages=_case_pages,
            prefix="step",
            setup=_at_step("common_ground"),
            read=_outcome("points"),
        ),
        "playbooks.forms.DocumentForm": Spec(
            url=lambda d: reverse("cases:step_complete", args=[d.case.pk, d.step.pk]),
            base=lambda d: {"summary": "x"},
            fields=["summary"],
            model=StepRecord,
            pages=_case_pages,
            prefix="step",
            setup=_at_step("document"),
            read=_outcome("summary"),
        ),
        "playbooks.forms.FollowUpForm": Spec(
            url=lambda d: reverse("cases:step_complete", args=[d.case.pk, d.step.pk]),
            base=lambda d: {"follow_up_kind": "call_back", "next_step": "x", "due_at": _due_later()},
            fields=["next_step"],
            model=StepRecord,
            pages=lambda d, obj: [*_case_pages(d, obj), reverse("my_day")],
            prefix="step",
            setup=_at_step("follow_up"),
            read=_outcome("next_step"),
        ),
        "playbooks.forms.CaseReviewForm": Spec(
            url=lambda d: reverse("cases:close_review", args=[d.case.pk]),
            base=lambda d: {"what_worked": "Listening first"},
            fields=["what_worked", "what_to_change"],
            model=CaseReview,
            # The review is part of the printable case file.
            pages=lambda d, obj: [reverse("cases:file", args=[d.case.pk]), d.case.get_absolute_url()],
            setup=_resolved,
        ),
        "playbooks.forms.PlaybookForm": Spec(
            url=lambda d: reverse("playbooks:edit", args=[d.playbook.pk]) + f"?team={d.case.team_id}",
            base=lambda d: {},
            fields=["name"],
            model=Playbook,
            pages=_playbook_pages,
            manager=True,
            setup=_editable_playbook,
            payload=_playbook_payload,
            read=lambda d, name: (lambda p: (p, p.name))(Playbook.objects.filter(team=d.case.team).latest("pk")),
        ),
        "playbooks.forms.StepEditForm": Spec(
            url=lambda d: reverse("playbooks:edit", args=[d.playbook.pk]) + f"?team={d.case.team_id}",
            base=lambda d: {},
            fields=["title", "guidance", "phrasings", "avoid"],
            model=Step,
            pages=_playbook_pages,
            manager=True,
            setup=_editable_playbook,
            payload=_playbook_payload,
            read=lambda d, name: (lambda s: (s, getattr(s, name)))(Step.objects.latest("pk")),
        ),
    }
)


def _chat_offered(available: bool):
    """The case's team offers live chat; someone is available for it, or nobody."""

    def setup(d):
        from chat.availability import availability_set
        from chat.models import TeamChat

        TeamChat.objects.create(team=d.case.team, owner=d.manager)
        availability_set(user=d.manager, available=available)

    return setup


def _left_message(d, name):
    """The message left on the chat page: the visitor's name is the new client's, the text the contact's."""
    contact = Interaction.objects.latest("pk")
    if name == "name":
        return contact, contact.case.client.name
    return contact, contact.summary.split("\n\n", 1)[1]


# The client's chat pages (anonymous forms; a signed-in agent posts them here just the same).
SPECS.update(
    {
        "chat.forms.ChatStartForm": Spec(
            url=lambda d: reverse("chat:start"),
            base=lambda d: {"name": "x", "email": "hostile-visitor@example.com"},
            fields=["name"],
            model=Client,
            pages=lambda d, obj: [obj.get_absolute_url(), reverse("chats")],
            setup=_chat_offered(True),
        ),
        "chat.forms.ChatLeaveMessageForm": Spec(
            url=lambda d: reverse("chat:start"),
            base=lambda d: {"name": "x", "email": "hostile-visitor@example.com", "message": "x"},
            fields=["name", "message"],
            model=Interaction,
            prefix="leave",
            pages=lambda d, obj: [obj.case.get_absolute_url(), obj.case.client.get_absolute_url()],
            setup=_chat_offered(False),
            read=_left_message,
        ),
    }
)


# Text fields not fed yet, each with why; the list shrinks, it must not grow silently.
NOT_YET = {
    "clients.forms.ClientForm.phone": "validated as a phone number: hostile text is refused, not stored",
    "clients.forms.ClientFilterForm.q": "a search box, never stored (its escaping: test_query_parameters)",
    "playbooks.forms.ConcessionForm.currency": "a 3-letter code",
    "playbooks.forms.PhrasingCheckForm.text": "the live phrasing check: read for warnings, never stored",
    "playbooks.forms.OptionForm.currency": "a 3-letter code",
}


def _text_fields() -> set[str]:
    found = set()
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not (issubclass(cls, forms.BaseForm) and cls.__module__ == module_name):
                continue
            for field_name, form_field in cls.base_fields.items():
                typed = isinstance(form_field, forms.EmailField | forms.URLField | forms.UUIDField)
                if isinstance(form_field, forms.CharField) and not typed:
                    found.add(f"{module_name}.{name}.{field_name}")
    return found


def test_every_text_field_is_fed_hostile_input():
    covered = {f"{_form_name(form)}.{name}" for form, spec in SPECS.items() for name in spec.fields}
    missing = _text_fields() - covered - set(NOT_YET)
    assert not missing, f"add these text fields to SPECS: {sorted(missing)}"


def _form_name(key: str) -> str:
    """A SPECS key names a form, with `#variant` when one form is fed in two ways."""
    return key.split("#")[0]


def _max_value(form: str, name: str) -> str:
    module, cls = _form_name(form).rsplit(".", 1)
    max_length = getattr(importlib.import_module(module), cls).base_fields[name].max_length or 5000
    # Four-byte characters and markup up to the very limit: the limit counts characters.
    return ("<b>😡</b>" * max_length)[:max_length]


@pytest.fixture
def data(case, agent, manager, customer):
    from types import SimpleNamespace

    return SimpleNamespace(case=case, agent=agent, manager=manager, customer=customer)


def _post(client, spec: Spec, data, values: dict):
    if spec.payload:
        return client.post(spec.url(data), spec.payload(data, values))
    payload = {**spec.base(data), **values}
    if spec.prefix:
        payload = {f"{spec.prefix}-{key}": value for key, value in payload.items()}
    return client.post(spec.url(data), payload)


def _stored(obj, spec: Spec, name: str) -> str:
    if spec.model is OutgoingEmail:
        return {"subject": obj.subject, "body": obj.body_text}[name]
    return getattr(obj, name)


# A trigger phrase has its own limit (100 characters each, one a line), refused with a clear
# message (playbooks/tests/test_saved_replies.py): only the mixed hostile text applies to it.
CASES = [
    (form, name, kind)
    for form, spec in SPECS.items()
    for name in spec.fields
    for kind in ("mixed", "max")
    if not (name == "trigger_phrases" and kind == "max")
]


@pytest.mark.parametrize(("form", "name", "kind"), CASES)
def test_hostile_text_is_stored_intact_and_shown_escaped(client, data, admin, form, name, kind):
    spec = SPECS[form]
    client.force_login(data.manager if spec.manager else data.agent)
    value = MIXED if kind == "mixed" else _max_value(form, name)
    if spec.setup:
        spec.setup(data)
    before = set(spec.model.objects.values_list("pk", flat=True))
    response = _post(client, spec, data, {name: value})
    assert response.status_code == 302, getattr(
        response.context.get("form") if response.context else None, "errors", ""
    )
    if spec.read:
        obj, stored = spec.read(data, name)
        pk = obj.pk
    else:
        (pk,) = set(spec.model.objects.values_list("pk", flat=True)) - before
        obj = spec.model.objects.get(pk=pk)
        stored = _stored(obj, spec, name)
    if spec.model is OutgoingEmail and name == "body":
        assert value in stored  # the text part wraps the agent's words in a greeting and a signature
    else:
        assert stored == value
    raw = "<script>" if kind == "mixed" else "<b>😡</b>"
    shown = escape(value)
    for position, url in enumerate(spec.pages(data, obj)):
        body = client.get(url).content.decode()
        assert raw not in body, url
        # The record's own page shows it all (lists may shorten it).
        if position == 0 and spec.model is not OutgoingEmail and kind == "mixed":
            assert shown in body, url
    client.force_login(admin)
    meta = spec.model._meta
    admin_page = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]))
    assert admin_page.status_code == 200
    assert raw not in admin_page.content.decode()
    if spec.model is OutgoingEmail:
        _check_email(obj, value, name)


def _check_email(email: OutgoingEmail, value: str, name: str) -> None:
    from interactions.outbox import _message

    message: EmailMultiAlternatives = _message(email, connection=None)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<script>" not in html and "<b>😡</b>" not in html
    if name == "body":
        assert escape(value)[:200] in html.replace("<br>", "\n") or escape(value)[:40] in html
        assert value in message.body  # the text part carries the words exactly
    else:
        assert "\n" not in message.subject and "\r" not in message.subject
    raw_message = message.message().as_bytes()
    assert b"<script>" not in raw_message.split(b"text/html", 1)[-1]


@pytest.mark.parametrize(("form", "name"), [(form, name) for form, spec in SPECS.items() for name in spec.fields])
def test_a_nul_character_is_a_422_that_names_the_field_and_stores_nothing(client, data, form, name):
    spec = SPECS[form]
    client.force_login(data.manager if spec.manager else data.agent)
    if spec.setup:
        spec.setup(data)
    before = spec.model.objects.count()
    response = _post(client, spec, data, {name: "before\x00after"})
    assert response.status_code == 422
    assert spec.model.objects.count() == before
    body = response.content.decode()
    assert "NUL character" in body and name in body  # core.middleware.RefuseNulCharacters
    # The form refuses it too, for callers that do not come through a request (services, commands).
    assert "Null characters are not allowed" in _nul_error(form, name)


def _nul_error(form: str, name: str) -> str:
    """The error the view's form gives the field for a NUL."""
    module, cls = _form_name(form).rsplit(".", 1)
    try:
        getattr(importlib.import_module(module), cls).base_fields[name].clean("before\x00after")
    except forms.ValidationError as error:
        return " ".join(error.messages)
    return ""


def test_an_email_subject_cannot_inject_headers(client, data):
    client.force_login(data.agent)
    spec = SPECS["interactions.forms.ClientSummaryForm"]
    response = _post(client, spec, data, {"subject": "Hello\r\nBcc: victim@example.com"})
    if response.status_code == 302:
        email = OutgoingEmail.objects.latest("pk")
        from interactions.outbox import _message

        headers = _message(email, connection=None).message().as_bytes()
        assert b"\nBcc:" not in headers
    else:
        assert response.status_code == 422


def _csv_rows(response) -> list[list[str]]:
    import csv
    import io

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("prefix", ["", "=", "+", "-", "@"])
def test_csv_exports_carry_hostile_text_intact_except_formulas(client, data, prefix):
    from clients.services import case_update
    from interactions.services import interaction_log

    value = prefix + MIXED
    case_update(actor=data.agent, case=data.case, title=value[:200])
    interaction_log(actor=data.agent, case=data.case, channel="call", direction="inbound", mood="calm", summary=value)
    expected = ("'" if prefix else "") + value
    client.force_login(data.agent)
    cells = [
        cell for row in _csv_rows(client.get(reverse("cases:export_interactions", args=[data.case.pk]))) for cell in row
    ]
    assert expected in cells
    cells = [cell for row in _csv_rows(client.get(reverse("cases:export"))) for cell in row]
    assert ("'" if prefix else "") + value[:200] in cells
