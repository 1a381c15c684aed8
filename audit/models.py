import re

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy


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
    def labelled_changes(self) -> list[tuple[str, list]]:
        """The changes, each field named as people read it (its verbose name, translated)."""
        model = self.target_type.model_class()
        return [
            (_field_label(model, name), _choice_labels(model, name, values)) for name, values in self.changes.items()
        ]

    @property
    def action_label(self) -> str:
        """The action in the reader's language; actions other apps write in their own words stay as stored."""
        if self.action in ACTION_LABELS:
            return str(ACTION_LABELS[self.action])
        # Actions the apps write with a value in them (fixed patterns, stored in English).
        if match := _STATUS_ACTION.fullmatch(self.action):
            old, new = (_status_label(value) for value in match.groups())
            return pgettext("audit action", "status: %(old)s → %(new)s") % {"old": old, "new": new}
        if match := _VERSION_ACTION.fullmatch(self.action):
            return pgettext("audit action", "published version %(number)s") % {"number": match.group(1)}
        return self.action


# The actions audit_record writes by itself (stored in English, shown translated).
ACTION_LABELS = {
    "created": pgettext_lazy("audit action", "created"),
    "changed": pgettext_lazy("audit action", "changed"),
    "deleted": pgettext_lazy("audit action", "deleted"),
    "escalated": pgettext_lazy("audit action", "escalated"),
}
_STATUS_ACTION = re.compile(r"status: (\w+) → (\w+)")
_VERSION_ACTION = re.compile(r"published version (\d+)")


def _field_label(model, name: str) -> str:
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):  # a removed model or field: its stored name
        return name


def _choice_labels(model, name: str, values: list) -> list:
    """A choice field's stored keys shown as their labels (in the reader's language)."""
    try:
        choices = dict(model._meta.get_field(name).flatchoices)
    except (AttributeError, FieldDoesNotExist):
        return values
    return [choices.get(value, value) if isinstance(value, str | int) else value for value in values]


def _status_label(value: str) -> str:
    """A case status's label (the audit app does not import the clients app)."""
    choices = dict(apps.get_model("clients", "Case")._meta.get_field("status").choices)
    return str(choices.get(value, value)).lower()
