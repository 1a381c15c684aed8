"""Phrasing check: spot wording that tends to inflame a client and suggest a gentler one.

Pure functions, no database: the check only warns, it never blocks a text.
"""

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise

# (pattern, why it inflames, a gentler wording to consider). Patterns are matched
# case-insensitively on word boundaries; curly and straight apostrophes both match.
# The why and suggestion are shown to agents, in their language.
_RULES: list[tuple[str, StrOrPromise, StrOrPromise]] = [
    (
        r"calm down",
        _("Telling someone to calm down tells them their feelings are wrong."),
        _("I can hear this has been really frustrating."),
    ),
    (r"relax", _("It dismisses how the client feels."), _("I understand why this matters to you.")),
    (
        r"(?:it'?s|it is) (?:our|company) policy",
        _("Hiding behind policy sounds like a refusal to help."),
        _("What I can do within our rules is ..."),
    ),
    (r"you should have", _("It blames the client for what already happened."), _("Next time, it may help to ...")),
    (r"you need to", _("It sounds like an order."), _("Could you please ...")),
    (r"you must", _("It sounds like an order."), _("It would help if you could ...")),
    (
        r"that(?:'s| is) not my (?:job|problem|department)",
        _("It pushes the client away."),
        _("Let me find the right person and make sure it gets done."),
    ),
    (r"there(?:'s| is) nothing (?:I|we) can do", _("It closes the door."), _("Here is what I can do: ...")),
    (r"you'?re wrong", _("Contradicting head-on starts a fight."), _("I see it a little differently: ...")),
    (r"as I (?:already )?(?:said|told you)", _("It sounds impatient."), _("To put it another way: ...")),
    (r"to be honest", _("It implies the rest was not honest."), _("(leave it out)")),
    (r"no offen[cs]e", _("It announces an offence."), _("(leave it out)")),
    (r"obviously", _("It suggests the client should have known."), _("(leave it out)")),
    (r"(?:I|we) can'?t help you", _("It closes the door."), _("Let me see what we can do.")),
    (
        r"you misunderstood",
        _("It puts the misunderstanding on the client."),
        _("I may not have explained that clearly."),
    ),
    (r"whatever", _("It sounds dismissive."), _("(leave it out)")),
    (r"per my last (?:email|message)", _("It reads as a reproach."), _("As a reminder, ...")),
]
_COMPILED = [
    (re.compile(r"\b" + pattern.replace("'", "['\u2019]") + r"\b", re.IGNORECASE), why, suggestion)
    for pattern, why, suggestion in _RULES
]


@dataclass(frozen=True)
class PhrasingWarning:
    phrase: str  # as written in the text
    start: int
    end: int
    why: StrOrPromise
    suggestion: StrOrPromise


def check_phrasing(text: str) -> list[PhrasingWarning]:
    """Every inflaming phrase in `text`, in the order they appear."""
    found = [
        PhrasingWarning(match.group(0), match.start(), match.end(), why, suggestion)
        for pattern, why, suggestion in _COMPILED
        for match in pattern.finditer(text or "")
    ]
    return sorted(found, key=lambda warning: warning.start)
