"""Common questions answered automatically.

A team's managers mark saved replies as automatic and give them trigger phrases
(playbooks.services.saved_reply_save). When a client's email opens a case and contains one of
those phrases, the reply is emailed to the client at once (`auto_answer_send`, called by
inbox.services._record_on_case). The case is left as it is: a person still reads the
email and answers it, and the automatic answer says so.

Never more than one automatic answer per case per day (the outbox's unique cause key), and
never to an automatic reply or list mail: those never reach a case (see inbox/services.py).
"""

from django.utils import timezone

from clients.models import Case, CaseEventKind
from clients.services import case_event_record
from core.text import phrase_list, phrases_in, words_of
from interactions.emails import client_email_text
from interactions.models import OutgoingEmail
from interactions.outbox import outbox_enqueue
from playbooks.models import SavedReply
from playbooks.selectors import render_saved_reply

from .models import InboundMessage, MessageKind


def matching_answer(team_id: int, text: str) -> SavedReply | None:
    """The team's first automatic reply (by title, then id) with a trigger phrase in `text`."""
    words = words_of(text)
    replies = SavedReply.objects.filter(team_id=team_id, is_automatic=True).order_by("title", "id")
    return next((reply for reply in replies if phrases_in(words, phrase_list(reply.trigger_phrases))), None)


def auto_answer_send(*, case: Case, message: InboundMessage) -> bool:
    """Email the client the team's automatic reply to `message` if one matches; True if sent.

    Call it inside the transaction that puts the message on `case`, for the email that
    opened the case. It goes to the client's address on record, not to the sender: a
    stranger's email threaded onto the case (a forged reference) learns nothing from it.
    The case's status and clock are untouched: the answer is no person's reply.
    """
    if message.kind != MessageKind.PERSONAL or not case.client.email:
        return False
    cause_key = f"auto-answer:{case.pk}:{timezone.localdate().isoformat()}"
    if OutgoingEmail.objects.filter(cause_key=cause_key).exists():
        return False
    reply = matching_answer(case.team_id, f"{message.subject}\n{message.text}")
    if reply is None:
        return False
    # The template greets the client and signs for the team: the reply's own would double them.
    text = client_email_text(render_saved_reply(reply, case=case, agent=case.owner), sender=str(case.owner))
    email, created = outbox_enqueue(
        cause_key=cause_key,
        to_email=case.client.email,
        to_name=case.client.name,
        template="auto_answer",
        context={"client": case.client, "case": case, "message": text, "team": case.team},
        case=case,
        owner=case.owner,
        to_client=True,
    )
    if not created:
        return False
    case_event_record(
        case=case,
        kind=CaseEventKind.CLIENT_EMAIL,
        actor=None,
        # No target: the entry says all it shows, and the case page need not read the email row.
        data={"template": "auto_answer", "to": email.to_email, "subject": email.subject, "reply": reply.title},
    )
    return True
