"""Rules for text that arrives from outside, and lists of phrases people keep.

No NUL character: PostgreSQL cannot store a NUL (0x00) in text, and no person types one:
it comes from a damaged paste or a hostile client. Forms already refuse it field by field
(Django's CharField); `RefuseNulCharacters` applies the same rule to everything else a
request carries (query parameters, form fields read without a form), so no view has to
remember.

Phrase lists (a team's hostile phrases, a saved reply's trigger phrases) are kept one a
line and looked for as whole words, whatever the case, spacing and punctuation.
"""

import re
from collections.abc import Sequence

NUL = "\x00"
_WORD = re.compile(r"\w+")


def has_nul(*texts: str) -> bool:
    return any(NUL in text for text in texts)


def fields_with_nul(data) -> list[str]:
    """The names of the fields of a QueryDict whose name or any text value holds a NUL."""
    names = set()
    for key, values in data.lists():
        if has_nul(key, *(value for value in values if isinstance(value, str))):
            names.add(key.replace(NUL, "\\0"))
    return sorted(names)


def phrase_list(text: str) -> list[str]:
    """The phrases of a one-a-line list: spaces tidied, blank lines and repeats (in any case) dropped."""
    phrases, seen = [], set()
    for line in text.splitlines():
        phrase = " ".join(line.split())
        if phrase and phrase.casefold() not in seen:
            phrases.append(phrase)
            seen.add(phrase.casefold())
    return phrases


def words_of(text: str) -> str:
    """The text's words in lower case, one space apart and one at each end, so a phrase
    matches as whole words whatever the case, spacing and punctuation around them."""
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


def phrases_in(words: str, phrases: Sequence[str]) -> list[str]:
    """Which of `phrases` occur in `words` (made by `words_of`), as written in `phrases`.

    Whole words only: "You people are USELESS!" contains "you people are useless", and
    "issue" does not contain "sue". A phrase with no word in it ("!!!") matches nothing,
    since it would match every text.
    """
    found, seen = [], set()
    for phrase in phrases:
        wanted = words_of(phrase)
        if wanted.strip() and wanted not in seen and wanted in words:
            found.append(phrase)
            seen.add(wanted)
    return found
