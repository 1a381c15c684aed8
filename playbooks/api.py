"""REST endpoint for a case's progress through its playbook (read only: steps are worked on the case page)."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.response import Response

from api.viewsets import ScopedViewSet
from clients.models import Case
from clients.selectors import cases_for_user, get_case_for_user

from .models import ConcessionKind, ConcessionStatus, ConcessionUnit, ProposedBy, StepKind, StepStatus
from .selectors import CASE_RELATED, case_playbook_progress, concessions_for_case, solution_options_for_case

CURRENT = "current"
TO_DO = "to_do"
STEP_STATUSES = [*StepStatus.choices, (CURRENT, "Current"), (TO_DO, "To do")]


class PlaybookSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="playbook.id")
    name = serializers.CharField(source="playbook.name")
    version = serializers.IntegerField(source="number", help_text="The version the case follows.")


class StepProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=StepKind.choices)
    title = serializers.CharField()
    status = serializers.SerializerMethodField(
        help_text="done or skipped (recorded), current (the first step without a record) or to_do."
    )
    # A step without a record yet reads as null (allow_null) for each of these.
    outcome = serializers.JSONField(
        source="record.outcome",
        allow_null=True,
        help_text="What the step recorded, by kind: pinpoint {problem, root_cause}, common_ground {points}, "
        "compromise {option_id, option}, document {summary}, follow_up {next_step, due_at}. null until recorded.",
    )
    skip_reason = serializers.CharField(source="record.skip_reason", allow_null=True)
    completed_by = serializers.IntegerField(
        source="record.completed_by_id", allow_null=True, help_text="The user id of who finished or skipped it."
    )
    completed_at = serializers.DateTimeField(source="record.completed_at", allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=STEP_STATUSES))
    def get_status(self, step) -> str:
        if step.record is not None:
            return step.record.status
        return CURRENT if step.pk == self.context["current_id"] else TO_DO


class SolutionOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    estimated_cost = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    proposed_by = serializers.ChoiceField(choices=ProposedBy.choices)
    created_by = serializers.IntegerField(source="created_by_id")
    created_at = serializers.DateTimeField()


class ConcessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ConcessionKind.choices)
    value = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="What `unit` says: a percentage of the bill, an amount of money or hours.",
    )
    unit = serializers.ChoiceField(
        choices=[("", "No value (an apology)"), *ConcessionUnit.choices],
        help_text="percent (a discount only), amount (money, in `currency`), hours (free_hours); empty for an apology.",
    )
    currency = serializers.CharField(help_text="For an amount: the currency code; empty otherwise.")
    status = serializers.ChoiceField(
        choices=ConcessionStatus.choices, help_text="pending: over the agent's limit, waiting for a manager."
    )
    note = serializers.CharField()
    created_by = serializers.IntegerField(source="created_by_id")
    created_at = serializers.DateTimeField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class PlaybookProgressSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text="The case's id.")
    pinned = serializers.BooleanField(
        help_text="true once work on the playbook began; false: the playbook the case would start with."
    )
    chosen_by = serializers.IntegerField(allow_null=True, help_text="Who pinned the playbook (user id).")
    chosen_at = serializers.DateTimeField(allow_null=True)
    playbook = PlaybookSerializer(allow_null=True, help_text="null only when no playbook is installed.")
    steps = StepProgressSerializer(many=True)
    solution_options = SolutionOptionSerializer(many=True)
    concessions = ConcessionSerializer(many=True)


PROGRESS_EXAMPLE = {
    "case": 12,
    "pinned": True,
    "chosen_by": 3,
    "chosen_at": "2026-11-24T09:12:00Z",
    "playbook": {"id": 2, "name": "Angry client", "version": 1},
    "steps": [
        {
            "id": 8,
            "position": 1,
            "kind": "pinpoint",
            "title": "Pinpoint the problem",
            "status": "done",
            "outcome": {"problem": "Billed twice for November.", "root_cause": "communication_breakdown"},
            "skip_reason": "",
            "completed_by": 3,
            "completed_at": "2026-11-24T09:20:00Z",
        },
        {
            "id": 9,
            "position": 2,
            "kind": "common_ground",
            "title": "Find common ground",
            "status": "current",
            "outcome": None,
            "skip_reason": None,
            "completed_by": None,
            "completed_at": None,
        },
    ],
    "solution_options": [
        {
            "id": 4,
            "description": "Refund the second charge today.",
            "estimated_cost": "49.00",
            "currency": "EUR",
            "proposed_by": "staff",
            "created_by": 3,
            "created_at": "2026-11-24T09:25:00Z",
        }
    ],
    "concessions": [
        {
            "id": 5,
            "kind": "refund",
            "value": "49.00",
            "unit": "amount",
            "currency": "EUR",
            "status": "granted",
            "note": "",
            "created_by": 3,
            "created_at": "2026-11-24T09:30:00Z",
            "decided_by": None,
            "decided_at": None,
        }
    ],
}


@extend_schema_view(
    retrieve=extend_schema(
        summary="Get a case's playbook progress",
        description="Where a case of your teams stands in its resolution playbook, by the case's id: the "
        "playbook and version it follows, each step with its status (done, skipped, current or to do), what "
        "each finished step recorded, who finished it and when, the solution options found with the client, "
        "and the concessions offered with their status. Read only: steps are worked on the case page.",
        responses={200: PlaybookProgressSerializer, 404: OpenApiResponse(description="No such case in your teams.")},
        examples=[OpenApiExample("Two steps in", value=PROGRESS_EXAMPLE, response_only=True)],
    ),
)
class PlaybookProgressViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    model = Case
    serializer_class = PlaybookProgressSerializer
    action_permissions = {"retrieve": "clients.view_case"}

    def list_for_user(self, user):
        return cases_for_user(user)

    def get_for_user(self, user, pk):
        return get_case_for_user(user, pk, *CASE_RELATED)

    def retrieve(self, request, pk=None):
        case = self.get_object()
        pinned, version, steps, current = case_playbook_progress(case)
        progress = {
            "case": case.pk,
            "pinned": pinned is not None,
            "chosen_by": pinned.chosen_by_id if pinned is not None else None,
            "chosen_at": pinned.chosen_at if pinned is not None else None,
            "playbook": version,
            "steps": steps,
            "solution_options": solution_options_for_case(case),
            "concessions": concessions_for_case(case),
        }
        context = {**self.get_serializer_context(), "current_id": current.pk if current is not None else None}
        return Response(PlaybookProgressSerializer(progress, context=context).data)


# Mounted by casebook/api_urls.py: (prefix, viewset, basename). The id in the path is the case's
# for playbook progress; decisions hang under /escalations/{id}/decide/ beside clients' read routes.
routes = [
    ("playbook-progress", PlaybookProgressViewSet, "playbook-progress"),
]
