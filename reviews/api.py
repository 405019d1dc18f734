"""REST API of the ministry stage (Art. 7-9, 13): committees, criteria, formal-review checklist, expert
review rounds and assignments (blind scoring), site inspections, publicity notices and objections, and
the public (no-login) notices with their objection form.

The same conventions as `applications.api`: what a user may not see is a 404 (querysets come from the
models' `visible_to(user)` / `public()`), status changes only through `transitions/<name>/`
(`kernel.api_views.TransitionsMixin` → `run_transition`), everything else through
`reviews.services`; refusals are 400/403/409 with `detail` and, where a rule applies, `article`
(`kernel.api.exception_handler`). Formal review itself is the application transitions
`pass_formal_review` / `request_supplement` / `reject_formally` with `checks`, at /api/applications/.
"""

from collections import OrderedDict

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.models import Role, User
from applications.models import Application, Status
from applications.permissions import is_ministry_staff
from applications.uploads import inspect_upload
from kernel import throttle
from kernel.api_views import (
    ERROR_RESPONSES,
    AvailableTransitionSerializer,
    TransitionRequestSerializer,
    TransitionsMixin,
    is_schema_view,
    named_choice_field,
    transition_schema,
)
from kernel.formatting import mask_identifier
from kernel.transitions import available_transitions

from . import services
from .models import (
    Assignment,
    AssignmentStatus,
    CommitteeMember,
    CommitteeStatus,
    CriteriaSet,
    Criterion,
    ExpertCommittee,
    FormalReviewItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Position,
    PublicityNotice,
    ReviewRound,
    RoundEntry,
    RoundStatus,
    Score,
    SiteInspection,
)
from .subjects import decision_choices

# --- who may use the staff endpoints -------------------------------------------------------------


def is_staff_reader(user):
    """SAMR/MIIT staff, and portal administrators (who may look; the services and transitions refuse
    them any action)."""
    return bool(
        user is not None and user.is_authenticated and user.is_active
        and (user.is_superuser or user.role == Role.ADMINISTRATOR or is_ministry_staff(None, user))
    )


class IsMinistryStaff(BasePermission):
    """The ministry-side resources: 403 for anyone but SAMR/MIIT staff (and administrators)."""

    message = gettext_lazy("Only SAMR or MIIT staff can use this.")

    def has_permission(self, request, view):
        return is_staff_reader(request.user)


def staff_only(queryset, user):
    """Models without a `visible_to` of their own are the ministries' working data: nothing for others."""
    return queryset if is_staff_reader(user) else queryset.none()


def _file_errors(exc, field_name):
    """`inspect_upload` names its field `file`; name the API's field instead."""
    messages = exc.message_dict.get("file", exc.messages) if hasattr(exc, "error_dict") else exc.messages
    return ValidationError({field_name: [str(m) for m in messages]})


def _checked_file(uploaded, field_name):
    if uploaded is None:
        return None
    try:
        inspect_upload(uploaded)
    except DjangoValidationError as exc:
        raise _file_errors(exc, field_name) from exc
    return uploaded


def _download(field_file, name):
    if not field_file:
        raise Http404(_("There is no such file."))
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing.")) from exc
    response = FileResponse(handle, as_attachment=True, filename=name or field_file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- small shared serializers -------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    """A user as named inside another resource (experts, staff)."""

    organisation_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "full_name", "organisation_name"]
        read_only_fields = fields

    def get_organisation_name(self, obj) -> str:
        return obj.organisation.name if obj.organisation_id else ""


class PersonNameSerializer(serializers.ModelSerializer):
    """A user by name only (where the organisation is not loaded)."""

    class Meta:
        model = User
        fields = ["id", "full_name"]
        read_only_fields = fields


class HostNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    province = serializers.CharField(read_only=True)


class ApplicationBriefSerializer(serializers.ModelSerializer):
    """An application as named inside a ministry resource (needs `host` loaded)."""

    host = HostNameSerializer(read_only=True)
    status = named_choice_field("ApplicationStatusEnum", Status.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    field_display = serializers.CharField(source="get_field_display", read_only=True)

    class Meta:
        model = Application
        fields = ["id", "name_zh", "host", "field", "field_display", "status", "status_display"]
        read_only_fields = fields


class TransitionsField(serializers.SerializerMethodField):
    """The actions the requesting user may take now on the object."""

    def __init__(self, **kwargs):
        super().__init__(method_name="_available_transitions", **kwargs)


class _WithTransitions(serializers.ModelSerializer):
    available_transitions = TransitionsField()

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def _available_transitions(self, obj):
        request = self.context.get("request")
        if request is None:
            return []
        return AvailableTransitionSerializer(available_transitions(obj, request.user), many=True).data


def _names(model):
    return sorted({t.name for t in model._meta.get_field("status").get_all_transitions(model)})


# --- committees (Art. 9) ------------------------------------------------------------------------


class CommitteeMemberSerializer(serializers.ModelSerializer):
    expert = PersonSerializer(read_only=True)
    position = named_choice_field("CommitteePositionEnum", Position.choices, read_only=True)
    position_display = serializers.CharField(source="get_position_display", read_only=True)
    fields = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=gettext_lazy("Fields (Art. 4)."))

    class Meta:
        model = CommitteeMember
        fields = ["id", "expert", "position", "position_display", "fields"]
        read_only_fields = fields


class CommitteeSerializer(_WithTransitions):
    status = named_choice_field("CommitteeStatusEnum", CommitteeStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_usable = serializers.SerializerMethodField(help_text=gettext_lazy("Active and within its 2-year term: can be given work."))
    members = CommitteeMemberSerializer(many=True, read_only=True)

    class Meta:
        model = ExpertCommittee
        fields = ["id", "name", "status", "status_display", "term_start", "term_end", "is_usable", "members",
                  "available_transitions"]
        read_only_fields = fields

    def get_is_usable(self, obj) -> bool:
        return obj.is_usable()


class CommitteeDetailSerializer(CommitteeSerializer):
    composition_errors = serializers.SerializerMethodField(
        help_text=gettext_lazy("What Art. 9 still requires before the committee can be activated (empty: nothing)."),
    )

    class Meta(CommitteeSerializer.Meta):
        fields = [*CommitteeSerializer.Meta.fields, "composition_errors"]
        read_only_fields = fields

    def get_composition_errors(self, obj) -> list[str]:
        return [str(e) for e in obj.composition_errors()]


class CommitteeTransitionSerializer(TransitionRequestSerializer):
    term_start = serializers.DateField(
        required=False, allow_null=True, help_text=gettext_lazy("activate: first day of the 2-year term (default today)."),
    )


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Expert committees (Art. 9)")),
    retrieve=extend_schema(summary=gettext_lazy("An expert committee with its members and what Art. 9 still requires")),
    transition=transition_schema(CommitteeDetailSerializer, CommitteeTransitionSerializer, names=_names(ExpertCommittee)),
)
class CommitteeViewSet(TransitionsMixin, viewsets.ReadOnlyModelViewSet):
    """Expert committees (ministry staff); `activate` checks the Art. 9 composition."""

    permission_classes = [IsMinistryStaff]
    transition_serializer_class = CommitteeTransitionSerializer
    filterset_fields = []

    def get_queryset(self):
        if is_schema_view(self):
            return ExpertCommittee.objects.none()
        # Meta.ordering (position, pk) orders the members; an explicit order_by here would leak into the
        # GROUP BY of `composition_errors()`, which reads the (prefetched) members manager.
        members = CommitteeMember.objects.select_related("expert", "expert__organisation")
        return staff_only(ExpertCommittee.objects.all(), self.request.user).prefetch_related(Prefetch("members", queryset=members))

    def get_serializer_class(self):
        return CommitteeSerializer if self.action == "list" else CommitteeDetailSerializer


# --- criteria and the formal-review checklist ----------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "title", "article", "guidance", "weight", "order"]
        read_only_fields = fields


class CriteriaSetSerializer(serializers.ModelSerializer):
    purpose = named_choice_field("CriteriaSetPurposeEnum", CriteriaSet.Purpose.choices, read_only=True)
    purpose_display = serializers.CharField(source="get_purpose_display", read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    weight_error = serializers.SerializerMethodField(
        help_text=gettext_lazy("Why the weights are unusable (they must add up to 100); null if fine.")
    )

    class Meta:
        model = CriteriaSet
        fields = ["id", "name", "purpose", "purpose_display", "criteria", "weight_error"]
        read_only_fields = fields

    def get_weight_error(self, obj) -> str | None:
        error = obj.weight_error()
        return str(error) if error else None


@extend_schema_view(list=extend_schema(summary=gettext_lazy("Criteria sets with their criteria and weights")))
class CriteriaSetViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsMinistryStaff]
    serializer_class = CriteriaSetSerializer
    filterset_fields = ["purpose"]

    def get_queryset(self):
        if is_schema_view(self):
            return CriteriaSet.objects.none()
        criteria = Criterion.objects.order_by("order", "pk")
        return (
            staff_only(CriteriaSet.objects.all(), self.request.user)
            .prefetch_related(Prefetch("criteria", queryset=criteria))
            .order_by("name", "pk")
        )


class FormalReviewItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = FormalReviewItem
        fields = ["id", "text", "order", "active"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("The formal review checklist"),
        description=gettext_lazy(
            "Give the ticked items as `checks` ({item id: true/false}) to the application transitions "
            "pass_formal_review, request_supplement and reject_formally; passing needs every active item (Art. 13)."
        ),
    )
)
class FormalReviewItemViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsMinistryStaff]
    serializer_class = FormalReviewItemSerializer
    filterset_fields = ["active"]

    def get_queryset(self):
        if is_schema_view(self):
            return FormalReviewItem.objects.none()
        return staff_only(FormalReviewItem.objects.all(), self.request.user)


# --- expert review rounds ------------------------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class RoundEntrySerializer(serializers.ModelSerializer):
    application = ApplicationBriefSerializer(read_only=True)
    outcome = named_choice_field("RoundEntryOutcomeEnum", RoundEntry.Outcome.choices, read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = RoundEntry
        fields = ["id", "application", "outcome", "outcome_display", "reason"]
        read_only_fields = fields


class RoundAssignmentSerializer(serializers.ModelSerializer):
    """An assignment as listed inside its round."""

    expert = PersonSerializer(read_only=True)
    status = named_choice_field("AssignmentStatusEnum", AssignmentStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "application", "expert", "status", "status_display", "assigned_at", "submitted_at"]
        read_only_fields = fields


class RoundSerializer(_WithTransitions):
    committee = NamedSerializer(read_only=True)
    criteria_set = NamedSerializer(read_only=True)
    status = named_choice_field("RoundStatusEnum", RoundStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    opened_by = PersonNameSerializer(read_only=True)
    entries = RoundEntrySerializer(many=True, read_only=True)

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
            "concluded_at",
            "entries",
            "available_transitions",
        ]
        read_only_fields = fields


class RoundDetailSerializer(RoundSerializer):
    assignments = RoundAssignmentSerializer(many=True, read_only=True)

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "assignments"]
        read_only_fields = fields


def _visible_applications(serializer):
    request = serializer.context.get("request")
    return Application.objects.visible_to(request.user) if request is not None else Application.objects.none()


class RoundCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    committee = serializers.PrimaryKeyRelatedField(queryset=ExpertCommittee.objects.all())
    criteria_set = serializers.PrimaryKeyRelatedField(queryset=CriteriaSet.objects.all())
    applications = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Application.objects.none(),
        help_text=gettext_lazy("Applications that passed formal review."),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["applications"].child_relation.queryset = _visible_applications(self)
        return fields


class AssignExpertSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(queryset=Application.objects.none())
    expert = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=Role.EXPERT, is_active=True))

    def get_fields(self):
        fields = super().get_fields()
        fields["application"].queryset = _visible_applications(self)
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
        bad = [key for key in value if not str(key).isdigit()]
        if bad:
            raise ValidationError(_("Keys are application ids; not an id: %(keys)s") % {"keys": ", ".join(map(str, bad))})
        return {str(key): (row["action"], row.get("reason", "")) for key, row in value.items()}


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


# --- assignments as rounds and /api/assignments/ show them -------------------------------------------


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


class AssignmentSerializer(_WithTransitions):
    round = RoundBriefSerializer(read_only=True)
    application = ApplicationBriefSerializer(read_only=True)
    expert = PersonSerializer(read_only=True)
    status = named_choice_field("AssignmentStatusEnum", AssignmentStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

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


class RoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices, label=gettext_lazy("status"))

    class Meta:
        model = ReviewRound
        fields = ["status", "committee"]


def round_entries():
    return RoundEntry.objects.select_related("application", "application__host").order_by("pk")


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Expert review rounds")),
    retrieve=extend_schema(summary=gettext_lazy("A round with its applications and assignments")),
    create=extend_schema(
        summary=gettext_lazy("Open a round for applications that passed formal review"),
        request=RoundCreateSerializer,
        responses={201: RoundDetailSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(RoundDetailSerializer, RoundTransitionSerializer, names=_names(ReviewRound)),
)
class RoundViewSet(TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Expert review (专家评审) rounds: ministry staff open them, assign experts and conclude them."""

    permission_classes = [IsMinistryStaff]
    filterset_class = RoundFilter
    transition_serializer_class = RoundTransitionSerializer

    def get_queryset(self):
        if is_schema_view(self):
            return ReviewRound.objects.none()
        queryset = (
            staff_only(ReviewRound.objects.all(), self.request.user)
            .select_related("committee", "criteria_set", "opened_by")
            .prefetch_related(Prefetch("entries", queryset=round_entries()))
        )
        if self.action != "list":
            assignments = Assignment.objects.select_related("expert", "expert__organisation").order_by("application_id", "pk")
            queryset = queryset.prefetch_related(Prefetch("assignments", queryset=assignments))
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return RoundCreateSerializer
        return RoundSerializer if self.action == "list" else RoundDetailSerializer

    def _detail(self, pk, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=pk)
        return Response(RoundDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = RoundCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            review_round = services.open_round(data["title"], data["committee"], data["criteria_set"], data["applications"], request.user)
        return self._detail(review_round.pk, status.HTTP_201_CREATED)

    def transition_response(self, obj):
        return self._detail(obj.pk)

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
        if not raw.isdigit():
            raise ValidationError({"application": [_("Give the id of an application of the round.")]})
        application = get_object_or_404(Application.objects.visible_to(request.user).select_related("host"), pk=int(raw))
        if not review_round.entries.filter(application=application).exists():
            raise ValidationError({"application": [_("This application is not in the round.")]})
        members = services.suggested_experts(review_round, application)
        context = {**self.get_serializer_context(), "application": application}
        return Response(SuggestedExpertSerializer(members, many=True, context=context).data)


# --- assignments and scores ----------------------------------------------------------------------


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


class AssignmentFilter(django_filters.FilterSet):
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
    transition=transition_schema(AssignmentDetailSerializer, names=_names(Assignment)),
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


# --- site inspection -----------------------------------------------------------------------------


class SiteInspectionSerializer(serializers.ModelSerializer):
    application = ApplicationBriefSerializer(read_only=True)
    verdict = named_choice_field("InspectionVerdictEnum", SiteInspection.Verdict.choices, read_only=True)
    verdict_display = serializers.CharField(source="get_verdict_display", read_only=True)
    recorded_by = PersonNameSerializer(read_only=True)
    has_report = serializers.SerializerMethodField()

    class Meta:
        model = SiteInspection
        fields = [
            "id",
            "application",
            "team",
            "visited_on",
            "findings",
            "verdict",
            "verdict_display",
            "report_name",
            "has_report",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_has_report(self, obj) -> bool:
        return bool(obj.report)


class SiteInspectionCreateSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(queryset=Application.objects.none())
    team = serializers.CharField(max_length=5000)
    visited_on = serializers.DateField()
    findings = serializers.CharField(max_length=20000)
    verdict = named_choice_field("InspectionVerdictEnum", SiteInspection.Verdict.choices)
    report = serializers.FileField(
        required=False, allow_null=True, help_text=gettext_lazy("Report or photos; checked by content, not by name.")
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["application"].queryset = _visible_applications(self)
        return fields

    def validate_report(self, value):
        return _checked_file(value, "report")


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Site inspections (现场考察)")),
    create=extend_schema(
        summary=gettext_lazy("Record a site inspection; the application moves on (inspected or rejected)"),
        request={"multipart/form-data": SiteInspectionCreateSerializer, "application/json": SiteInspectionCreateSerializer},
        responses={201: SiteInspectionSerializer, **ERROR_RESPONSES},
    ),
)
class SiteInspectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsMinistryStaff]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["application"]

    def get_queryset(self):
        if is_schema_view(self):
            return SiteInspection.objects.none()
        visible = Application.objects.visible_to(self.request.user).values("pk")
        return (
            staff_only(SiteInspection.objects.filter(application__in=visible), self.request.user)
            .select_related("application", "application__host", "recorded_by")
            .order_by("-visited_on", "-pk")
        )

    def get_serializer_class(self):
        return SiteInspectionCreateSerializer if self.action == "create" else SiteInspectionSerializer

    def create(self, request, *args, **kwargs):
        serializer = SiteInspectionCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        application = data.pop("application")
        with transaction.atomic():
            inspection = services.record_site_inspection(application, request.user, **data)
        fresh = self.get_queryset().get(pk=inspection.pk)
        return Response(SiteInspectionSerializer(fresh, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Download the report"),
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        inspection = self.get_object()
        return _download(inspection.report, inspection.report_name)


# --- publicity notices and objections (staff) -------------------------------------------------------


class ObjectionBriefSerializer(serializers.ModelSerializer):
    status = named_choice_field("ObjectionStatusEnum", ObjectionStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Objection
        fields = ["id", "receipt_number", "application", "status", "status_display", "lodged_at"]
        read_only_fields = fields


class NoticeSerializer(_WithTransitions):
    subject = named_choice_field("NoticeSubjectEnum", PublicityNotice.Subject.choices, read_only=True)
    status = named_choice_field("NoticeStatusEnum", NoticeStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    accepts_objections = serializers.SerializerMethodField()
    applications = ApplicationBriefSerializer(many=True, read_only=True)
    objections = ObjectionBriefSerializer(many=True, read_only=True)
    opened_by = PersonNameSerializer(read_only=True)

    class Meta:
        model = PublicityNotice
        fields = [
            "id",
            "title",
            "subject",
            "status",
            "status_display",
            "starts_on",
            "ends_on",
            "working_days",
            "accepts_objections",
            "applications",
            "objections",
            "opened_by",
            "opened_at",
            "closed_at",
            "available_transitions",
        ]
        read_only_fields = fields

    def get_accepts_objections(self, obj) -> bool:
        return obj.accepts_objections()


class NoticeCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    applications = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Application.objects.none(), help_text=gettext_lazy("Inspected applications.")
    )
    starts_on = serializers.DateField(required=False, allow_null=True, help_text=gettext_lazy("Default: today."))
    working_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=60,
        help_text=gettext_lazy("Length of the window in working days (default: the PUBLICITY_WORKING_DAYS setting)."),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["applications"].child_relation.queryset = _visible_applications(self)
        return fields


class NoticeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices, label=gettext_lazy("status"))

    class Meta:
        model = PublicityNotice
        fields = ["status"]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Publicity notices (公示)")),
    create=extend_schema(
        summary=gettext_lazy("Open a publicity notice; its window is counted in working days (Art. 13)"),
        request=NoticeCreateSerializer,
        responses={201: NoticeSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(NoticeSerializer, names=_names(PublicityNotice)),
)
class NoticeViewSet(TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Staff open notices and close them after the window once every objection is resolved."""

    permission_classes = [IsMinistryStaff]
    filterset_class = NoticeFilter

    def get_queryset(self):
        if is_schema_view(self):
            return PublicityNotice.objects.none()
        user = self.request.user
        return (
            staff_only(PublicityNotice.objects.all(), user)
            .select_related("opened_by")
            .prefetch_related(
                Prefetch("applications", queryset=Application.objects.visible_to(user).select_related("host").order_by("pk")),
                Prefetch("objections", queryset=Objection.objects.visible_to(user).order_by("lodged_at", "pk")),
            )
        )

    def get_serializer_class(self):
        return NoticeCreateSerializer if self.action == "create" else NoticeSerializer

    def create(self, request, *args, **kwargs):
        serializer = NoticeCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            notice = services.open_notice(
                data["title"], data["applications"], request.user, starts_on=data.get("starts_on"), working_days=data.get("working_days")
            )
        fresh = self.get_queryset().get(pk=notice.pk)
        return Response(NoticeSerializer(fresh, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)


class ObjectionSerializer(_WithTransitions):
    notice = serializers.PrimaryKeyRelatedField(read_only=True)
    application = ApplicationBriefSerializer(read_only=True)
    objector_kind = named_choice_field("ObjectorKindEnum", Objection.ObjectorKind.choices, read_only=True)
    status = named_choice_field("ObjectionStatusEnum", ObjectionStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    id_number = serializers.SerializerMethodField(
        help_text=gettext_lazy("Masked (110105********1234): the full number stays in the database (PIPL).")
    )
    has_seal_scan = serializers.SerializerMethodField()
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = [
            "id",
            "receipt_number",
            "notice",
            "application",
            "objector_kind",
            "name",
            "id_number",
            "organisation_name",
            "credit_code",
            "legal_representative",
            "contact",
            "grounds",
            "has_seal_scan",
            "has_evidence",
            "status",
            "status_display",
            "resolution",
            "lodged_at",
            "available_transitions",
        ]
        read_only_fields = fields

    def get_id_number(self, obj) -> str:
        return mask_identifier(obj.id_number) if obj.id_number else ""

    def get_has_seal_scan(self, obj) -> bool:
        return bool(obj.seal_scan)

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence)


class ObjectionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ObjectionStatus.choices, label=gettext_lazy("status"))

    class Meta:
        model = Objection
        fields = ["status", "notice", "application"]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Objections lodged during publicity")),
    transition=transition_schema(ObjectionSerializer, names=_names(Objection)),
)
class ObjectionViewSet(TransitionsMixin, viewsets.ReadOnlyModelViewSet):
    """Staff dismiss or sustain each objection, with reasons (a sustained one rejects the application
    when the notice closes)."""

    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilter

    def get_queryset(self):
        if is_schema_view(self):
            return Objection.objects.none()
        return (
            Objection.objects.visible_to(self.request.user)
            .select_related("notice", "application", "application__host")
            .order_by("-lodged_at", "-pk")
        )

    @extend_schema(
        summary=gettext_lazy("Download the seal scan or the evidence"),
        parameters=[OpenApiParameter("which", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["seal_scan", "evidence"])],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<which>seal_scan|evidence)", url_name="file")
    def file(self, request, pk=None, which=None):
        objection = self.get_object()
        return _download(getattr(objection, which), None)


# --- public: notices and the objection form (no login) --------------------------------------------


class ObjectionRateThrottle(BaseThrottle):
    """Stops floods of objections from one address; the same counter as the public form's."""

    def allow_request(self, request, view):
        return throttle.allow_objection(request)

    def wait(self):
        return throttle.retry_after(throttle.OBJECTION_WINDOW_SECONDS)


class PublicApplicationSerializer(serializers.ModelSerializer):
    """What the public may read of an application under notice: name, host and field."""

    name_en = serializers.CharField(read_only=True)
    host = serializers.CharField(source="host.name", read_only=True)
    province = serializers.CharField(source="host.get_province_display", read_only=True)
    field_display = serializers.CharField(source="get_field_display", read_only=True)

    class Meta:
        model = Application
        fields = ["id", "name_zh", "name_en", "host", "province", "field", "field_display"]
        read_only_fields = fields


class PublicNoticeSerializer(serializers.ModelSerializer):
    subject = named_choice_field("NoticeSubjectEnum", PublicityNotice.Subject.choices, read_only=True)
    accepts_objections = serializers.SerializerMethodField()
    applications = PublicApplicationSerializer(many=True, read_only=True)

    class Meta:
        model = PublicityNotice
        fields = ["id", "title", "subject", "starts_on", "ends_on", "working_days", "accepts_objections", "applications"]
        read_only_fields = fields

    def get_accepts_objections(self, obj) -> bool:
        return obj.accepts_objections()


_OBJECTION_TEXT_FIELDS = ["name", "id_number", "organisation_name", "credit_code", "legal_representative", "contact", "grounds"]


class ObjectionLodgeSerializer(serializers.ModelSerializer):
    """The public objection form. Which fields are required is the model's real-name rule (Art. 13)."""

    application = serializers.PrimaryKeyRelatedField(
        queryset=Application.objects.public(), help_text=gettext_lazy("An application under this notice.")
    )
    objector_kind = named_choice_field("ObjectorKindEnum", Objection.ObjectorKind.choices, required=False, allow_blank=True)
    seal_scan = serializers.FileField(
        required=False, allow_null=True, help_text=gettext_lazy("An organisation: scan of its seal (PDF or image).")
    )
    evidence = serializers.FileField(required=False, allow_null=True)

    class Meta:
        model = Objection
        fields = ["application", "objector_kind", *_OBJECTION_TEXT_FIELDS, "seal_scan", "evidence"]
        extra_kwargs = {name: {"required": False, "allow_blank": True} for name in _OBJECTION_TEXT_FIELDS}

    def validate_seal_scan(self, value):
        return _checked_file(value, "seal_scan")

    def validate_evidence(self, value):
        return _checked_file(value, "evidence")


class ObjectionReceiptSerializer(serializers.ModelSerializer):
    status = named_choice_field("ObjectionStatusEnum", ObjectionStatus.choices, read_only=True)
    detail = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = ["id", "receipt_number", "notice", "application", "status", "lodged_at", "detail"]
        read_only_fields = fields

    def get_detail(self, obj) -> str:
        return _(
            "Your objection has been received and will be examined by SAMR and MIIT. Keep the receipt number %(number)s to follow it."
        ) % {"number": obj.receipt_number}


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Applications under publicity (no login)")),
    retrieve=extend_schema(summary=gettext_lazy("A publicity notice (no login)")),
)
class PublicNoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Open publicity notices, readable by anyone; real-name objections during the window."""

    serializer_class = PublicNoticeSerializer
    permission_classes = [AllowAny]
    authentication_classes = []

    def get_queryset(self):
        if is_schema_view(self):
            return PublicityNotice.objects.none()
        applications = Application.objects.public().select_related("host").order_by("pk")
        return PublicityNotice.objects.public().prefetch_related(Prefetch("applications", queryset=applications))

    @extend_schema(
        summary=gettext_lazy("Lodge a real-name objection (no login)"),
        description=gettext_lazy(
            "Only while the window is open (Art. 13). A person gives name, ID card number and contact; an "
            "organisation its name, legal representative, contact and a scan of its seal. Anonymous objections "
            "are refused (400 naming the missing fields); too many from one address: 429."
        ),
        request={"multipart/form-data": ObjectionLodgeSerializer},
        responses={
            201: ObjectionReceiptSerializer,
            400: ERROR_RESPONSES[400],
            404: ERROR_RESPONSES[404],
            429: OpenApiResponse(description=gettext_lazy("Too many objections from this address; try later.")),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="objections",
        url_name="objections",
        parser_classes=[MultiPartParser, FormParser],
        throttle_classes=[ObjectionRateThrottle],
        filter_backends=[],
        pagination_class=None,
    )
    def objections(self, request, pk=None):
        notice = self.get_object()
        serializer = ObjectionLodgeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        with transaction.atomic():
            objection = services.lodge_objection(Objection(notice=notice, **data))
        return Response(ObjectionReceiptSerializer(objection).data, status=status.HTTP_201_CREATED)
