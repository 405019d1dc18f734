"""`/api/assignments/`: an expert's review of one application in a round. The expert declares no conflict
(Art. 9), saves draft scores and submits them; scores are blind until one's own are submitted."""

from collections import OrderedDict

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from kernel.api_views import (
    ERROR_RESPONSES,
    ChoiceLabelField,
    TransitionsMixin,
    WithTransitions,
    declared_transition_names,
    is_schema_view,
    named_choice_field,
    transition_schema,
)
from kernel.filters import IdFilterSet

from .. import services
from ..models import Assignment, AssignmentStatus, Criterion, ReviewRound, RoundStatus, Score
from .common import ApplicationBriefSerializer, PersonNameSerializer, PersonSerializer
from .criteria import CriterionSerializer


class RoundBriefSerializer(serializers.ModelSerializer):
    status = named_choice_field("RoundStatusEnum", RoundStatus.choices, read_only=True)

    class Meta:
        model = ReviewRound
        fields = ["id", "title", "status"]
        read_only_fields = fields


class ScoreSerializer(serializers.ModelSerializer):
    criterion_title = serializers.CharField(source="criterion.title", read_only=True)
    weight = serializers.DecimalField(source="criterion.weight", max_digits=5, decimal_places=2, read_only=True)

    class Meta:
        model = Score
        fields = ["criterion", "criterion_title", "weight", "value", "comment"]
        read_only_fields = fields


class AssignmentSerializer(WithTransitions, serializers.ModelSerializer):
    round = RoundBriefSerializer(read_only=True)
    application = ApplicationBriefSerializer(read_only=True)
    expert = PersonSerializer(read_only=True)
    status = named_choice_field("AssignmentStatusEnum", AssignmentStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "round",
            "application",
            "expert",
            "status",
            "status_display",
            "assigned_at",
            "declared_at",
            "submitted_at",
            "available_transitions",
        ]
        read_only_fields = fields


class AssignmentDetailSerializer(AssignmentSerializer):
    """With the round's criteria and the scores of this assignment (the expert's own)."""

    criteria = CriterionSerializer(source="round.criteria_set.criteria", many=True, read_only=True)
    scores = serializers.SerializerMethodField()
    weighted_total = serializers.SerializerMethodField(help_text=gettext_lazy("Σ score × weight / 100 of the scores saved."))

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "overall_comment", "criteria", "scores", "weighted_total"]
        read_only_fields = fields

    @extend_schema_field(ScoreSerializer(many=True))
    def get_scores(self, obj):
        request = self.context.get("request")
        if request is None:
            return []
        scores = (
            Score.objects.visible_to(request.user)
            .filter(assignment=obj)
            .select_related("criterion")
            .order_by("criterion__order", "criterion_id")
        )
        return ScoreSerializer(scores, many=True).data

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True))
    def get_weighted_total(self, obj):
        total = obj.weighted_total  # the model's formula over this assignment's (prefetched) scores
        return None if total is None else serializers.DecimalField(max_digits=7, decimal_places=2).to_representation(total)


def assignment_queryset(queryset, detail=False):
    queryset = queryset.select_related("round", "application", "application__host", "expert", "expert__organisation").order_by(
        "-assigned_at", "-pk"
    )
    if detail:
        queryset = queryset.select_related("round__criteria_set").prefetch_related(
            Prefetch("round__criteria_set__criteria", queryset=Criterion.objects.order_by("order", "pk")),
            Prefetch("scores", queryset=Score.objects.select_related("criterion")),
        )
    return queryset


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    value = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        allow_null=True,
        required=False,
        help_text=gettext_lazy("0-100; null or omitted: not scored yet."),
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ScoreSheetSerializer(serializers.Serializer):
    scores = ScoreInputSerializer(many=True)
    overall_comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)

    def validate_scores(self, rows):
        seen = set()
        for row in rows:
            if row["criterion"] in seen:
                raise ValidationError(_("Criterion %(id)s is given twice.") % {"id": row["criterion"]})
            seen.add(row["criterion"])
        return rows


class OtherExpertScoresSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    expert = PersonNameSerializer()
    status = named_choice_field("AssignmentStatusEnum", AssignmentStatus.choices)
    overall_comment = serializers.CharField()
    scores = ScoreSerializer(many=True)


class AssignmentFilter(IdFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AssignmentStatus.choices, label=gettext_lazy("status"))

    class Meta:
        model = Assignment
        fields = ["status", "round", "application"]


def _score_errors(exc, rows):
    """The service names a bad score `criterion_<id>`: name the row of the request instead."""
    if not hasattr(exc, "error_dict"):
        return exc
    index = {f"criterion_{row['criterion']}": i for i, row in enumerate(rows)}
    keys = set(exc.message_dict)
    if not keys or not keys <= set(index):
        return exc
    return ValidationError({"scores": {index[k]: {"value": [str(m) for m in v]} for k, v in exc.message_dict.items()}})


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Review assignments visible to you (an expert: their own)")),
    retrieve=extend_schema(summary=gettext_lazy("An assignment with the round's criteria and its scores")),
    transition=transition_schema(AssignmentDetailSerializer, names=declared_transition_names(Assignment)),
)
class AssignmentViewSet(TransitionsMixin, viewsets.ReadOnlyModelViewSet):
    """An expert declares no conflict (Art. 9), saves draft scores and submits them; staff may withdraw."""

    filterset_class = AssignmentFilter

    def get_queryset(self):
        if is_schema_view(self):
            return Assignment.objects.none()
        return assignment_queryset(Assignment.objects.visible_to(self.request.user), detail=self.action != "list")

    def get_serializer_class(self):
        return AssignmentSerializer if self.action == "list" else AssignmentDetailSerializer

    @extend_schema(
        summary=gettext_lazy("Save draft scores (the assigned expert, after declaring no conflict)"),
        request=ScoreSheetSerializer,
        responses={200: AssignmentDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["put"], url_path="scores", url_name="scores", filter_backends=[], pagination_class=None)
    def scores(self, request, pk=None):
        assignment = self.get_object()
        serializer = ScoreSheetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data["scores"]
        values = OrderedDict((row["criterion"], (row.get("value"), row.get("comment", ""))) for row in rows)
        with transaction.atomic():
            locked = Assignment.objects.select_for_update().select_related("round").get(pk=assignment.pk)
            try:
                services.save_scores(locked, request.user, values, serializer.validated_data.get("overall_comment", ""))
            except DjangoValidationError as exc:
                raise _score_errors(exc, rows) from exc
        return self.transition_response(assignment)

    @extend_schema(
        summary=gettext_lazy("The scores on this application that you may see"),
        description=gettext_lazy(
            "Blind scoring: an expert sees the other experts' scores only once their own are submitted; before that, only their own."
        ),
        responses={200: OtherExpertScoresSerializer(many=True), 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path="all-scores", url_name="all-scores", filter_backends=[], pagination_class=None)
    def all_scores(self, request, pk=None):
        assignment = self.get_object()
        scores = (
            Score.objects.visible_to(request.user)
            .filter(assignment__round_id=assignment.round_id, assignment__application_id=assignment.application_id)
            .select_related("assignment", "assignment__expert", "criterion")
            .order_by("assignment_id", "criterion__order", "criterion_id")
        )
        groups = OrderedDict()
        for score in scores:
            a = score.assignment
            group = groups.setdefault(
                a.pk, {"assignment": a.pk, "expert": a.expert, "status": a.status, "overall_comment": a.overall_comment, "scores": []}
            )
            group["scores"].append(score)
        return Response(OtherExpertScoresSerializer(list(groups.values()), many=True).data)
