"""State changes of the API's own records: tokens and idempotency keys."""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import ApiToken, IdempotencyKey

TOKEN_PREFIX = "cb_"
# The visible part: "cb_" and the first 8 characters of the secret.
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# Writing "last used" on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    # The secret is 256 random bits, so a plain fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the secret, which is never stored."""
    name = name.strip()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=raw[:PREFIX_LENGTH], key_hash=token_hash(raw))
    token.full_clean(exclude=["user"], validate_constraints=False)
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise ValidationError({"name": _("You already have a token with this name.")})
    try:
        with transaction.atomic():
            token.save()
    except IntegrityError:
        raise ValidationError({"name": _("You already have a token with this name.")}) from None
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke a token: it stops working at once. Callers look the token up within its owner."""
    token.delete()


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token for a secret, with its user; None when unknown."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Idempotency ---------------------------------------------------------------------


class IdempotencyConflict(Exception):
    """The key was used for another request, or its first request is still running."""

    def __init__(self, message: str, *, in_progress: bool):
        super().__init__(message)
        self.in_progress = in_progress


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: object


def request_fingerprint(*, method: str, path: str, body: object) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_begin(*, user: User, key: str, fingerprint: str) -> StoredResponse | None:
    """Reserve `key` for this request, or return the stored result of its first request.

    Raises IdempotencyConflict when the key belongs to a different request, or when its
    first request has not finished yet. The reservation is committed at once, so a
    concurrent duplicate sees it.
    """
    now = timezone.now()
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, key=key, expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=fingerprint, expires_at=now + settings.CASEBOOK_API_IDEMPOTENCY_TTL
                )
            return None
        except IntegrityError:
            existing = IdempotencyKey.objects.get(user=user, key=key)
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _("This Idempotency-Key was already used with a different request. Use a new key for a new request."),
            in_progress=False,
        )
    if existing.response_status is None:
        raise IdempotencyConflict(
            _("The first request with this Idempotency-Key is still being processed. Retry in a moment."),
            in_progress=True,
        )
    return StoredResponse(status=existing.response_status, body=json.loads(existing.response_body))


def idempotency_finish(*, user: User, key: str, status: int, body: object) -> None:
    """Keep a successful result for replays; forget the key after a failure so it can be retried."""
    rows = IdempotencyKey.objects.filter(user=user, key=key, response_status=None)
    if 200 <= status < 300:
        rows.update(response_status=status, response_body=json.dumps(body, cls=DjangoJSONEncoder))
    else:
        rows.delete()


def idempotency_keys_purge() -> int:
    """Delete expired keys; returns how many went."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
