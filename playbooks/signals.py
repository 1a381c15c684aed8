"""Signals for the apps above playbooks (escalations), which playbooks does not import.

Sent inside the service's transaction: what a receiver writes commits or rolls back with it.
"""

from django.dispatch import Signal

# sender=Concession, concession=<Concession>, note=<str>: a concession above the team's limit
# was recorded and waits for a manager.
concession_above_limit = Signal()
