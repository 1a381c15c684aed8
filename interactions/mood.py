"""A suggested mood for a message a client wrote, with the reasons behind it.

The agent always confirms or changes the suggestion, so it errs on the side of being
explainable: every step up from calm comes with a short reason the page can show.

How a mood is reached, in order:
1. A phrase from the team's list, or a built-in threat or insult: abusive.
2. A word such as "unacceptable", "ridiculous" or "lawyer": angry.
3. VADER's compound score (-1 .. 1) of the whole text at or below FRUSTRATED_AT, or a
   built-in sign of frustration ("still waiting", "third time"): frustrated; otherwise calm.
4. Unless the text scores as positive (READS_POSITIVE_AT), shouting in capitals and many
   exclamation marks each raise the mood one step, up to angry.

FRUSTRATED_AT was picked from the sentences in interactions/tests/test_mood.py: VADER
scores factual problem reports ("I have a problem with my invoice, the VAT number is
missing": -0.56) close to mild complaints ("tired of this": -0.44), so the score alone
marks only clearly negative mail (-0.72 for "I am disappointed, the parcel arrived
damaged") and the built-in signs catch the rest, which VADER scores near 0.
"""

import functools
import re
from collections.abc import Sequence

from django.utils.translation import gettext as _

from core.text import phrases_in, words_of

from .models import Mood

# Longer text is cut here: a client's message is read in full long before that, and
# VADER's time grows faster than the text's length.
MAX_CHARS = 20_000

# A compound score at or below this reads as frustrated (see the module's docstring).
FRUSTRATED_AT = -0.6

# Shouting: at least this many letters, and this share of them capitals. Measured over the
# whole message, so a company name in capitals in a signature does not count.
SHOUTING_MIN_LETTERS = 20
SHOUTING_SHARE = 0.6

# Capitals and exclamation marks raise the mood only in text scoring below this.
READS_POSITIVE_AT = 0.3

# Many exclamation marks: this many in one run ("!!!", "?!!!") or in the whole text.
EXCLAMATIONS_IN_A_ROW = 3
EXCLAMATIONS_IN_ALL = 5

# Kept short and unmistakable on purpose: a false "abusive" is worse than a miss, and
# each team adds its own phrases. Slurs are left to the teams' lists.
THREATS_AND_INSULTS = (
    "idiot",
    "idiots",
    "moron",
    "morons",
    "imbecile",
    "imbeciles",
    "fuck you",
    "fuck off",
    "screw you",
    "go to hell",
    "I will find you",
    "I'll find you",
    "you will regret",
    "you'll regret",
    "I know where you live",
    "watch your back",
    "kill you",
)

# Signs of frustration VADER scores as neutral in support mail.
FRUSTRATION_SIGNS = (
    "still waiting",
    "still not",
    "still no",
    "still nothing",
    "still haven't",
    "still have not",
    "second time",
    "third time",
    "fourth time",
    "yet again",
    "fed up",
    "tired of",
    "annoyed",
    "disappointed",
    "not good enough",
    "nobody has",
    "no one has",
    "no reply",
    "no answer",
    "no response",
    "how many times",
)

ANGER_WORDS = (
    "unacceptable",
    "ridiculous",
    "disgraceful",
    "disgrace",
    "outrageous",
    "appalling",
    "furious",
    "livid",
    "lawyer",
    "lawyers",
    "solicitor",
    "attorney",
    "legal action",
    "sue",
    "suing",
)

_MARKS = re.compile(r"[!?]+")
_STEPS = [Mood.CALM, Mood.FRUSTRATED, Mood.ANGRY]


@functools.cache
def _analyzer():
    # Imported and built on first use: it reads its lexicon files from disk.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def hostile_phrases_found(text: str, phrases: Sequence[str]) -> list[str]:
    """Which of `phrases` occur in `text`, as written in `phrases`.

    Whole words only and ignoring case, extra spaces and punctuation: "You people are
    USELESS!" contains "you people are useless", and "issue" does not contain "sue".
    """
    return phrases_in(words_of((text or "")[:MAX_CHARS]), phrases)


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= SHOUTING_MIN_LETTERS and sum(c.isupper() for c in letters) >= SHOUTING_SHARE * len(letters)


def _many_exclamations(text: str) -> bool:
    if text.count("!") >= EXCLAMATIONS_IN_ALL:
        return True
    return any(run.count("!") >= EXCLAMATIONS_IN_A_ROW for run in _MARKS.findall(text))


def explain_mood(text: str, hostile_phrases: Sequence[str] = ()) -> tuple[str, list[str]]:
    """The suggested mood (a `Mood` value) of a client's message and short reasons for it.

    The reasons are plain sentences for the agent ("written in capitals"); calm text has
    none. `hostile_phrases` is the team's list. Quoted earlier mail must already be removed.
    """
    text = (text or "")[:MAX_CHARS]
    if not text.strip():
        return Mood.CALM, []
    words = words_of(text)

    from_team = phrases_in(words, hostile_phrases)
    reasons = [_("contains “%(phrase)s” from the team's list") % {"phrase": phrase} for phrase in from_team]
    # A phrase the team also listed is named once, as the team's.
    listed = {words_of(phrase) for phrase in from_team}
    built_in = [phrase for phrase in THREATS_AND_INSULTS if words_of(phrase) not in listed]
    reasons += [
        _("contains “%(phrase)s”, a threat or insult") % {"phrase": phrase} for phrase in phrases_in(words, built_in)
    ]
    if reasons:
        return Mood.ABUSIVE, reasons

    anger = [_("says “%(phrase)s”") % {"phrase": phrase} for phrase in phrases_in(words, ANGER_WORDS)]
    if anger:
        return Mood.ANGRY, anger

    step = 0
    compound = _analyzer().polarity_scores(text)["compound"]
    if compound <= FRUSTRATED_AT:
        step = 1
        reasons.append(_("reads as negative overall"))
    signs = phrases_in(words, FRUSTRATION_SIGNS)
    if signs:
        step = 1
        reasons += [_("says “%(phrase)s”") % {"phrase": phrase} for phrase in signs]
    # "THANK YOU SO MUCH!!!" is delight, not anger.
    if compound < READS_POSITIVE_AT:
        if _shouting(text):
            step += 1
            reasons.append(_("written in capitals"))
        if _many_exclamations(text):
            step += 1
            reasons.append(_("many exclamation marks"))
    return _STEPS[min(step, len(_STEPS) - 1)], reasons


def suggest_mood(text: str, *, hostile_phrases: Sequence[str] = ()) -> str:
    """The suggested mood (a `Mood` value) of a client's message; see `explain_mood`."""
    return explain_mood(text, hostile_phrases)[0]
