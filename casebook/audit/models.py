from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEntry(models.Model):
    """One change to a record: who made it, when, and each field's value before and after.

    `parent` is the record whose history shows this entry too (a follow-up's case), so a
    case's history page reads one index. Entries are never changed or deleted.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(max_length=300)
    parent_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    parent_id = models.PositiveBigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_idx"),
            models.Index(fields=["parent_type", "parent_id", "-at"], name="audit_parent_idx"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.target_repr}: {self.action}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language; actions other apps write in their own words stay as stored."""
        return str(ACTION_LABELS.get(self.action, self.action))


# The actions audit_record writes by itself (stored in English, shown translated).
ACTION_LABELS = {
    "created": pgettext_lazy("audit action", "created"),
    "changed": pgettext_lazy("audit action", "changed"),
    "deleted": pgettext_lazy("audit action", "deleted"),
}
