"""Record changes to records, with their before and after values.

Services call `audit_snapshot(record)` before changing it and `audit_record(...)` after,
one line each; this app depends on nothing but contenttypes and the user model (by its
setting), so every app, accounts included, can call it.
"""

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry

if TYPE_CHECKING:
    from accounts.models import User

# Bookkeeping that changes on every touch and says nothing about what a person changed.
IGNORED_FIELDS = {"id", "updated_by", "last_activity_at", "created_at", "updated_at", "search_vector"}


def _value(record: models.Model, field: models.Field):
    if field.is_relation:
        related = getattr(record, field.name)
        return None if related is None else str(related)
    value = field.value_from_object(record)
    if value is None or isinstance(value, bool | int | str | list | dict):
        return value
    if isinstance(field, models.DecimalField):
        # Fixed places, so 50 typed and 50.00 read back are the same value.
        return f"{value:.{field.decimal_places}f}"
    return str(value)


def audit_snapshot(record: models.Model | None) -> dict:
    """The record's field values as they will be stored in an audit entry ({} for none)."""
    if record is None or record.pk is None:
        return {}
    return {
        field.name: _value(record, field)
        for field in record._meta.concrete_fields
        if field.name not in IGNORED_FIELDS and not field.primary_key
    }


def audit_record(
    *,
    actor: "User | None",
    target: models.Model,
    before: dict,
    action: str = "",
    parent: models.Model | None = None,
    deleted: bool = False,
) -> AuditEntry | None:
    """Store what changed on `target` since `before` (a snapshot); nothing when nothing did.

    An empty `before` means the record was just created; `deleted` that it is gone.
    """
    after = {} if deleted else audit_snapshot(target)
    changes = {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }
    if not changes and not action:
        return None
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action or ("created" if not before else "deleted" if deleted else "changed"),
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        target_repr=str(target)[:300],
        parent_type=ContentType.objects.get_for_model(parent) if parent is not None else None,
        parent_id=parent.pk if parent is not None else None,
        changes=changes,
    )
