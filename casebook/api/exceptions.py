from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    """DRF's handler, plus: a service's ValidationError becomes a 400 naming the field.

    A message that belongs to no field comes back under "non_field_errors".
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    return exception_handler(exc, context)
