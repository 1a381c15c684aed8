"""REST endpoints for escalations: asking a manager on a case, listing escalations, and a
manager's decision. The same selectors and services as the pages."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import staff_of_team
from api.filters import IdFilter
from api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from api.viewsets import ScopedViewSet
from clients.api import ERRORS_400, NOT_FOUND
from clients.models import Case
from clients.selectors import cases_for_user, get_case_for_user
from playbooks.models import Concession

from .models import MANUAL_ESCALATION_REASONS, Escalation, EscalationDecision, EscalationReason
from .selectors import escalations_for_user, get_escalation_for_user
from .services import case_escalate, escalation_decision_make


class EscalateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in MANUAL_ESCALATION_REASONS])
    note = serializers.CharField(max_length=5000, allow_blank=True, help_text="What happened and what you need.")


class EscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Escalation
        fields = [
            "id",
            "case",
            "reason",
            "note",
            "raised_by",
            "raised_at",
            "decided_at",
            "decided_by",
            "decision",
            "decision_note",
        ]
        read_only_fields = fields


class EscalationDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=EscalationDecision.choices)
    note = serializers.CharField(
        max_length=5000,
        allow_blank=True,
        required=False,
        default="",
        help_text="Guidance for the agent; needed to hand back or to refuse a concession.",
    )
    new_owner = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="For reassign: the user id of the agent who takes it."
    )
    concession = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="To approve or refuse: the pending concession's id."
    )


class CaseEscalationViewSet(ScopedViewSet):
    """POST /cases/{id}/escalate/, beside clients' case routes."""

    model = Case
    action_permissions = {"escalate": "clients.change_case"}

    def list_for_user(self, user):
        return cases_for_user(user)

    def get_for_user(self, user, pk):
        return get_case_for_user(user, pk)

    @extend_schema(
        summary="Ask a manager to step in",
        description="Escalates an open case: the client became abusive, you cannot resolve it, a concession "
        "is over your limit, or the client asks for a manager. The case becomes escalated and you keep working "
        "it until a manager decides. A resolved or closed case must be reopened first. Send an "
        "`Idempotency-Key` so a retry escalates only once.",
        request=EscalateSerializer,
        responses={201: EscalationSerializer, 400: ERRORS_400, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "Abuse",
                value={"reason": "abusive_client", "note": "Insults on the phone after the refund was refused."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def escalate(self, request, pk=None):
        case = self.get_object()
        data = EscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = case_escalate(
            actor=request.user,
            case=case,
            reason=EscalationReason(data.validated_data["reason"]),
            note=data.validated_data["note"],
        )
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)


class EscalationFilter(filters.FilterSet):
    case = IdFilter(field_name="case_id", help_text="The case's id.")
    reason = filters.ChoiceFilter(choices=EscalationReason.choices)
    open = filters.BooleanFilter(field_name="decided_at", lookup_expr="isnull", help_text="true: not decided yet.")

    class Meta:
        model = Escalation
        fields = ["case", "reason", "open"]


@extend_schema_view(
    list=extend_schema(
        summary="List escalations",
        description="Requests for a manager on your teams' cases, newest first; `open=true` for those not decided yet.",
    ),
    retrieve=extend_schema(
        summary="Get an escalation",
        responses={200: EscalationSerializer, 404: NOT_FOUND},
        description="One escalation on a case of your teams, with the manager's decision once made.",
    ),
)
class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Escalation
    serializer_class = EscalationSerializer
    filterset_class = EscalationFilter
    ordering_fields = ["raised_at", "id"]
    action_permissions = {"list": "clients.view_case", "retrieve": "clients.view_case", "decide": "clients.review_case"}

    def list_for_user(self, user):
        return escalations_for_user(user)

    def get_for_user(self, user, pk):
        return get_escalation_for_user(user, pk)

    @extend_schema(
        summary="Decide an escalation (managers)",
        description="A manager of the case's team takes the case over, reassigns it to another agent of the "
        "team (`new_owner`), approves or refuses a pending concession (`concession`), or hands it back to "
        "the agent with guidance (`note`). The decision, who and when go on the timeline and the agent is "
        "told. An escalation is decided once: a second decision is refused with a 400 saying who decided it. "
        "Agents get 403; another team's escalation is a 404.",
        request=EscalationDecisionSerializer,
        responses={200: EscalationSerializer, 400: OpenApiResponse(description="Errors by field.")},
        examples=[
            OpenApiExample(
                "Hand back", value={"decision": "hand_back", "note": "Offer the Thursday slot."}, request_only=True
            ),
            OpenApiExample(
                "Approve a concession", value={"decision": "concession_approved", "concession": 12}, request_only=True
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        escalation = self.get_object()
        data = EscalationDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        new_owner = concession = None
        if values.get("new_owner"):
            new_owner = staff_of_team(escalation.case.team).filter(pk=values["new_owner"]).first()
            if new_owner is None:
                raise serializers.ValidationError({"new_owner": ["No active member of the case's team has this id."]})
        if values.get("concession"):
            concession = Concession.objects.filter(case_id=escalation.case_id, pk=values["concession"]).first()
            if concession is None:
                raise serializers.ValidationError({"concession": ["The case has no concession with this id."]})
        escalation = escalation_decision_make(
            actor=request.user,
            escalation=escalation,
            decision=values["decision"],
            note=values["note"],
            new_owner=new_owner,
            concession=concession,
        )
        return Response(EscalationSerializer(escalation).data)


# Mounted by casebook/api_urls.py: (prefix, viewset, basename). The case action shares the
# "cases" prefix with clients' case routes.
routes = [
    ("cases", CaseEscalationViewSet, "case-escalation"),
    ("escalations", EscalationViewSet, "escalation"),
]
