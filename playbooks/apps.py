from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_saved_replies(sender, instance, **kwargs):
    from accounts.selectors import team_cache_forget

    team_cache_forget(instance.team_id, "saved_replies")


class PlaybooksConfig(AppConfig):
    name = "playbooks"
    verbose_name = "Resolution playbooks"

    def ready(self):
        # The case page keeps a team's saved replies in the cache: any change, from the app
        # or the admin, forgets them.
        reply = self.get_model("SavedReply")
        post_save.connect(_forget_saved_replies, sender=reply, dispatch_uid="playbooks.saved_reply_saved")
        post_delete.connect(_forget_saved_replies, sender=reply, dispatch_uid="playbooks.saved_reply_deleted")
