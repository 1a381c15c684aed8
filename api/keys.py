"""Doing a create at most once per key: the API's `Idempotency-Key` header and the pages'
one-time form keys (`RequestKeyForm`) are the same mechanism.

A key is the user's own and is kept CASEBOOK_API_IDEMPOTENCY_TTL (an hourly task deletes
the expired ones) with a fingerprint of the request it was first used for and that
request's answer. The same key with the same request gives the first answer again and
runs nothing; with another request it is refused (`IdempotencyConflict`); a request that
fails keeps nothing, so its key can be used again. The key is kept in the same transaction
as what the request created: a duplicate sent while the first is still running waits for
it (on the key's unique constraint) and then gets its answer, and a crash keeps neither.

The two adapters differ only in the answer they keep: the API's the response (status and
JSON body, `api.idempotency.idempotent`), the pages' the created row's id
(`create_once`, called by the services), since a page is drawn again from the row.
"""

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyKey

M = TypeVar("M", bound=models.Model)


class IdempotencyConflict(Exception):
    """The key was first used for another request."""


def request_fingerprint(*, method: str, path: str, body: object) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def once(*, user, key: str, fingerprint: str, run: Callable[[], tuple[object, object]]) -> tuple[object, bool]:
    """Run `run` unless `key` was used before; returns (result, replayed).

    `run` returns (result, kept): `kept`, the answer a replay gets, is stored under the key
    as JSON unless it is None (the request failed: nothing is kept). A replay returns the
    kept answer, read back from JSON, in place of the result. Raises IdempotencyConflict
    when the key was used for another request.
    """
    with transaction.atomic():
        stored = _stored(user, key)
        if stored is None:
            try:
                with transaction.atomic():
                    result, kept = run()
                    if kept is not None:
                        IdempotencyKey.objects.create(
                            user=user,
                            key=key,
                            fingerprint=fingerprint,
                            response_body=json.dumps(kept, cls=DjangoJSONEncoder),
                            expires_at=timezone.now() + settings.CASEBOOK_API_IDEMPOTENCY_TTL,
                        )
                return result, False
            except IntegrityError:
                # The same key was kept meanwhile: a duplicate that ran at the same time.
                stored = _stored(user, key)
                if stored is None:
                    raise
        if stored.fingerprint != fingerprint:
            raise IdempotencyConflict(_("This key was already used with a different request."))
        return json.loads(stored.response_body), True


def _stored(user, key: str) -> IdempotencyKey | None:
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is not None and stored.expires_at <= timezone.now():
        stored.delete()
        return None
    return stored


def idempotency_keys_purge() -> int:
    """Delete expired keys; returns how many went."""
    deleted, _count = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def create_once(
    *, actor, model: type[M], where: dict, request_key: UUID | None, create: Callable[[], M]
) -> tuple[M, bool]:
    """A page's create: run `create` unless this form (its `request_key`) already did.

    Returns (row, created). `where` says where the row is made (its case, its team): the
    same form key sent for another place is refused. One form may create rows of several
    models (a case and its first contact), each under its own key.
    """
    if request_key is None:
        return create(), True
    label = model._meta.label_lower
    where_ids = {name: getattr(value, "pk", value) for name, value in where.items()}
    fingerprint = request_fingerprint(method="POST", path=label, body=where_ids)

    def run() -> tuple[M, dict]:
        row = create()
        return row, {"pk": row.pk}

    try:
        result, replayed = once(user=actor, key=f"{label}:{request_key}", fingerprint=fingerprint, run=run)
    except IdempotencyConflict:
        raise ValidationError(_("This form was already used. Reload the page and try again.")) from None
    if not replayed:
        return result, True
    row = model.objects.filter(**where, pk=result["pk"]).first()
    if row is None:  # gone since
        raise ValidationError(_("This form was already used. Reload the page and try again."))
    return row, False
