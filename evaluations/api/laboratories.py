"""`/api/laboratories/`: the laboratories visible to you; the host keeps the lab's people (Art. 14-16) and
applies for acceptance (Art. 18), SAMR and MIIT confirm it (Art. 19); a termination or removal is proposed, answered
by the host in writing and signed by both (Art. 18, 19, 25, 27)."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

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
from kernel.models import AuditEntry, Deadline
from kernel.rules import RuleViolation
from kernel.signoffs import signoffs
from reviews.models import ReviewRound

from .. import lifecycle, services
from ..models import CONFIRM_ACCEPTANCE, DELIST, TERMINATE, Laboratory, LabStatus, RecommenderOpinion
from ..rules import is_lab_host, reads_proposals
from .common import RESULTS
from .detail_parts import (
    DeadlineSerializer,
    LabTimelineEntrySerializer,
    OpinionRequestSerializer,
    ProposalSerializer,
    RecommenderOpinionSerializer,
    ReportDueSerializer,
    SignOffSerializer,
    StatementSerializer,
)
from .public_approved import LaboratoryFilter, PublicLaboratorySerializer, _table


class LaboratorySerializer(PublicLaboratorySerializer):
    """A row of the list: only what `_table()` loads (no query per row)."""

    latest_result = named_choice_field("EvaluationResultEnum", RESULTS, read_only=True)
    is_excellent = serializers.BooleanField(read_only=True)

    class Meta(PublicLaboratorySerializer.Meta):
        fields = [*PublicLaboratorySerializer.Meta.fields, "application", "province", "extension_granted",
                  "operation_started_on", "latest_result", "is_excellent"]
        read_only_fields = fields


def _date(value):
    return serializers.DateField().to_representation(value)


class LaboratoryDetailSerializer(WithTransitions, LaboratorySerializer):
    """The whole lab: its people (Art. 14-16), clocks, sign-offs, what the requester may do now."""

    research_directions = serializers.ListField(child=serializers.CharField(), read_only=True)
    latest_result_display = ChoiceLabelField(source="latest_result")
    chair_is_inside = serializers.SerializerMethodField(
        help_text=gettext_lazy("The academic committee chair is from the host or a consortium member; generally "
                               "the chair is from outside (Art. 15)."),
    )
    acceptance_confirmed = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("Both SAMR and MIIT confirmed the acceptance (Art. 19)."),
    )
    extension_cutoff = serializers.SerializerMethodField(
        help_text=gettext_lazy("During construction: the last day to request an extension (Art. 18)."),
    )
    acceptance_opens_on = serializers.SerializerMethodField(
        help_text=gettext_lazy("During construction: the first day acceptance may be applied for (Art. 18)."),
    )
    deadlines = serializers.SerializerMethodField()
    signoffs = serializers.SerializerMethodField()
    may_edit = serializers.SerializerMethodField(help_text=gettext_lazy("You may PATCH the lab's people (Art. 14-16)."))
    may_request_extension = serializers.SerializerMethodField()
    may_report_change = serializers.SerializerMethodField()
    reports_due = serializers.SerializerMethodField(help_text=gettext_lazy("Annual reports you may file now."))
    timeline = serializers.SerializerMethodField()
    proposals = serializers.SerializerMethodField(
        help_text=gettext_lazy("Proposed terminations and removals with the host's written statement (Art. 18, 19, 25, "
                               "27): for the host's users and ministry staff; empty for others."),
    )
    may_make_statement = serializers.SerializerMethodField(
        help_text=gettext_lazy("You may POST the host's written statement on the open proposal to `statement/`."),
    )
    recommender_opinions = serializers.SerializerMethodField(
        help_text=gettext_lazy("The recommenders' opinions on the lab's acceptance and evaluation rounds (Art. 10): all of "
                               "them for ministry staff, its own for a recommender, none for others."),
    )
    may_give_opinion = serializers.SerializerMethodField(
        help_text=gettext_lazy("You may POST your organisation's opinion on the round the lab is being scored in to "
                               "`opinion/` (Art. 10)."),
    )

    class Meta(LaboratorySerializer.Meta):
        fields = [
            *LaboratorySerializer.Meta.fields, "name_en_subject", "research_directions",
            *services.LAB_PEOPLE_FIELDS, "chair_is_inside",
            "extension_cutoff", "acceptance_opens_on", "acceptance_rectified", "acceptance_confirmed",
            "evaluation_rectified", "latest_result_display",
            "deadlines", "signoffs", "available_transitions", "may_edit", "may_request_extension", "may_report_change",
            "reports_due", "timeline", "proposals", "may_make_statement", "recommender_opinions", "may_give_opinion",
        ]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return request.user if request is not None else None

    def get_chair_is_inside(self, obj) -> bool:
        return obj.chair_is_inside()

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_extension_cutoff(self, obj):
        return _date(lifecycle.extension_cutoff(obj)) if obj.status == LabStatus.CONSTRUCTION else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_acceptance_opens_on(self, obj):
        return _date(lifecycle.acceptance_opens_on(obj)) if obj.status == LabStatus.CONSTRUCTION else None

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, obj):
        return DeadlineSerializer(Deadline.objects.for_object(obj).order_by("due_date", "pk"), many=True).data

    @extend_schema_field(SignOffSerializer(many=True))
    def get_signoffs(self, obj):
        rows = [row for decision in (CONFIRM_ACCEPTANCE, TERMINATE, DELIST)
                for row in signoffs(obj, decision).select_related("signed_by")]
        return SignOffSerializer(rows, many=True).data

    def get_may_edit(self, obj) -> bool:
        return services.may_edit_lab(obj, self._user())

    def get_may_request_extension(self, obj) -> bool:
        return services.may_request_extension(obj, self._user())

    def get_may_report_change(self, obj) -> bool:
        return services.may_report_change(obj, self._user())

    @extend_schema_field(ReportDueSerializer(many=True))
    def get_reports_due(self, obj):
        due = services.reports_due(obj, self._user())
        return ReportDueSerializer([{"kind": kind, "due_date": d.due_date, "period": services.report_period(obj, kind, d)}
                                    for kind, d in due.items()], many=True).data

    @extend_schema_field(ProposalSerializer(many=True))
    def get_proposals(self, obj):
        if not reads_proposals(self._user(), obj):
            return []
        rows = obj.proposals.select_related("proposed_by", "statement_by").prefetch_related("attachments")
        return ProposalSerializer(rows, many=True, context=self.context).data

    def get_may_make_statement(self, obj) -> bool:
        return services.may_make_statement(obj, self._user())

    @extend_schema_field(RecommenderOpinionSerializer(many=True))
    def get_recommender_opinions(self, obj):
        rows = (RecommenderOpinion.objects.visible_to(self._user()).filter(laboratory=obj)
                .select_related("entry__round", "recommender", "author").order_by("-entry__round__opened_at", "pk"))
        return RecommenderOpinionSerializer(rows, many=True).data

    def get_may_give_opinion(self, obj) -> bool:
        return services.may_give_opinion(obj, self._user())

    @extend_schema_field(LabTimelineEntrySerializer(many=True))
    def get_timeline(self, obj):
        return LabTimelineEntrySerializer(AuditEntry.objects.for_object(obj).timeline(), many=True).data


class LabPeopleSerializer(serializers.ModelSerializer):
    """The lab's own data its host keeps (Art. 14-16). What is required is the service's rule, with its article."""

    class Meta:
        model = Laboratory
        fields = list(services.LAB_PEOPLE_FIELDS)
        extra_kwargs = {name: {"required": False, "allow_blank": True} for name in services.LAB_PEOPLE_FIELDS}


class GoalStatementSerializer(serializers.Serializer):
    goal = serializers.CharField(allow_blank=True, max_length=5000)
    achieved = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class LabTransitionSerializer(TransitionRequestSerializer):
    """apply_for_acceptance takes the construction report and, per goal of the build plan, what was achieved."""

    report = serializers.CharField(
        required=False, allow_blank=True, max_length=100000,
        help_text=gettext_lazy("apply_for_acceptance: the construction report against the build plan (Art. 17-18)."),
    )
    goal_statements = GoalStatementSerializer(
        many=True, required=False,
        help_text=gettext_lazy("apply_for_acceptance: [{\"goal\": ..., \"achieved\": ...}] per goal of the build plan."),
    )

    def validate_goal_statements(self, rows):
        statements, errors = [], {}
        for index, row in enumerate(rows):
            goal, achieved = row["goal"].strip(), row.get("achieved", "").strip()
            if not goal:
                continue
            if not achieved:
                errors[index] = {"achieved": [_("Say what was achieved for this goal.")]}
            statements.append({"goal": goal, "achieved": achieved})
        if errors:
            raise ValidationError(errors)
        return statements


class VisibleLaboratoryFilter(LaboratoryFilter):
    status = django_filters.ChoiceFilter(choices=LabStatus.choices, label=gettext_lazy("status"))

    class Meta(LaboratoryFilter.Meta):
        fields = ["status", "field", "province"]


LAB_TRANSITIONS = declared_transition_names(Laboratory)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Laboratories visible to you")),
    retrieve=extend_schema(summary=gettext_lazy("A laboratory: people, clocks, sign-offs and what you may do now")),
    partial_update=extend_schema(
        summary=gettext_lazy("Keep the lab's director, committee chair, research units and staff (Art. 14-16)"),
        description=gettext_lazy("The host institution's users, while the lab is active. The director needs a "
                                 "position at the host (Art. 14); the chair's organisation is required with a chair "
                                 "(Art. 15). `chair_is_inside` in the answer warns of a chair from the host."),
        request=LabPeopleSerializer, responses={200: LaboratoryDetailSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(LaboratoryDetailSerializer, LabTransitionSerializer, names=LAB_TRANSITIONS),
)
class LaboratoryViewSet(TransitionsMixin, viewsets.ReadOnlyModelViewSet):
    """Laboratories: the host applies for acceptance (Art. 18), SAMR and MIIT each confirm it (Art. 19) and
    each sign a delisting with its reason (Art. 25). The steps the ministries take in a round, a notice or
    the deadline sweep (verdicts, results, publicity, termination) are refused here (409)."""

    filterset_class = VisibleLaboratoryFilter
    transition_serializer_class = LabTransitionSerializer

    def get_queryset(self):
        if is_schema_view(self):
            return Laboratory.objects.none()
        queryset = _table(Laboratory.objects.visible_to(self.request.user))
        if self.action != "list":  # the whole lab
            queryset = queryset.defer(None).select_related("application")
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return LaboratorySerializer
        if self.action == "partial_update":
            return LabPeopleSerializer
        return LaboratoryDetailSerializer

    def get_transition_response_serializer_class(self):
        return LaboratoryDetailSerializer

    def _detail(self, pk):
        fresh = self.get_queryset().get(pk=pk)
        return Response(LaboratoryDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=gettext_lazy("The host's written statement on the proposed termination or removal"),
        description=gettext_lazy("multipart/form-data: `statement` (text) and up to 10 `files`, checked by content. Once, "
                                 "within the statement period; SAMR and MIIT decide only after it (or its time)."),
        request={"multipart/form-data": StatementSerializer}, responses={200: LaboratoryDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def statement(self, request, pk=None):
        lab = self.get_object()
        services.make_statement(lab, request.user, request.data.get("statement", ""), request.FILES.getlist("files"))
        return self._detail(lab.pk)

    @extend_schema(
        summary=gettext_lazy("A recommender's opinion on the lab in an acceptance or evaluation round (Art. 10)"),
        description=gettext_lazy("For a recommending organisation that recommended the laboratory, while the round is "
                                 "open: `text`, and `round` (by default the round the lab is being scored in now). "
                                 "One per organisation and round; posting again replaces it until the round concludes."),
        request=OpinionRequestSerializer, responses={200: LaboratoryDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def opinion(self, request, pk=None):
        lab = self.get_object()
        serializer = OpinionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review_round = None
        if serializer.validated_data.get("round") is not None:
            review_round = ReviewRound.objects.filter(pk=serializer.validated_data["round"]).first()
            if review_round is None:
                raise RuleViolation(_("No such round."), field="round")
        services.give_recommender_opinion(lab, request.user, serializer.validated_data["text"], review_round=review_round)
        return self._detail(lab.pk)

    def partial_update(self, request, *args, **kwargs):
        lab = self.get_object()
        if not is_lab_host(request.user, lab):
            raise PermissionDenied(_("Only the host institution's users keep the lab's data."))
        serializer = LabPeopleSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {name: getattr(lab, name) for name in services.LAB_PEOPLE_FIELDS}
        data.update(serializer.validated_data)
        services.update_lab_people(lab, request.user, data)
        return self._detail(lab.pk)
