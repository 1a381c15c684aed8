"""Signals for the apps above interactions (escalations), which interactions does not import.

Sent inside the service's transaction: what a receiver writes commits or rolls back with it.
"""

from django.dispatch import Signal

# sender=SatisfactionSurvey, survey=<SatisfactionSurvey>, note=<str>: the client rated the
# outcome 1 or 2 out of 5 (the case has been reopened if it was resolved or closed).
poor_rating = Signal()
# sender=Interaction, interaction=<Interaction>: a contact with the mood "abusive" was just
# logged on an open case. A receiver answers True when it sent the case to a manager over it.
abusive_contact_logged = Signal()
# sender=OutgoingEmail, team_id=<int>: an email to one of the team's clients is being
# written. A receiver (the inbox) answers the address the team's clients write to, or "".
team_address_wanted = Signal()
# sender=OutgoingEmail, team_id=<int>: an email to one of the team's clients is being
# written. A receiver (the live chat) answers a function that gives a client's "chat with
# us" link (client -> absolute URL) when the team offers chat, else None.
chat_link_wanted = Signal()
