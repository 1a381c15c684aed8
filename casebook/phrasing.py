"""Phrasing check: spot wording that tends to inflame a client and suggest a gentler one.

Pure functions, no database: the check only warns, it never blocks a text.
"""

import re
from dataclasses import dataclass

# (pattern, why it inflames, a gentler wording to consider). Patterns are matched
# case-insensitively on word boundaries; curly and straight apostrophes both match.
_RULES: list[tuple[str, str, str]] = [
    (
        r"calm down",
        "Telling someone to calm down tells them their feelings are wrong.",
        "I can hear this has been really frustrating.",
    ),
    (r"relax", "It dismisses how the client feels.", "I understand why this matters to you."),
    (
        r"(?:it'?s|it is) (?:our|company) policy",
        "Hiding behind policy sounds like a refusal to help.",
        "What I can do within our rules is ...",
    ),
    (r"you should have", "It blames the client for what already happened.", "Next time, it may help to ..."),
    (r"you need to", "It sounds like an order.", "Could you please ..."),
    (r"you must", "It sounds like an order.", "It would help if you could ..."),
    (
        r"that(?:'s| is) not my (?:job|problem|department)",
        "It pushes the client away.",
        "Let me find the right person and make sure it gets done.",
    ),
    (r"there(?:'s| is) nothing (?:I|we) can do", "It closes the door.", "Here is what I can do: ..."),
    (r"you'?re wrong", "Contradicting head-on starts a fight.", "I see it a little differently: ..."),
    (r"as I (?:already )?(?:said|told you)", "It sounds impatient.", "To put it another way: ..."),
    (r"to be honest", "It implies the rest was not honest.", "(leave it out)"),
    (r"no offen[cs]e", "It announces an offence.", "(leave it out)"),
    (r"obviously", "It suggests the client should have known.", "(leave it out)"),
    (r"(?:I|we) can'?t help you", "It closes the door.", "Let me see what we can do."),
    (r"you misunderstood", "It puts the misunderstanding on the client.", "I may not have explained that clearly."),
    (r"whatever", "It sounds dismissive.", "(leave it out)"),
    (r"per my last (?:email|message)", "It reads as a reproach.", "As a reminder, ..."),
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
    why: str
    suggestion: str


def check_phrasing(text: str) -> list[PhrasingWarning]:
    """Every inflaming phrase in `text`, in the order they appear."""
    found = [
        PhrasingWarning(match.group(0), match.start(), match.end(), why, suggestion)
        for pattern, why, suggestion in _COMPILED
        for match in pattern.finditer(text or "")
    ]
    return sorted(found, key=lambda warning: warning.start)
