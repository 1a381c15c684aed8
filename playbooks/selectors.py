"""Reads for playbooks: which playbook a case follows and everything the case page shows of it."""

import copy
import functools

from django.core.exceptions import ObjectDoesNotExist
from django.db import router
from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.roles import is_manager
from accounts.selectors import scope_to_user_teams, team_cached
from clients.models import Case, RootCause
from interactions.models import HOSTILE_MOODS, Interaction

from .coaching import BOUNDARIES, DE_ESCALATION, TEMPERAMENT_COACHING
from .models import (
    GENERAL_TEMPERAMENT,
    Concession,
    ConcessionKind,
    ConcessionLimit,
    ConcessionUnit,
    FaultRecord,
    Playbook,
    PlaybookVersion,
    SavedReply,
    SolutionOption,
    Step,
    StepKind,
    StepRecord,
    StepStatus,
)

# What the case page loads with the case itself (see desk.workspace.get_case_for_page): the
# pinned playbook with its version, and the fault record. The selectors below read them
# through the case's relations: free when loaded so, a query each otherwise.
CASE_RELATED = ("playbook__version__playbook", "fault_record")


def _one_to_one(case: Case, accessor: str):
    """The case's one-to-one row `accessor` (a reverse relation), or None when it has none."""
    try:
        return getattr(case, accessor)
    except ObjectDoesNotExist:
        return None


def playbooks_for_team(team_id: int) -> list[Playbook]:
    """The team's playbooks: its own, plus the built-ins it has not customised (one query).

    Each carries its latest version's id, number and publication time, so the case page
    knows the version a new case would start with without another query (`latest_version`).
    """
    latest = PlaybookVersion.objects.filter(playbook=OuterRef("pk")).order_by("-number")
    rows = list(
        (Playbook.objects.filter(team_id=team_id) | Playbook.objects.filter(team=None)).annotate(
            latest_version_id=Subquery(latest.values("pk")[:1]),
            latest_number=Subquery(latest.values("number")[:1]),
            latest_published_at=Subquery(latest.values("published_at")[:1]),
        )
    )
    customised = {row.based_on_id for row in rows if row.team_id is not None}
    return sorted(
        (row for row in rows if row.team_id is not None or row.pk not in customised), key=lambda r: (r.name, r.pk)
    )


def pick_default(playbooks: list[Playbook], temperament: str) -> Playbook | None:
    """The team's own playbook for the temperament first, then a built-in, then the general one."""
    for wanted in (temperament, GENERAL_TEMPERAMENT):
        matches = [p for p in playbooks if wanted in p.temperaments]
        if matches:
            return min(matches, key=lambda p: (p.team_id is None, p.pk))
    return playbooks[0] if playbooks else None


def default_playbook_for_case(case: Case) -> Playbook:
    playbook = pick_default(playbooks_for_team(case.team_id), case.client.temperament)
    if playbook is None:
        raise LookupError("No playbook installed: run the migrations.")
    return playbook


def latest_version(playbook: Playbook) -> PlaybookVersion:
    if getattr(playbook, "latest_version_id", None) is not None:  # read by playbooks_for_team
        # The row as read from the database (`Model.from_db`); its other fields load if asked for.
        version = PlaybookVersion.from_db(
            router.db_for_read(PlaybookVersion, instance=playbook),
            ["id", "playbook_id", "number", "published_at"],
            [playbook.latest_version_id, playbook.pk, playbook.latest_number, playbook.latest_published_at],
        )
        version.playbook = playbook
        return version
    return playbook.versions.select_related("playbook").order_by("-number").first()


def editable_playbooks_for_user(user: User) -> QuerySet[Playbook]:
    return scope_to_user_teams(Playbook.objects.all(), user) | Playbook.objects.filter(team=None)


def get_playbook_for_user(user: User, pk: int) -> Playbook:
    """A built-in, or a playbook of one of the user's teams; 404 otherwise."""
    return get_object_or_404(editable_playbooks_for_user(user).distinct(), pk=pk)


def get_saved_reply_for_user(user: User, pk: int) -> SavedReply:
    return get_object_or_404(scope_to_user_teams(SavedReply.objects.select_related("team"), user), pk=pk)


def saved_replies_for_user(user: User) -> QuerySet[SavedReply]:
    return scope_to_user_teams(SavedReply.objects.select_related("team"), user).order_by("team__name", "title")


def limits_for_team(team: Team | int) -> list[ConcessionLimit]:
    """The team's concession limits (one query), in the order of the kinds, then units."""
    team_id = getattr(team, "pk", team)
    kinds = list(ConcessionKind.values)
    units = list(ConcessionUnit.values)
    return sorted(
        ConcessionLimit.objects.filter(team_id=team_id),
        key=lambda limit: (kinds.index(limit.kind), units.index(limit.unit)),
    )


def limits_in_words(limits: list[ConcessionLimit]) -> str:
    """What an agent may give without a manager, in a phrase: "discount up to 10 % or
    50.00 EUR, refund up to 100.00 EUR, 2 free hours" (numbers in the reader's format)."""
    by_kind: dict[str, list[str]] = {}
    for limit in limits:
        by_kind.setdefault(limit.kind, []).append(limit.value_display)
    phrase = {
        ConcessionKind.DISCOUNT: _("discount up to %(values)s"),
        ConcessionKind.REFUND: _("refund up to %(values)s"),
        ConcessionKind.FREE_HOURS: _("up to %(values)s of free service"),
        ConcessionKind.OTHER: _("other concessions up to %(values)s"),
    }
    return ", ".join(
        text % {"values": _(" or ").join(by_kind[kind])} for kind, text in phrase.items() if kind in by_kind
    )


def get_concession_on_case(case: Case, pk: int) -> Concession:
    return get_object_or_404(Concession.objects.filter(case=case), pk=pk)


def get_step_of_case(version: PlaybookVersion, pk: int) -> Step:
    return get_object_or_404(Step.objects.filter(version=version), pk=pk)


def case_playbook_version(case: Case, team_playbooks=None):
    """(pinned CasePlaybook or None, the version the case follows or would start with).

    `team_playbooks`: the team's playbooks if already read, or a function reading them
    (called only when the case is not pinned).
    """
    pinned = _one_to_one(case, "playbook")
    if pinned is not None:
        return pinned, pinned.version
    if callable(team_playbooks):
        team_playbooks = team_playbooks()
    playbooks = team_playbooks if team_playbooks is not None else playbooks_for_team(case.team_id)
    playbook = pick_default(playbooks, case.client.temperament)
    return None, latest_version(playbook) if playbook is not None else None


def case_playbook_progress(case: Case, team_playbooks=None):
    """(pinned CasePlaybook or None, its version, its steps in order, the current step or None).

    Each step carries `record`: its StepRecord on this case (done or skipped), or None. The
    current step is the first one without a record; None once every step has one.
    """
    pinned, version = case_playbook_version(case, team_playbooks)
    if version is None:
        return pinned, None, [], None
    records = {}
    if pinned is not None:
        for record in StepRecord.objects.filter(case_playbook=pinned).select_related("completed_by"):
            record.case_playbook = pinned
            records[record.step_id] = record
    steps = steps_of(version)
    current = None
    for step in steps:
        step.record = records.get(step.pk)
        if step.record is None and current is None:
            current = step
    return pinned, version, steps, current


def steps_of(version: PlaybookVersion) -> list[Step]:
    """The steps of a version in order, as copies the caller may annotate (`record`).

    A published version never changes, so each process keeps its steps; the key carries
    the publication time as well as the id, so a version is never mistaken for another one
    that got the same id in another database (a test database made afresh).
    """
    return [copy.copy(step) for step in _published_steps(version.pk, version.published_at.timestamp())]


@functools.lru_cache(maxsize=256)
def _published_steps(version_id: int, published_at: float) -> tuple[Step, ...]:
    return tuple(Step.objects.filter(version_id=version_id).order_by("position"))


def fault_record_for_case(case: Case) -> FaultRecord | None:
    return _one_to_one(case, "fault_record")


def solution_options_for_case(case: Case) -> list[SolutionOption]:
    return list(SolutionOption.objects.filter(case=case))


def concessions_for_case(case: Case) -> list[Concession]:
    return list(Concession.objects.filter(case=case).order_by("created_at", "id"))


def saved_replies_for_team(team_id: int) -> list[SavedReply]:
    """The team's saved replies (kept in the cache; saving or deleting one forgets them)."""
    return team_cached(team_id, "saved_replies", lambda: list(SavedReply.objects.filter(team_id=team_id)))


def render_saved_reply(reply: SavedReply, *, case: Case, agent: User, next_step: str = "") -> str:
    """The reply with its placeholders filled for this case; unknown placeholders stay as written."""
    values = {
        "client_name": case.client.name,
        "agent_name": str(agent),
        "case_title": case.title,
        "next_step": next_step or "the next step we agree on",
    }
    text = reply.body
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def summary_draft(*, case: Case, steps: list[Step], options, concessions, fault) -> str:
    """A case summary built from the record, for the agent to edit before saving."""
    outcomes = {step.kind: step.record.outcome for step in steps if step.record and step.record.status == "done"}
    problem = outcomes.get(StepKind.PINPOINT, {}).get("problem") or case.problem_statement or "-"
    lines = [_("Problem: %(problem)s") % {"problem": problem}]
    points = outcomes.get(StepKind.COMMON_GROUND, {}).get("points", [])
    if points:
        lines.append(_("We agree that: %(points)s.") % {"points": "; ".join(points)})
    chosen = outcomes.get(StepKind.COMPROMISE, {}).get("option")
    if chosen:
        lines.append(_("Agreed solution: %(solution)s") % {"solution": chosen})
    given = [str(c) for c in concessions if c.status != "refused"]
    if given:
        lines.append(_("Concessions: %(concessions)s.") % {"concessions": ", ".join(given)})
    if fault is not None and fault.apology_given_at:
        lines.append(_("We apologised for our part in this."))
    lines.append(_("Next step: to be confirmed with the client."))
    return "\n".join(lines)


def _coaching(case: Case, last_mood: str | None = None) -> dict:
    """The coaching card's text, as plain values in the reader's language (the card is a
    pure section: playbooks/_coaching.html)."""
    temperament = case.client.temperament
    return {
        "temperament": str(case.client.get_temperament_display()),
        "guidance": str(TEMPERAMENT_COACHING.get(temperament, TEMPERAMENT_COACHING["unknown"])),
        "de_escalation": tuple(str(line) for line in DE_ESCALATION),
        "boundaries": tuple(str(line) for line in BOUNDARIES),
        "hostile": last_mood in HOSTILE_MOODS,
        "hostile_moods": ",".join(HOSTILE_MOODS),
    }


def case_playbook_context(case: Case, user: User, *, full: bool = False) -> dict:
    """Everything the case page shows of the playbook, in a fixed number of queries: data
    only (the panel's forms are `forms.playbook_panel_forms`).

    `full` loads every part (the case file) instead of only what the open step shows.
    """
    # Read only when needed: to pick the version of a case not pinned yet, or to offer a
    # switch while no step is done.
    read: list[list[Playbook]] = []

    def team_playbooks() -> list[Playbook]:
        if not read:
            read.append(playbooks_for_team(case.team_id))
        return read[0]

    pinned, version, steps, current = case_playbook_progress(case, team_playbooks)
    if version is None:
        # Only when the built-in playbooks were never installed (a flushed test database).
        return {"pb_version": None, "coaching": _coaching(case)}
    records = [step.record for step in steps if step.record]
    # Options are read only where the open step (or the case file) shows them.
    kind = current.kind if current is not None else None
    options = []
    if full or kind in (StepKind.BRAINSTORM, StepKind.COMPROMISE):
        options = solution_options_for_case(case)
    # Every concession made to the client, newest first: this case's and the earlier ones.
    # (The earlier ones show only their case's number.)
    concessions_all = list(Concession.objects.filter(client_id=case.client_id).order_by("-created_at", "-id"))
    concessions = [c for c in concessions_all if c.case_id == case.pk]
    for concession in concessions:
        concession.case = case
    earlier = [c for c in concessions_all if c.case_id != case.pk]
    fault = fault_record_for_case(case)
    temperament = case.client.temperament
    # One read for both places a saved reply can go: the document step and the contact note.
    replies = [r for r in saved_replies_for_team(case.team_id) if r.temperament in ("", temperament)]
    if hasattr(case, "last_mood"):  # annotated on the case page's read of the case
        last_mood = case.last_mood
    else:
        last_mood = (
            Interaction.objects.filter(case=case).order_by("-occurred_at", "-id").values_list("mood", flat=True).first()
        )
    switchable = [] if records else team_playbooks()
    draft = ""
    if current is not None and current.kind == StepKind.DOCUMENT:
        draft = summary_draft(case=case, steps=steps, options=options, concessions=concessions, fault=fault)
    summary = next((s.record.outcome.get("summary", "") for s in steps if s.kind == StepKind.DOCUMENT and s.record), "")
    return {
        "pb_pinned": pinned,
        "pb_version": version,
        "pb_steps": steps,
        "pb_current": current,
        "pb_done": sum(1 for step in steps if step.record),
        "pb_summary": summary,
        "pb_draft": draft,
        "pb_options": options,
        "pb_concessions": concessions,
        "pb_earlier_concessions": earlier,
        "pb_fault": fault,
        "pb_replies": [r for r in replies if r.step_kind in ("", StepKind.DOCUMENT)],
        "pb_log_replies": [r for r in replies if r.step_kind in ("", kind or "")],
        "pb_switchable": switchable,
        "pb_can_decide": is_manager(user),
        "pb_root_causes": RootCause.choices,
        "pb_skipped": StepStatus.SKIPPED,
        "coaching": _coaching(case, last_mood),
    }
