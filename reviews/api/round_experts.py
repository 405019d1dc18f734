"""The experts of a round and its results, actions of `/api/rounds/<id>/`: assign an expert (Art. 9), the
committee members who may be assigned, the automatic assignment (propose, then confirm), and the aggregate and
ranking of the submitted scores."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.models import Role, User
from applications.models import Application
from kernel.api_views import ERROR_RESPONSES, named_choice_field

from .. import autoassign, services
from ..models import Assignment, AssignmentProposal, CommitteeMember, Position, RoundEntry
from .assignments import AssignmentDetailSerializer, assignment_queryset
from .common import ApplicationBriefSerializer, PersonNameSerializer, PersonSerializer, visible_applications


class AssignExpertSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(queryset=Application.objects.none())
    expert = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=Role.EXPERT, is_active=True))

    def get_fields(self):
        fields = super().get_fields()
        fields["application"].queryset = visible_applications(self)
        return fields


class ExpertTotalSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(source="assignment.pk", read_only=True)
    expert = PersonNameSerializer(source="assignment.expert", read_only=True)
    total = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, help_text=gettext_lazy("Weighted total of this expert's scores (0-100).")
    )
    deviates = serializers.BooleanField(read_only=True, help_text=gettext_lazy("Far from the mean of the other experts."))


class RoundResultSerializer(serializers.Serializer):
    """One line of `reviews.services.round_results`."""

    rank = serializers.IntegerField(read_only=True, allow_null=True)
    application = ApplicationBriefSerializer(read_only=True)
    outcome = named_choice_field("RoundEntryOutcomeEnum", RoundEntry.Outcome.choices, source="entry.outcome", read_only=True)
    reason = serializers.CharField(source="entry.reason", read_only=True)
    count = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Experts who submitted."))
    mean = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, allow_null=True)
    spread = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, allow_null=True)
    stdev = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, allow_null=True)
    pending = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Assignments not yet submitted."))
    flagged = serializers.BooleanField(read_only=True)
    totals = ExpertTotalSerializer(many=True, read_only=True)


class SuggestedExpertSerializer(serializers.ModelSerializer):
    expert = PersonSerializer(read_only=True)
    position = named_choice_field("CommitteePositionEnum", Position.choices, read_only=True)
    fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    in_field = serializers.SerializerMethodField(help_text=gettext_lazy("Works in the application's field."))

    class Meta:
        model = CommitteeMember
        fields = ["id", "expert", "position", "fields", "in_field"]
        read_only_fields = fields

    def get_in_field(self, obj) -> bool:
        return self.context["application"].field in (obj.fields or [])


class AutoAssignSerializer(serializers.Serializer):
    per_subject = serializers.IntegerField(required=False, min_value=1, max_value=15,
                                           help_text=gettext_lazy("Experts per entry, odd (default 5, 3 for laboratories)."))
    max_load = serializers.IntegerField(required=False, min_value=1, max_value=500,
                                        help_text=gettext_lazy("Maximum load per expert (default: an even share and one more)."))
    spread_leaders = serializers.BooleanField(required=False, default=True,
                                              help_text=gettext_lazy("At most one chair or vice-chair per entry."))


class AssignmentProposalSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssignmentProposal
        fields = ["id", "per_subject", "max_load", "spread_leaders", "cells", "report", "made_at", "edited", "confirmed_at"]
        read_only_fields = fields


class RoundExpertsMixin:
    """The expert actions of the round viewset (its `get_object()` decides what is visible)."""

    @extend_schema(
        summary=gettext_lazy("Assign an expert of the committee to an application of the round"),
        description=gettext_lazy("An expert of the host or of a consortium member is refused (Art. 9)."),
        request=AssignExpertSerializer,
        responses={201: AssignmentDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="assignments", url_name="assign", filter_backends=[], pagination_class=None)
    def assign(self, request, pk=None):
        review_round = self.get_object()
        serializer = AssignExpertSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            assignment = services.assign_expert(
                review_round, serializer.validated_data["application"], serializer.validated_data["expert"], request.user
            )
        fresh = assignment_queryset(Assignment.objects.visible_to(request.user), detail=True).get(pk=assignment.pk)
        data = AssignmentDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Propose an automatic assignment of the round's entries"),
        description=gettext_lazy("Nothing is assigned: the proposal ({application id: [expert ids]}, with its report) is "
                                 "kept until confirmed. No proposed expert is in conflict of interest (Art. 9)."),
        request=AutoAssignSerializer, responses={201: AssignmentProposalSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="auto-assign", url_name="auto-assign", filter_backends=[],
            pagination_class=None)
    def auto_assign(self, request, pk=None):
        review_round = self.get_object()
        serializer = AutoAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = autoassign.propose(review_round, request.user, **serializer.validated_data)
        return Response(AssignmentProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Confirm a proposed assignment: every cell assigned in one step"),
        description=gettext_lazy("Refused if the round's assignments changed since it was proposed, or if a cell is now in "
                                 "conflict (Art. 9)."),
        request=None, responses={200: AssignmentProposalSerializer, **ERROR_RESPONSES},
        parameters=[OpenApiParameter("proposal_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"auto-assign/(?P<proposal_id>\d+)/confirm",
            url_name="auto-assign-confirm", filter_backends=[], pagination_class=None)
    def confirm_auto_assign(self, request, pk=None, proposal_id=None):
        review_round = self.get_object()
        proposal = get_object_or_404(AssignmentProposal, pk=proposal_id, round=review_round)
        autoassign.confirm(proposal, request.user)
        proposal.refresh_from_db()
        return Response(AssignmentProposalSerializer(proposal).data)

    @extend_schema(
        summary=gettext_lazy("The round's aggregate and ranking"),
        description=gettext_lazy(
            "Weighted mean, spread, standard deviation and count of submitted scores per "
            "application, ranked by mean; `deviates` flags an expert far from the others."
        ),
        responses={200: RoundResultSerializer(many=True), 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def results(self, request, pk=None):
        review_round = self.get_object()
        results = services.round_results(review_round)
        return Response(RoundResultSerializer(results, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=gettext_lazy("Committee members who may be assigned to an application"),
        description=gettext_lazy(
            "Free of conflict (not of the host or a consortium member, Art. 9) and not yet "
            "assigned; those of the application's field first."
        ),
        parameters=[OpenApiParameter("application", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True)],
        responses={200: SuggestedExpertSerializer(many=True), **ERROR_RESPONSES},
    )
    @action(
        detail=True, methods=["get"], url_path="suggested-experts", url_name="suggested-experts", filter_backends=[], pagination_class=None
    )
    def suggested_experts(self, request, pk=None):
        review_round = self.get_object()
        raw = request.query_params.get("application", "").strip()
        if not raw.isdecimal():
            raise ValidationError({"application": [_("Give the id of an application of the round.")]})
        application = get_object_or_404(Application.objects.visible_to(request.user).select_related("host"), pk=int(raw))
        if not review_round.entries.filter(application=application).exists():
            raise ValidationError({"application": [_("This application is not in the round.")]})
        members = services.suggested_experts(review_round, application)
        context = {**self.get_serializer_context(), "application": application}
        return Response(SuggestedExpertSerializer(members, many=True, context=context).data)
