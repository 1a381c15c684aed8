"""REST endpoints for clients, cases and escalations: the same selectors and services as the pages."""

from django.contrib.auth import get_user_model
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Team
from accounts.selectors import staff_of_user_teams, teams_for_user
from api.fields import AwareDateTimeField, IdField
from api.filters import IdFilter
from api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from api.viewsets import ScopedViewSet

from .models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Client,
    Priority,
    Temperament,
)
from .selectors import (
    cases_for_user,
    clients_for_user,
    clients_matching,
    get_case_for_user,
    get_client_for_user,
)
from .services import (
    CLIENT_FIELDS,
    case_change_status,
    case_open,
    case_update,
    client_create,
    client_update,
)

User = get_user_model()

ERRORS_400 = OpenApiResponse(description="Invalid input: the body names each field with what is wrong.")
NOT_FOUND = OpenApiResponse(description="No such record in your teams.")


# --- Clients -------------------------------------------------------------------------


class ClientSerializer(serializers.ModelSerializer):
    # Not an EmailField here: many clients have no address on file, and "" is no email format.
    email = serializers.CharField(read_only=True, help_text="Email address, or empty when none is on file.")

    class Meta:
        model = Client
        fields = ["id", "team", *CLIENT_FIELDS, "created_at", "updated_at"]
        read_only_fields = fields


class ClientWriteSerializer(serializers.ModelSerializer):
    team = IdField(
        queryset=Team.objects.none(),
        required=False,
        help_text="One of your teams. May be left out when you belong to exactly one team.",
    )

    class Meta:
        model = Client
        fields = ["team", *CLIENT_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["team"].queryset = teams_for_user(request.user)
        if self.instance is not None:
            del self.fields["team"]  # a client stays with its team

    def validate(self, attrs):
        if self.instance is None and "team" not in attrs:
            teams = list(self.fields["team"].queryset[:2])
            if len(teams) != 1:
                raise serializers.ValidationError({"team": "You belong to several teams: say which one."})
            attrs["team"] = teams[0]
        return attrs


class ClientFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", max_length=200, help_text="Part of the name, email or company.")
    temperament = filters.ChoiceFilter(choices=Temperament.choices)
    team = IdFilter(field_name="team_id", help_text="A team id.")

    class Meta:
        model = Client
        fields = ["q", "temperament", "team"]

    def search(self, queryset, name, value):
        return clients_matching(queryset, value)


CLIENT_EXAMPLE = {
    "name": "Greta Holm",
    "email": "greta@example.com",
    "phone": "+46 70 123 45 67",
    "company": "Holm Bakery",
    "temperament": "complainer",
    "notes": "Prefers email to calls. Agreed: no visits before 9:00.",
}


@extend_schema_view(
    list=extend_schema(
        summary="List clients",
        description="The clients of your teams, in name order. Filter by a search term, temperament or team.",
    ),
    retrieve=extend_schema(
        summary="Get a client",
        description="One client of your teams.",
        responses={200: ClientSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add a client",
        description="Adds a client to one of your teams. Send an `Idempotency-Key` so a retry adds it only once.",
        request=ClientWriteSerializer,
        responses={201: ClientSerializer, 400: ERRORS_400},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[OpenApiExample("A new client", value={"team": 1, **CLIENT_EXAMPLE}, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="Change a client's details",
        description="Changes contact details, the temperament profile or the notes. Send only the fields that "
        "change; a client stays in its team.",
        request=ClientWriteSerializer,
        responses={200: ClientSerializer, 400: ERRORS_400, 404: NOT_FOUND},
        examples=[OpenApiExample("New temperament", value={"temperament": "angry"}, request_only=True)],
    ),
)
class ClientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Client
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    ordering_fields = ["name", "created_at", "id"]
    action_permissions = {
        "list": "clients.view_client",
        "retrieve": "clients.view_client",
        "create": "clients.add_client",
        "partial_update": "clients.change_client",
    }

    def list_for_user(self, user):
        return clients_for_user(user)

    def get_for_user(self, user, pk):
        return get_client_for_user(user, pk)

    @idempotent
    def create(self, request):
        data = ClientWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        client = client_create(actor=request.user, **data.validated_data)
        return Response(ClientSerializer(client).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        client = self.get_object()
        data = ClientWriteSerializer(client, data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        client = client_update(actor=request.user, client=client, **data.validated_data)
        return Response(ClientSerializer(client).data)


# --- Cases ---------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = [
            "id",
            "client",
            "team",
            "title",
            "problem_statement",
            "root_cause",
            "priority",
            "status",
            "owner",
            "opened_by",
            "opened_at",
            "last_activity_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields


class CaseWriteSerializer(serializers.ModelSerializer):
    client = IdField(queryset=Client.objects.none(), help_text="The client's id; one of your teams' clients.")
    owner = IdField(
        queryset=User.objects.none(),
        required=False,
        help_text="Who works the case: an active member of the client's team. Defaults to you.",
    )
    opened_at = AwareDateTimeField(
        required=False,
        help_text="When the conflict began, for a case imported from another system. Left out: now.",
    )

    class Meta:
        model = Case
        fields = ["client", "title", "problem_statement", "root_cause", "priority", "owner", "opened_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["client"].queryset = clients_for_user(request.user)
            self.fields["owner"].queryset = staff_of_user_teams(request.user)
        if self.instance is not None:
            del self.fields["client"]  # a case stays with its client
            del self.fields["opened_at"]


class CaseStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, help_text="Where the case goes.")
    note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why. Needed when reopening, handing an escalated case back, or closing an unresolved case.",
    )


class CaseFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CaseStatus.choices)
    priority = filters.TypedChoiceFilter(choices=Priority.choices, coerce=int)
    owner = IdFilter(field_name="owner_id", help_text="The owner's user id.")
    client = IdFilter(field_name="client_id", help_text="The client's id.")
    temperament = filters.ChoiceFilter(field_name="client__temperament", choices=Temperament.choices)
    open = filters.BooleanFilter(method="only_open", help_text="true: new, in progress or escalated cases only.")

    class Meta:
        model = Case
        fields = ["status", "priority", "owner", "client", "temperament", "open"]

    def only_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)


CASE_EXAMPLE = {
    "client": 1,
    "title": "Oven service missed twice",
    "problem_statement": "The technician did not come on the two agreed days; the client lost a day's baking.",
    "root_cause": "communication_breakdown",
    "priority": 3,
}


@extend_schema_view(
    list=extend_schema(
        summary="List cases",
        description="The cases of your teams, most recently active first. Filter by status, priority, owner, "
        "client or the client's temperament; sort with `ordering`.",
    ),
    retrieve=extend_schema(
        summary="Get a case", description="One case of your teams.", responses={200: CaseSerializer, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Open a case",
        description="Opens a case on a client of your teams. It starts as new and appears on the case timeline. "
        "Send an `Idempotency-Key` so a retry opens it only once.",
        request=CaseWriteSerializer,
        responses={201: CaseSerializer, 400: ERRORS_400},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[OpenApiExample("A new case", value=CASE_EXAMPLE, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="Change a case's details",
        description="Changes the title, problem statement, root cause, priority or owner. The timeline records "
        "each old and new value. Send only the fields that change.",
        request=CaseWriteSerializer,
        responses={200: CaseSerializer, 400: ERRORS_400, 404: NOT_FOUND},
        examples=[
            OpenApiExample("Root cause found", value={"root_cause": "unrealistic_expectations"}, request_only=True)
        ],
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Case
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ["last_activity_at", "opened_at", "priority", "id"]
    action_permissions = {
        "list": "clients.view_case",
        "retrieve": "clients.view_case",
        "create": "clients.add_case",
        "partial_update": "clients.change_case",
        "change_status": "clients.change_case",
        "escalate": "clients.change_case",
    }

    def list_for_user(self, user):
        return cases_for_user(user)

    def get_for_user(self, user, pk):
        return get_case_for_user(user, pk)

    @idempotent
    def create(self, request):
        data = CaseWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        fields.setdefault("owner", request.user)
        case = case_open(actor=request.user, **fields)
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        case = self.get_object()
        data = CaseWriteSerializer(case, data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        case = case_update(actor=request.user, case=case, **data.validated_data)
        return Response(CaseSerializer(case).data)

    @extend_schema(
        summary="Move a case along its lifecycle",
        description="new → in progress → resolved → closed, with reopening. A move that makes no sense for the "
        "case's current status is refused with a 400 naming `status`; reopening, handing an escalated case back "
        "and closing an unresolved case need a `note`. A case with an escalation no manager has decided yet cannot "
        "be resolved or closed (400 naming `status`). To escalate, use the escalate action.",
        request=CaseStatusSerializer,
        responses={200: CaseSerializer, 400: ERRORS_400, 404: NOT_FOUND},
        examples=[
            OpenApiExample("Resolve", value={"status": "resolved", "note": ""}, request_only=True),
            OpenApiExample(
                "Reopen",
                value={"status": "in_progress", "note": "The client called back: the fix broke again."},
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        case = self.get_object()
        data = CaseStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = case_change_status(actor=request.user, case=case, **data.validated_data)
        return Response(CaseSerializer(case).data)


# Mounted by casebook/api_urls.py: (prefix, viewset, basename).
routes = [
    ("clients", ClientViewSet, "client"),
    ("cases", CaseViewSet, "case"),
]
