from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


def _sync_roles(sender, **kwargs):
    from .services import roles_sync

    roles_sync()


def _forget_closed_days(sender, instance, **kwargs):
    from .selectors import team_cache_forget

    team_cache_forget(instance.team_id, "closed_days")


def _forget_new_team(sender, instance, created, **kwargs):
    # A new team may reuse the id of one that is gone (a fresh test database): nothing
    # cached under its id may be taken for its own.
    if created:
        from .selectors import TEAM_CACHED_NAMES, team_cache_forget

        team_cache_forget(instance.pk, *TEAM_CACHED_NAMES)


def _forget_staff(sender, update_fields=None, **kwargs):
    # A name, an activation or a team membership changed: the owner menus are drawn again.
    # A login only stamps last_login, which no menu shows.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    if kwargs.get("action", "post").startswith("pre"):  # a membership change: once, after it
        return
    from .selectors import team_staff_forget

    team_staff_forget()


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self):
        # Groups need the permissions that post_migrate creates, so they cannot be made in
        # a data migration on a fresh database; syncing after every migrate keeps them true.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
        # Cached team data is forgotten whenever its rows change, from the app or the admin.
        closed_day = self.get_model("TeamClosedDay")
        post_save.connect(_forget_closed_days, sender=closed_day, dispatch_uid="accounts.closed_days_saved")
        post_delete.connect(_forget_closed_days, sender=closed_day, dispatch_uid="accounts.closed_days_deleted")
        post_save.connect(_forget_new_team, sender=self.get_model("Team"), dispatch_uid="accounts.new_team")
        user = self.get_model("User")
        post_save.connect(_forget_staff, sender=user, dispatch_uid="accounts.staff_saved")
        post_delete.connect(_forget_staff, sender=user, dispatch_uid="accounts.staff_deleted")
        m2m_changed.connect(_forget_staff, sender=user.teams.through, dispatch_uid="accounts.staff_teams")
