"""REST endpoints for interactions (create and read only: append-only) and follow-ups."""

from django.contrib.auth import get_user_model
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import staff_of_user_teams
from api.fields import AwareDateTimeField, IdField
from api.filters import IdFilter, TimeFilter
from api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from api.viewsets import ScopedViewSet
from clients.models import Case
from clients.selectors import cases_for_user

from .models import Channel, Direction, FollowUp, FollowUpKind, FollowUpStatus, Interaction, Mood
from .selectors import follow_ups_for_user, get_follow_up_for_user, get_interaction_for_user, interactions_for_user
from .services import follow_up_cancel, follow_up_complete, follow_up_reschedule, follow_up_schedule, interaction_log

User = get_user_model()

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


# --- Follow-ups ----------------------------------------------------------------------

ERRORS_400 = OpenApiResponse(description="Invalid input: the body names each field with what is wrong.")
NOT_FOUND = OpenApiResponse(description="No such follow-up in your teams.")
ALREADY_CLOSED = "A follow-up that is already done or cancelled is refused with a 400 under `non_field_errors`."


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = [
            "id",
            "case",
            "kind",
            "due_at",
            "note",
            "owner",
            "status",
            "created_by",
            "created_at",
            "reminded_at",
            "completed_at",
            "completed_by",
            "fulfilled_by",
        ]
        read_only_fields = fields


class FollowUpCreateSerializer(serializers.ModelSerializer):
    case = IdField(queryset=Case.objects.none(), help_text="The case's id.")
    kind = serializers.ChoiceField(choices=FollowUpKind.choices)
    due_at = AwareDateTimeField(help_text="When it is due (ISO 8601 with an offset); must be in the future.")
    note = serializers.CharField(
        max_length=20000,
        required=False,
        allow_blank=True,
        default="",
        help_text="What was promised. For `email_client`, the text of the email the client will receive.",
    )
    owner = IdField(
        queryset=User.objects.none(),
        required=False,
        help_text="Who keeps the promise: an active member of the case's team. Defaults to the case's owner.",
    )

    class Meta:
        model = FollowUp
        fields = ["case", "kind", "due_at", "note", "owner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["case"].queryset = cases_for_user(request.user)
            self.fields["owner"].queryset = staff_of_user_teams(request.user)


class FollowUpDoneSerializer(serializers.Serializer):
    fulfilled_by = IdField(
        queryset=Interaction.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="For a call-back: the id of the logged contact that kept the promise, on the same case and made "
        "at or after the promise was.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["fulfilled_by"].queryset = interactions_for_user(request.user)


class FollowUpRescheduleSerializer(serializers.Serializer):
    due_at = AwareDateTimeField(help_text="The new due time (ISO 8601 with an offset); must be in the future.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", help_text="Why.")


class FollowUpCancelSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", help_text="Why.")


class FollowUpFilter(filters.FilterSet):
    case = IdFilter(field_name="case_id", help_text="The case's id.")
    owner = IdFilter(field_name="owner_id", help_text="The owner's user id.")
    status = filters.ChoiceFilter(choices=FollowUpStatus.choices)
    kind = filters.ChoiceFilter(choices=FollowUpKind.choices)
    due_after = TimeFilter(field_name="due_at", lookup_expr="gte", help_text="Due at this time or later.")
    due_before = TimeFilter(field_name="due_at", lookup_expr="lt", help_text="Due before this time.")

    class Meta:
        model = FollowUp
        fields = ["case", "owner", "status", "kind", "due_after", "due_before"]


@extend_schema_view(
    list=extend_schema(
        summary="List follow-ups",
        description="Promises and reminders on your teams' cases, soonest due first. Filter by case, owner, "
        "status, kind or due time, e.g. `?owner=3&status=pending&due_before=2026-11-26T00:00:00Z` for "
        "someone's open promises up to tomorrow.",
    ),
    retrieve=extend_schema(
        summary="Get a follow-up",
        description="One follow-up: what was promised, when it is due, who keeps it and where it stands.",
        responses={200: FollowUpSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Schedule a follow-up",
        description="Promises a call-back, an email to the client or an internal check on a case for a due "
        "time. The owner (the case's owner unless you name another member of its team) is reminded before it "
        "is due; an `email_client` follow-up is sent to the client at the due time, so its `note` is the "
        "email's text and the client needs an email address. It goes on the case timeline. Send an "
        "`Idempotency-Key` so a retried post schedules it once.",
        request=FollowUpCreateSerializer,
        responses={201: FollowUpSerializer, 400: ERRORS_400},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "A promised call-back",
                value={
                    "case": 1,
                    "kind": "call_back",
                    "due_at": "2026-11-26T11:30:00+01:00",
                    "note": "Confirm the technician's visit on Friday morning.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "An email sent at the due time",
                value={
                    "case": 1,
                    "kind": "email_client",
                    "due_at": "2026-11-27T09:00:00+01:00",
                    "note": "Hello, as agreed: the refund reached your account today. Do tell us if anything "
                    "is still wrong.",
                    "owner": 4,
                },
                request_only=True,
            ),
        ],
    ),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = FollowUp
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    ordering_fields = ["due_at", "created_at", "id"]
    action_permissions = {
        "list": "interactions.view_followup",
        "retrieve": "interactions.view_followup",
        "create": "interactions.add_followup",
        "done": "interactions.change_followup",
        "reschedule": "interactions.change_followup",
        "cancel": "interactions.change_followup",
    }

    def list_for_user(self, user):
        return follow_ups_for_user(user)

    def get_for_user(self, user, pk):
        return get_follow_up_for_user(user, pk)

    def _parse(self, serializer_class, request):
        data = serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data

    @idempotent
    def create(self, request):
        fields = self._parse(FollowUpCreateSerializer, request)
        follow_up = follow_up_schedule(actor=request.user, **fields)
        return Response(FollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a follow-up done",
        description="The promise was kept. A call-back names the contact that kept it in `fulfilled_by` (log "
        "the call first); other kinds need no body. A contact on another case, or made before the promise was, "
        "is refused with a 400 on `fulfilled_by`. " + ALREADY_CLOSED,
        request=FollowUpDoneSerializer,
        responses={200: FollowUpSerializer, 400: ERRORS_400, 404: NOT_FOUND},
        examples=[OpenApiExample("The call that kept a call-back", value={"fulfilled_by": 7}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        follow_up = self.get_object()
        fields = self._parse(FollowUpDoneSerializer, request)
        follow_up = follow_up_complete(actor=request.user, follow_up=follow_up, **fields)
        return Response(FollowUpSerializer(follow_up).data)

    @extend_schema(
        summary="Move a follow-up",
        description="Gives a pending or missed follow-up a new due time in the future; the reminder comes again "
        "before it, and the timeline records the old and new times. " + ALREADY_CLOSED,
        request=FollowUpRescheduleSerializer,
        responses={200: FollowUpSerializer, 400: ERRORS_400, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "The client asked for the afternoon",
                value={"due_at": "2026-11-26T15:00:00+01:00", "note": "The client is out until lunch."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        follow_up = self.get_object()
        fields = self._parse(FollowUpRescheduleSerializer, request)
        follow_up = follow_up_reschedule(actor=request.user, follow_up=follow_up, **fields)
        return Response(FollowUpSerializer(follow_up).data)

    @extend_schema(
        summary="Call off a follow-up",
        description="Cancels a pending or missed follow-up; nothing is sent and no reminder comes. The timeline "
        "keeps the reason. " + ALREADY_CLOSED,
        request=FollowUpCancelSerializer,
        responses={200: FollowUpSerializer, 400: ERRORS_400, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "Settled on the phone", value={"note": "The client called first; all settled."}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        follow_up = self.get_object()
        fields = self._parse(FollowUpCancelSerializer, request)
        follow_up = follow_up_cancel(actor=request.user, follow_up=follow_up, **fields)
        return Response(FollowUpSerializer(follow_up).data)


# Mounted by casebook/api_urls.py: (prefix, viewset, basename).
routes = [
    ("interactions", InteractionViewSet, "interaction"),
    ("follow-ups", FollowUpViewSet, "follow-up"),
]
