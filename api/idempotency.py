"""`Idempotency-Key` on creates: a retried request returns the first result, and creates nothing.

The API's adapter of `api.keys.once` (the pages' form keys are the other): it
keeps the response. Only successful results are kept (for CASEBOOK_API_IDEMPOTENCY_TTL):
after a 4xx the key is free again, so a client can fix its request and send it with the
same key.
"""

import functools
import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.keys import IdempotencyConflict, once, request_fingerprint

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

        def run():
            response = view_method(self, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                return response, None  # a failed request keeps nothing: its key stays free
            return response, {"status": response.status_code, "body": response.data}

        try:
            response, replayed = once(user=request.user, key=key, fingerprint=fingerprint, run=run)
        except IdempotencyConflict:
            message = _(
                "This Idempotency-Key was already used with a different request. Use a new key for a new request."
            )
            return Response({"detail": message}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        if replayed:
            response = Response(response["body"], status=response["status"])
            response["Idempotent-Replayed"] = "true"
        return response

    return wrapper
