"""The built-in playbooks: one per temperament and a general one.

The data migration installs them; tests that flush the database call `install_defaults`
again. Texts follow the product knowledge in DOMAIN.md. Phrasings and things to avoid
are one per line.
"""

_BASE = {
    "pinpoint": (
        "Pinpoint the problem",
        "Find out what really bothers the client and write it in one or two sentences, in their words. "
        "Ask what outcome they hope for. Then note the root cause: unrealistic expectations, a "
        "misunderstanding, personal circumstances, a bad earlier experience or a need for control.",
        "Let me make sure I have understood: ...\nWhat would a good outcome look like for you?",
        "Interrupting to correct details\nJargon and internal names\nGuessing the cause aloud",
    ),
    "common_ground": (
        "Find common ground",
        "List the points you both agree on, however small (the visit was missed; they need the oven by "
        "Friday). Agreement first makes disagreement easier to handle later.",
        "We agree that ...\nI can see why that matters to you.",
        "Starting with what you disagree on\nTrying to win the argument",
    ),
    "brainstorm": (
        "Brainstorm solutions",
        "Look for several options together with the client so they feel part of the answer. Note who "
        "proposed each one and what it would cost us.",
        "What would help most from your side?\nOne option could be ...; how does that sound?",
        "Offering a single take-it-or-leave-it answer\nPromising before checking the cost",
    ),
    "compromise": (
        "Compromise fairly",
        "Choose one option that is fair to the client and stays within our values and limits. Check "
        "earlier concessions and whether we were at fault first. If we made a mistake, apologise; "
        "a concession above your limit needs a manager.",
        "I agree that ...; at the same time, what I can do is ...\nI am sorry we got this wrong.",
        "Giving in to pressure beyond your limit\nTaking or assigning blame by reflex",
    ),
    "document": (
        "Document everything",
        "Write down what was agreed: the problem, the agreed points, the chosen solution, any "
        "concession and the next step, with dates. Read it back before saving.",
        "To sum up what we agreed today: ...",
        "Vague wording such as 'soon' or 'we will look into it'\nLeaving out who promised what",
    ),
    "follow_up": (
        "Explain what comes next",
        "Tell the client the next step and exactly when it will happen, then keep that promise. "
        "Afterwards, check that they are satisfied.",
        "You will hear from me by ... at the latest.\nI will call you on ... to check everything is fine.",
        "Promising a time you cannot keep\nClosing the case without checking back",
    ),
}

# Per temperament: text that replaces or extends the base step, by kind.
_TUNING = {
    "complainer": {
        "name": "Complainer",
        "pinpoint": {
            "guidance": "Listen to the whole complaint and acknowledge it before anything else. Separate "
            "what went wrong from the general negativity, and pin down the one or two things that matter.",
        },
        "compromise": {
            "guidance": "If they are right, apologise and fix it. If not, explain the facts calmly and "
            "plainly. Check earlier concessions: repeated complaints should not buy repeated discounts.",
        },
    },
    "demander": {
        "name": "Demander",
        "pinpoint": {
            "guidance": "Stay courteous and note exactly what they ask for and by when. Separate what "
            "they need from what they demand.",
        },
        "brainstorm": {
            "guidance": "Say clearly what can and cannot be done, and offer real options within that. "
            "Special treatment is not an option to list.",
            "phrasings": "Here is what I can do for you today: ...\nThat is not something we can do, "
            "but what we can do is ...",
        },
        "compromise": {
            "avoid": "Giving in to unreasonable demands to end the call\nExceptions you would not offer anyone else",
        },
    },
    "angry": {
        "name": "Angry client",
        "pinpoint": {
            "title": "Let them vent, then pinpoint the problem",
            "guidance": "Give the client room to vent first: listen, do not argue, keep your voice calm. "
            "Only once they have calmed down, sum up the problem in their words. If it turns abusive, "
            "name it, record it and hand the case to a manager.",
            "phrasings": "I can hear how frustrating this has been.\nTake your time; I am listening.",
            "avoid": "Telling them to calm down\nArguing about the facts while they are upset\n"
            "Raising your voice or answering rudeness with rudeness",
        },
    },
    "silent": {
        "name": "Silent client",
        "pinpoint": {
            "guidance": "The client has shut down. Ask open questions and leave silences; offer help "
            "without pushing. Write the problem as they describe it, even if it comes slowly.",
            "phrasings": "Can you tell me more about what happened?\nWhat would make this easier for you?",
            "avoid": "Yes/no questions one after another\nFilling every silence yourself",
        },
        "follow_up": {
            "title": "Send a written summary and follow up",
            "guidance": "Send the client a written summary of the conversation and what happens next; "
            "they may not have said everything out loud. Give a date and keep it.",
        },
    },
    "indecisive": {
        "name": "Indecisive client",
        "brainstorm": {
            "guidance": "Keep the list short: two or three clear options with their pros and cons. Too "
            "many choices make it harder for this client.",
        },
        "compromise": {
            "guidance": "Help them choose: recommend the option you think fits best and say why, then "
            "confirm their choice in plain words.",
            "phrasings": "If I were in your place, I would pick ... because ...\nShall we go with ...?",
        },
    },
    "unknown": {"name": "General"},
}

KINDS = ["pinpoint", "common_ground", "brainstorm", "compromise", "document", "follow_up"]


def default_playbooks() -> list[dict]:
    """Each built-in playbook as {name, temperaments, steps: [{kind, title, guidance, phrasings, avoid}]}."""
    playbooks = []
    for temperament, tuning in _TUNING.items():
        steps = []
        for kind in KINDS:
            title, guidance, phrasings, avoid = _BASE[kind]
            step = {"kind": kind, "title": title, "guidance": guidance, "phrasings": phrasings, "avoid": avoid}
            step.update(tuning.get(kind, {}))
            steps.append(step)
        playbooks.append({"name": tuning["name"], "temperaments": [temperament], "steps": steps})
    return playbooks


def install_defaults(Playbook, PlaybookVersion, Step) -> None:
    """Create the built-in playbooks that are missing (takes models so a migration can pass its own)."""
    for data in default_playbooks():
        if Playbook.objects.filter(team=None, name=data["name"]).exists():
            continue
        playbook = Playbook.objects.create(name=data["name"], temperaments=data["temperaments"])
        version = PlaybookVersion.objects.create(playbook=playbook, number=1)
        Step.objects.bulk_create(
            Step(version=version, position=position, **step) for position, step in enumerate(data["steps"], start=1)
        )
