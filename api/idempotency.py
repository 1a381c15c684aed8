"""`Idempotency-Key` on creates: a retried request returns the first result, and creates nothing.

Only successful results are kept (for CASEBOOK_API_IDEMPOTENCY_TTL): after a 4xx the key is
free again, so a client can fix its request and send it with the same key.
"""

import functools
import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response

from .services import IdempotencyConflict, idempotency_begin, idempotency_finish, request_fingerprint

HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Optional. A unique value per intended create (a UUID is a good choice), at most 255 "
    "visible ASCII characters. Sending the same request again with the same key returns the first "
    "result and creates nothing new; the same key with a different request is refused with 422. "
    "Keys are per user and kept for 24 hours.",
)


def idempotent(view_method):
    """Wrap a viewset create/action method so it honours the `Idempotency-Key` header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not _VALID_KEY.fullmatch(key):
            raise exceptions.ValidationError({HEADER: [_("Use 1 to 255 visible ASCII characters, e.g. a UUID.")]})
        fingerprint = request_fingerprint(method=request.method, path=request.path, body=request.data)
        try:
            stored = idempotency_begin(user=request.user, key=key, fingerprint=fingerprint)
        except IdempotencyConflict as conflict:
            code = status.HTTP_409_CONFLICT if conflict.in_progress else status.HTTP_422_UNPROCESSABLE_ENTITY
            return Response({"detail": str(conflict)}, status=code)
        if stored is not None:
            response = Response(stored.body, status=stored.status)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = view_method(self, request, *args, **kwargs)
        except BaseException:
            idempotency_finish(user=request.user, key=key, status=status.HTTP_500_INTERNAL_SERVER_ERROR, body=None)
            raise
        idempotency_finish(user=request.user, key=key, status=response.status_code, body=response.data)
        return response

    return wrapper
