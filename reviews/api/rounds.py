"""`/api/rounds/`: expert review (专家评审) rounds. Staff open a round for applications that passed formal
review and conclude it with a decision per application. A round is given with the counts of its entries and
assignments; its entries, each with its experts, a page at a time at `/api/rounds/{id}/entries/`; the experts and
results of a round are in `round_experts`."""

from collections import defaultdict

import django_filters
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from applications.models import Application
from kernel.api_views import (
    ERROR_RESPONSES,
    ChoiceLabelField,
    TransitionRequestSerializer,
    TransitionsMixin,
    WithTransitions,
    declared_transition_names,
    is_schema_view,
    named_choice_field,
    transition_schema,
)
from kernel.filters import IdFilterSet
from kernel.validators import sane_date

from .. import services
from ..models import Assignment, AssignmentStatus, CriteriaSet, ExpertCommittee, ReviewRound, RoundEntry, RoundStatus
from ..subjects import decision_choices
from .common import (
    ApplicationBriefSerializer,
    IsMinistryStaff,
    NamedSerializer,
    PersonNameSerializer,
    PersonSerializer,
    staff_only,
    visible_applications,
)
from .round_experts import RoundExpertsMixin


class RoundEntrySerializer(serializers.ModelSerializer):
    application = ApplicationBriefSerializer(read_only=True)
    outcome = named_choice_field("RoundEntryOutcomeEnum", RoundEntry.Outcome.choices, read_only=True)
    outcome_display = ChoiceLabelField(source="outcome")

    class Meta:
        model = RoundEntry
        fields = ["id", "application", "outcome", "outcome_display", "reason"]
        read_only_fields = fields


class RoundAssignmentSerializer(serializers.ModelSerializer):
    """An assignment as listed inside its round."""

    expert = PersonSerializer(read_only=True)
    status = named_choice_field("AssignmentStatusEnum", AssignmentStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")

    class Meta:
        model = Assignment
        fields = ["id", "application", "expert", "status", "status_display", "assigned_at", "submitted_at"]
        read_only_fields = fields


class RoundEntryDetailSerializer(RoundEntrySerializer):
    """An entry of `/api/rounds/{id}/entries/` with the experts assigned to it."""

    assignments = RoundAssignmentSerializer(many=True, read_only=True, source="expert_assignments")

    class Meta(RoundEntrySerializer.Meta):
        fields = [*RoundEntrySerializer.Meta.fields, "assignments"]
        read_only_fields = fields


class RoundSerializer(WithTransitions, serializers.ModelSerializer):
    committee = NamedSerializer(read_only=True)
    criteria_set = NamedSerializer(read_only=True)
    status = named_choice_field("RoundStatusEnum", RoundStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    opened_by = PersonNameSerializer(read_only=True)
    entry_count = serializers.IntegerField(source="n_applications", read_only=True,
                                           help_text=gettext_lazy("Applications in the round (its entries)."))
    assignment_count = serializers.IntegerField(source="n_assignments", read_only=True,
                                                help_text=gettext_lazy("Experts assigned, over all its entries."))
    submitted_count = serializers.IntegerField(source="n_submitted", read_only=True,
                                               help_text=gettext_lazy("Assignments whose scores are submitted."))

    class Meta:
        model = ReviewRound
        fields = [
            "id",
            "title",
            "committee",
            "criteria_set",
            "status",
            "status_display",
            "opened_by",
            "opened_at",
            "scoring_due",
            "concluded_at",
            "short_reason",
            "entry_count",
            "assignment_count",
            "submitted_count",
            "available_transitions",
        ]
        read_only_fields = fields


class RoundCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    committee = serializers.PrimaryKeyRelatedField(queryset=ExpertCommittee.objects.all())
    criteria_set = serializers.PrimaryKeyRelatedField(queryset=CriteriaSet.objects.all())
    applications = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Application.objects.none(),
        help_text=gettext_lazy("Applications that passed formal review."),
    )
    scoring_due = serializers.DateField(required=False, allow_null=True, default=None,
                                        validators=[sane_date(gettext_lazy("Scores due"))],
                                        help_text=gettext_lazy("The experts' scoring deadline (left out: the portal's default "
                                                               "number of working days from today)."))

    def get_fields(self):
        fields = super().get_fields()
        fields["applications"].child_relation.queryset = visible_applications(self)
        return fields


class DecisionSerializer(serializers.Serializer):
    action = named_choice_field(
        "RoundDecisionEnum",
        decision_choices(),  # applications': advance / reject; the laboratory app adds its verdicts and results
        help_text=gettext_lazy(
            "Applications: advance / reject. Labs: pass / rectify / fail "
            "(acceptance, Art. 19), excellent / qualified / unqualified "
            "(evaluation, Art. 27)."
        ),
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text=gettext_lazy("Required when rejecting.")
    )


class RoundTransitionSerializer(TransitionRequestSerializer):
    due = serializers.DateField(required=False, validators=[sane_date(gettext_lazy("Scores due"))],
                                help_text=gettext_lazy("reschedule: the experts' new scoring deadline."))
    short_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text=gettext_lazy("conclude: why the round ends before every assigned expert has submitted (then at least "
                               "two thirds of each entry's experts must have; Art. 13)."),
    )
    decisions = serializers.DictField(
        child=DecisionSerializer(),
        required=False,
        help_text=gettext_lazy(
            'conclude: a decision per application of the round, {application id: {"action": '
            '"advance"|"reject", "reason": "..."}} (Art. 13); for a round of laboratories '
            "the verdict or result and the experts' opinion (also at /api/lab-rounds/, by lab id)."
        ),
    )

    def validate_decisions(self, value):
        """The service's shape: {application id: (action, reason)}."""
        bad = [key for key in value if not str(key).isdecimal()]
        if bad:
            raise ValidationError(_("Keys are application ids; not an id: %(keys)s") % {"keys": ", ".join(map(str, bad))})
        return {str(key): (row["action"], row.get("reason", "")) for key, row in value.items()}


class RoundFilter(IdFilterSet):
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices, label=gettext_lazy("status"))

    class Meta:
        model = ReviewRound
        fields = ["status", "committee"]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Expert review rounds")),
    retrieve=extend_schema(summary=gettext_lazy("A round with the counts of its applications and assignments")),
    create=extend_schema(
        summary=gettext_lazy("Open a round for applications that passed formal review"),
        request=RoundCreateSerializer,
        responses={201: RoundSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(RoundSerializer, RoundTransitionSerializer, names=declared_transition_names(ReviewRound)),
)
class RoundViewSet(TransitionsMixin, RoundExpertsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Expert review (专家评审) rounds: ministry staff open them, assign experts and conclude them."""

    permission_classes = [IsMinistryStaff]
    filterset_class = RoundFilter
    transition_serializer_class = RoundTransitionSerializer

    def get_queryset(self):
        if is_schema_view(self):
            return ReviewRound.objects.none()
        return staff_only(ReviewRound.objects.for_table(), self.request.user)

    def get_serializer_class(self):
        return RoundCreateSerializer if self.action == "create" else RoundSerializer

    def _detail(self, pk, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=pk)
        return Response(RoundSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=gettext_lazy("The round's applications, a page at a time, each with its experts"),
        responses={200: RoundEntryDetailSerializer(many=True), 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def entries(self, request, pk=None):
        review_round = self.get_object()
        page = self.paginate_queryset(RoundEntry.objects.filter(round=review_round)
                                      .select_related("application", "application__host").order_by("pk"))
        experts = defaultdict(list)
        for assignment in (Assignment.objects.visible_to(request.user)
                           .filter(round=review_round, application_id__in=[entry.application_id for entry in page])
                           .select_related("expert", "expert__organisation").order_by("application_id", "pk")):
            experts[assignment.application_id].append(assignment)
        for entry in page:
            entry.expert_assignments = experts[entry.application_id]
        data = RoundEntryDetailSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def create(self, request, *args, **kwargs):
        serializer = RoundCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            review_round = services.open_round(data["title"], data["committee"], data["criteria_set"], data["applications"],
                                               request.user, scoring_due=data["scoring_due"])
        return self._detail(review_round.pk, status.HTTP_201_CREATED)

    def transition_response(self, obj):
        return self._detail(obj.pk)
