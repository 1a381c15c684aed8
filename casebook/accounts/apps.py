from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from .services import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "casebook.accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self):
        # Groups need the permissions that post_migrate creates, so they cannot be made in
        # a data migration on a fresh database; syncing after every migrate keeps them true.
        post_migrate.connect(_sync_roles, dispatch_uid="casebook.accounts.sync_roles")
