"""Create a record at most once per form submission (double clicks, resubmits, retries).

Each form carries a random request key; the created row stores it in a unique column.
A second request with the same key gets the first row back instead of a new one.
"""

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def create_once(scope: models.QuerySet[M], request_key: UUID | None, create: Callable[[], M]) -> tuple[M, bool]:
    """Run `create` unless a row of `scope` already carries `request_key`.

    Returns (row, created). `scope` limits where an earlier row is looked for, so a key
    can never hand back somebody else's record.
    """
    if request_key is None:
        return create(), True
    existing = scope.filter(request_key=request_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        # Lost a race with the same submission, or the key is used elsewhere.
        existing = scope.filter(request_key=request_key).first()
        if existing is None:
            raise ValidationError("This form was already used. Reload the page and try again.") from None
        return existing, False
