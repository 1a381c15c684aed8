"""Coaching shown beside the contact log: what works with this temperament, and what to do
when a contact turns hostile. Written from DOMAIN.md."""

from django.utils.translation import gettext_lazy as _

TEMPERAMENT_COACHING = {
    "complainer": _(
        "Listen to the end and acknowledge the complaint before answering. Offer a solution; "
        "if they are right, apologise and fix it, if not, explain the facts calmly."
    ),
    "demander": _(
        "Stay courteous and be clear about what can and cannot be done, and by when. "
        "Do not promise special treatment to end the conversation."
    ),
    "angry": _(
        "Let them vent without arguing and keep your voice calm. Move to the substance once they have calmed down."
    ),
    "silent": _(
        "Ask open questions and leave room for answers; offer help without pushing. Send a written summary afterwards."
    ),
    "indecisive": _("Offer two or three clear options and recommend one, saying why."),
    "unknown": _(
        "Listen first, acknowledge feelings, use plain words, and agree on what is reasonable "
        "before raising what you see differently."
    ),
}

DE_ESCALATION = [
    _("Lower your pace and volume; never answer rudeness with rudeness."),
    _("Acknowledge the feeling (“I can hear how frustrating this is”) without accepting blame by reflex."),
    _("Do not argue facts now: note them and come back to them once the client is calmer."),
    _("Do not take it personally: the anger is about the situation."),
]

BOUNDARIES = [
    _("Insults, threats or harassment are abuse: say calmly that you will continue only if it stops."),
    _("If it goes on, end the contact politely, log the mood as abusive and escalate the case to a manager."),
    _("Take a short break after a hostile contact; tell your manager if several come in one day."),
]
