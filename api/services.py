"""State changes of the API's own records: tokens and idempotency keys."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import ApiToken

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
