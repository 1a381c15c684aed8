"""The agent's own text in an email to a client.

The client email templates (templates/emails/follow_up_client_body.*, client_summary_body.*)
open with "Dear <client>," and close with "Kind regards," and the agent's name. Agents, and
saved replies, often write their own greeting and sign-off too; the email would then greet
and sign off twice. `client_email_text` takes them out of the agent's text.
"""

import re

_GREETING = r"(?:dear|hi|hello|hey|good\s+(?:morning|afternoon|evening|day))"
# A name after a greeting: a few words; a title keeps its full stop ("Dear Mr. Holm,").
_NAME_WORD = r"(?:(?:mr|mrs|ms|mx|dr|prof)\.|[^\s,:;!?.]+)"
# "Dear Greta," or "Good morning Mr. Holm" alone on the first line (without its comma, only
# a short one: "Hi I wanted to ask" is a sentence).
_GREETING_LINE = re.compile(
    rf"{_GREETING}\b(?:\s+{_NAME_WORD}){{0,5}}\s*[,:!]|{_GREETING}\b(?:\s+{_NAME_WORD}){{0,3}}", re.IGNORECASE
)
# "Hello Greta, I wanted to check in." The greeting ends with its punctuation, text follows.
_GREETING_OPENING = re.compile(rf"{_GREETING}\b(?:\s+{_NAME_WORD}){{0,5}}\s*[,:!]\s+(?=\S)", re.IGNORECASE)

# Sign-offs that close a letter whatever follows them ("Kind regards", "Cheers, Bob").
_SIGN_OFF = (
    r"(?i:(?:kind|best|warm|warmest|many)\s+regards|regards|best\s+wishes|all\s+the\s+best"
    r"|(?:yours\s+)?sincerely|yours\s+(?:faithfully|truly)|cheers)"
)
# These close a letter only with a comma or with signature lines under them: "Thank you."
# as the last sentence belongs to the message.
_SOFT_SIGN_OFF = r"(?i:(?:many\s+)?thanks|thank\s+you|best)"
# A name on the sign-off's own line: capitalised words ("Cheers, see you" is a sentence).
_INLINE_NAME = r"[A-Z][^\s,:;!?]*(?:\s+[A-Z][^\s,:;!?]*){0,3}"
_SIGN_OFF_LINE = re.compile(rf"{_SIGN_OFF}\s*[,.!]?(?:\s*{_INLINE_NAME})?|{_SOFT_SIGN_OFF}\s*,(?:\s*{_INLINE_NAME})?")
_SOFT_ALONE = re.compile(rf"{_SOFT_SIGN_OFF}\s*[.!]?")

# Lines under a sign-off that are a signature (a name, a role, a team), not a sentence.
MAX_NAME_LINES = 2
_NAME_LINE_CHARS = 40
_NAME_LINE_WORDS = 5


def _is_name_line(line: str) -> bool:
    words = line.split()
    if not words or len(line) > _NAME_LINE_CHARS or len(words) > _NAME_LINE_WORDS or line[0].islower():
        return False
    return not line.endswith(("?", "!", ":", ";")) and (not line.endswith(".") or len(words) <= 3)


def _is_sign_off(line: str, *, names_follow: bool) -> bool:
    """Whether the line closes the letter (`names_follow`: signature lines come under it)."""
    return bool(_SIGN_OFF_LINE.fullmatch(line) or (names_follow and _SOFT_ALONE.fullmatch(line)))


def _without_greeting(lines: list[str]) -> list[str]:
    first = lines[0].strip()
    if _GREETING_LINE.fullmatch(first):
        return lines[1:]
    opening = _GREETING_OPENING.match(first)
    if opening:
        rest = first[opening.end() :]
        return [rest[:1].upper() + rest[1:], *lines[1:]]
    return lines


def _without_sign_off(lines: list[str], sender: str) -> list[str]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for names in range(MAX_NAME_LINES + 1):
        if names >= len(filled):
            break
        under = [lines[i].strip() for i in filled[len(filled) - names :]]
        if not all(_is_name_line(line) for line in under):
            break
        at = filled[len(filled) - names - 1]
        if _is_sign_off(lines[at].strip(), names_follow=bool(names)):
            return lines[:at]
    # No sign-off, but the agent's own name closes the text: the template signs it already.
    if sender and filled:
        last = lines[filled[-1]].rstrip()
        if last.strip().casefold() == sender.casefold():
            return lines[: filled[-1]]
        ending = re.compile(rf"(?<=[.!?])\s+{re.escape(sender)}$", re.IGNORECASE)
        if ending.search(last):
            return [*lines[: filled[-1]], ending.sub("", last)]
    return lines


def client_email_text(text: str, *, sender: str = "") -> str:
    """The agent's text for a client email, without its own greeting or sign-off.

    Takes out one greeting on the first line ("Dear Greta,", "Hi Greta,", "Good morning,",
    or the greeting that opens "Hello Greta, I wanted to check in.") and one sign-off at the
    end ("Kind regards,", "Thanks,", "Cheers, Bob"...) with at most two short signature lines
    under it; without a sign-off, a last line (or last words) that is only the `sender`'s
    name. The template adds its own greeting and sign-off. What is left is never empty: a
    text that is only a greeting or a sign-off is kept as it was written.
    """
    original = text.strip()
    if not original:
        return original
    lines = original.splitlines()
    lines = _without_greeting(lines)
    if lines:
        lines = _without_sign_off(lines, sender.strip())
    cleaned = "\n".join(lines).strip()
    return cleaned or original
