from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_delete


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


def _forget_signed_in_user(sender, instance, **kwargs):
    from .selectors import signed_in_forget

    signed_in_forget(instance.pk)


def _forget_signed_in_members(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's teams, groups or own permissions changed, from either side of the relation."""
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    from .selectors import signed_in_forget

    if not reverse:
        signed_in_forget(instance.pk)
    elif action == "pre_clear":  # team.members.clear(): the members are known only before
        other = next(field.name for field in sender._meta.get_fields() if field.many_to_one and field.name != "user")
        signed_in_forget(*sender.objects.filter(**{other: instance.pk}).values_list("user_id", flat=True))
    elif action != "post_clear":
        signed_in_forget(*pk_set)


def _forget_group_members(sender, instance, **kwargs):
    """A group's permissions changed or the group is going: its members' access with it."""
    from django.contrib.auth.models import Group

    from .selectors import signed_in_forget

    groups = [instance.pk] if isinstance(instance, Group) else list(kwargs.get("pk_set") or ())
    user_ids = Group.objects.filter(pk__in=groups).values_list("user", flat=True)
    signed_in_forget(*(pk for pk in user_ids if pk is not None))


def _forget_unread(sender, instance, **kwargs):
    from .selectors import signed_in_forget

    signed_in_forget(instance.user_id, unread_only=True)


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
        # The signed-in user's cached row, access and unread badge (selectors.signed_in_user).
        post_save.connect(_forget_signed_in_user, sender=user, dispatch_uid="accounts.signed_in_saved")
        post_delete.connect(_forget_signed_in_user, sender=user, dispatch_uid="accounts.signed_in_deleted")
        for through in (user.teams.through, user.groups.through, user.user_permissions.through):
            m2m_changed.connect(_forget_signed_in_members, sender=through, dispatch_uid=f"accounts.signed_in_{through}")
        group = apps.get_model("auth", "Group")
        group_perms = group.permissions.through
        m2m_changed.connect(_forget_group_members, sender=group_perms, dispatch_uid="accounts.group_perms")
        pre_delete.connect(_forget_group_members, sender=group, dispatch_uid="accounts.group_deleted")
        notice = self.get_model("Notice")
        post_save.connect(_forget_unread, sender=notice, dispatch_uid="accounts.notice_saved")
        post_delete.connect(_forget_unread, sender=notice, dispatch_uid="accounts.notice_deleted")
