"""The reference that threads a client's answer back to its case.

Client emails carry it twice: in the Reply-To address (plus-addressing:
care+c42-9f3a1b2c4d@example.com) and in the subject ("[ref c42-9f3a1b2c4d]"). It is the
case's id with a keyed hash, so a reference cannot be made up for another case. Lower
case hex only: mail systems may change the case of an address's local part.
"""

import hashlib
import hmac
import re

from django.conf import settings

_TOKEN = re.compile(r"\bc(\d{1,18})-([0-9a-f]{10})\b", re.IGNORECASE)


def _signature(case_id: int) -> str:
    key = f"casebook.inbox.reply-token:{settings.SECRET_KEY}".encode()
    return hmac.new(key, str(case_id).encode(), hashlib.sha256).hexdigest()[:10]


def reply_token(case_id: int) -> str:
    return f"c{case_id}-{_signature(case_id)}"


def reply_address(address: str, case_id: int) -> str:
    """The mailbox address with the case's reference added (local+reference@domain)."""
    local, _at, domain = address.partition("@")
    return f"{local}+{reply_token(case_id)}@{domain}"


def subject_tag(case_id: int) -> str:
    return f"[ref {reply_token(case_id)}]"


def case_id_from(*texts: str) -> int | None:
    """The case id of the first genuine reference found in the texts (addresses, subject)."""
    for text in texts:
        for match in _TOKEN.finditer(text or ""):
            case_id = int(match.group(1))
            if hmac.compare_digest(match.group(2).lower(), _signature(case_id)):
                return case_id
    return None
