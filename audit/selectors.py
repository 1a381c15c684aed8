from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from .models import AuditEntry


def history_of(record: models.Model) -> QuerySet[AuditEntry]:
    """Every audit entry of `record` and of the records that belong to it, newest first.

    Scope is the caller's job: fetch `record` through a team-scoped selector first.
    """
    kind = ContentType.objects.get_for_model(record)
    return (
        AuditEntry.objects.filter(Q(target_type=kind, target_id=record.pk) | Q(parent_type=kind, parent_id=record.pk))
        .select_related("actor", "target_type")
        .order_by("-at", "-id")
    )
