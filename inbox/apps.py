from django.apps import AppConfig


def _team_address(sender, team_id: int, **kwargs) -> str:
    from .selectors import team_address_of

    return team_address_of(team_id)


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Mail from clients"

    def ready(self):
        from interactions.signals import team_address_wanted

        # Emails to a team's clients come from the team's mailbox, so their answers come back
        # here (interactions.outbox asks; it cannot import the inbox, which sits above it).
        team_address_wanted.connect(_team_address, dispatch_uid="inbox.team_address")
