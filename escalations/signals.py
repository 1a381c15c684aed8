"""Signals sent by the escalation services, for whatever must follow an escalation.

Both are sent inside the service's transaction, so whatever a receiver writes (the managers'
emails in the outbox, their notices) commits or rolls back with the escalation itself.
"""

from django.dispatch import Signal

# sender=Escalation, escalation=<Escalation> (a new one, raised by a person or a rule).
escalation_raised = Signal()
# sender=Escalation, escalation=<Escalation> (just decided), recipients=[User, ...].
escalation_decided = Signal()
