"""Coaching shown beside the contact log: what works with this temperament, and what to do
when a contact turns hostile. Written from DOMAIN.md."""

TEMPERAMENT_COACHING = {
    "complainer": "Listen to the end and acknowledge the complaint before answering. Offer a solution; "
    "if they are right, apologise and fix it, if not, explain the facts calmly.",
    "demander": "Stay courteous and be clear about what can and cannot be done, and by when. "
    "Do not promise special treatment to end the conversation.",
    "angry": "Let them vent without arguing and keep your voice calm. Move to the substance once they "
    "have calmed down.",
    "silent": "Ask open questions and leave room for answers; offer help without pushing. Send a written "
    "summary afterwards.",
    "indecisive": "Offer two or three clear options and recommend one, saying why.",
    "unknown": "Listen first, acknowledge feelings, use plain words, and agree on what is reasonable "
    "before raising what you see differently.",
}

DE_ESCALATION = [
    "Lower your pace and volume; never answer rudeness with rudeness.",
    "Acknowledge the feeling (“I can hear how frustrating this is”) without accepting blame by reflex.",
    "Do not argue facts now: note them and come back to them once the client is calmer.",
    "Do not take it personally: the anger is about the situation.",
]

BOUNDARIES = [
    "Insults, threats or harassment are abuse: say calmly that you will continue only if it stops.",
    "If it goes on, end the contact politely, log the mood as abusive and escalate the case to a manager.",
    "Take a short break after a hostile contact; tell your manager if several come in one day.",
]
