"""REST endpoints for interactions: create and read only, as everywhere else (append-only)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from casebook.api.fields import AwareDateTimeField, IdField
from casebook.api.filters import IdFilter, TimeFilter
from casebook.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from casebook.api.viewsets import ScopedViewSet
from clients.models import Case
from clients.selectors import cases_for_user

from .models import Channel, Direction, Interaction, Mood
from .selectors import get_interaction_for_user, interactions_for_user
from .services import interaction_log

MAX_DURATION_MINUTES = 24 * 60


class InteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = [
            "id",
            "case",
            "client",
            "channel",
            "direction",
            "occurred_at",
            "duration_minutes",
            "mood",
            "summary",
            "logged_by",
            "logged_at",
            "corrects",
        ]
        read_only_fields = fields


class InteractionCreateSerializer(serializers.ModelSerializer):
    case = IdField(queryset=Case.objects.none(), help_text="The case's id.")
    occurred_at = AwareDateTimeField(
        required=False,
        help_text="When it happened (ISO 8601 with an offset). Left out: now. A contact cannot be in the future.",
    )
    duration_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_DURATION_MINUTES
    )
    summary = serializers.CharField(max_length=20000, help_text="What was said and agreed, in plain words.")
    corrects = IdField(
        queryset=Interaction.objects.none(),
        required=False,
        allow_null=True,
        help_text="To fix a mistake: the id of the entry this one corrects, on the same case. Both stay on record.",
    )

    class Meta:
        model = Interaction
        fields = ["case", "channel", "direction", "occurred_at", "duration_minutes", "mood", "summary", "corrects"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["case"].queryset = cases_for_user(request.user)
            self.fields["corrects"].queryset = interactions_for_user(request.user)


class InteractionFilter(filters.FilterSet):
    case = IdFilter(field_name="case_id", help_text="The case's id.")
    client = IdFilter(field_name="client_id", help_text="The client's id.")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    direction = filters.ChoiceFilter(choices=Direction.choices)
    mood = filters.ChoiceFilter(choices=Mood.choices)
    occurred_after = TimeFilter(field_name="occurred_at", lookup_expr="gte", help_text="From this time on.")
    occurred_before = TimeFilter(field_name="occurred_at", lookup_expr="lt", help_text="Before this time.")

    class Meta:
        model = Interaction
        fields = ["case", "client", "channel", "direction", "mood", "occurred_after", "occurred_before"]


@extend_schema_view(
    list=extend_schema(
        summary="List interactions",
        description="Calls, emails, chats, meetings and notes on your teams' cases, newest first. Filter by "
        "case, client, channel, mood or time.",
    ),
    retrieve=extend_schema(
        summary="Get an interaction",
        description="One logged contact. Entries are never changed: see `corrects` on later entries.",
        responses={200: InteractionSerializer, 404: OpenApiResponse(description="No such entry in your teams.")},
    ),
    create=extend_schema(
        summary="Log a contact",
        description="Logs a call, email, chat, meeting or note on a case, e.g. from a phone system or a chat "
        "tool. It goes on the case timeline, and the first contact on a new case starts work on it. Entries "
        "cannot be changed or deleted: to fix one, log a correction with `corrects`. Send an "
        "`Idempotency-Key` so a retried post logs the contact once.",
        request=InteractionCreateSerializer,
        responses={
            201: InteractionSerializer,
            400: OpenApiResponse(description="Invalid input: the body names each field with what is wrong."),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "A call from the phone system",
                value={
                    "case": 1,
                    "channel": "call",
                    "direction": "inbound",
                    "occurred_at": "2026-11-25T09:30:00+01:00",
                    "duration_minutes": 12,
                    "mood": "frustrated",
                    "summary": "Asked when the technician comes. Promised a call back before noon.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "A correction",
                value={
                    "case": 1,
                    "channel": "call",
                    "direction": "inbound",
                    "mood": "calm",
                    "summary": "Correction: the client was calm; the call back is before 14:00.",
                    "corrects": 7,
                },
                request_only=True,
            ),
        ],
    ),
)
class InteractionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Interaction
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    ordering_fields = ["occurred_at", "logged_at", "id"]
    action_permissions = {
        "list": "interactions.view_interaction",
        "retrieve": "interactions.view_interaction",
        "create": "interactions.add_interaction",
    }

    def list_for_user(self, user):
        return interactions_for_user(user)

    def get_for_user(self, user, pk):
        return get_interaction_for_user(user, pk)

    @idempotent
    def create(self, request):
        data = InteractionCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        interaction = interaction_log(actor=request.user, **data.validated_data)
        return Response(InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED)


# Mounted by casebook/api/urls.py: (prefix, viewset, basename).
routes = [
    ("interactions", InteractionViewSet, "interaction"),
]
