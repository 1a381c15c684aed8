"""List plumbing shared by every endpoint: page numbers, allow-listed sorting, id filters."""

from datetime import UTC

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination

# The largest id PostgreSQL's bigint holds: a bigger one is a 400, not a database error.
from core.converters import MAX_ID


class ApiPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    page_size_query_description = "Results per page (at most 100)."
    max_page_size = 100


class IdFilter(filters.Filter):
    """Filter on a related row's id; the list is already scoped, so an outside id finds nothing."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(filter_fields.IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        # PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows; UTC is always accepted.
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("This time is out of range."), code="invalid") from None


class TimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 time with its offset, e.g. 2026-11-25T09:30:00+01:00."""

    field_class = UtcIsoDateTimeField


class AllowListOrderingFilter(OrderingFilter):
    """Sorting only on each view's `ordering_fields` (never "__all__"), ties broken by id.

    A value outside the list is ignored, so `?ordering=owner__password` sorts by the default.
    """

    def get_valid_fields(self, queryset, view, context=None):
        fields = getattr(view, "ordering_fields", None)
        if not fields or fields == "__all__":
            return []
        return [(field, field) for field in fields]

    def get_schema_operation_parameters(self, view):
        fields = [field for field, _ in self.get_valid_fields(None, view)]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by one of these fields; a leading minus sorts descending. Other values "
                "are ignored.",
                "schema": {"type": "string", "enum": [value for field in fields for value in (field, f"-{field}")]},
            }
        ]

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering = [*ordering, "-id" if ordering[-1].startswith("-") else "id"]
        return queryset.order_by(*ordering)
