"""REST API of laboratories (Art. 14-31): `/api/laboratories/` (who may see: `Laboratory.objects.visible_to`)
with every step of a lab's life, and the public approved construction list `/api/public/approved/`
(批准建设名单, `Laboratory.objects.public()`, no login).

    /api/laboratories/{id}/                                    detail; PATCH: the lab's people (Art. 14-16)
    /api/laboratories/{id}/transitions/{name}/                 apply_for_acceptance, confirm_acceptance, delist
    /api/laboratories/{lab}/extension-requests/[{id}/transitions/{name}/]   Art. 18: file; grant / refuse
    /api/laboratories/{lab}/annual-reports/[{id}/acknowledge/]              Art. 18, 23, 26: file; acknowledge
    /api/laboratories/{lab}/change-reports/[{id}/transitions/{name}/]       Art. 24, 31: file; accept / re-review
    /api/laboratories/{lab}/acceptance-applications/, .../evaluations/      read only (Art. 18-19, 26-27)
    /api/lab-rounds/[{id}/transitions/conclude/]               acceptance / evaluation expert rounds (Art. 19, 26)

The same conventions as `applications.api` and `reviews.api`: what a user may not see is a 404, status
changes only through `transitions/<name>/` (`kernel.api_views.TransitionsMixin` → `run_transition`),
every other step through the same `evaluations.services` function the browser pages call; refusals are
400/403/409 with `detail` and, where a rule applies, `article` (`kernel.api.exception_handler`).
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.provinces import Province
from applications.api.common import TimelineEntrySerializer
from applications.choices import Field
from kernel.api_views import (
    ERROR_RESPONSES,
    AvailableTransitionSerializer,
    TransitionRequestSerializer,
    TransitionsMixin,
    is_schema_view,
    named_choice_field,
    transition_schema,
)
from kernel.models import AuditEntry, Deadline, SignOff
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions
from reviews.api.common import IsMinistryStaff, NamedSerializer, PersonNameSerializer, staff_only
from reviews.models import CriteriaSet, ExpertCommittee, ReviewRound, RoundEntry, RoundStatus

from . import services
from .models import (
    CONFIRM_ACCEPTANCE,
    DELIST,
    LAB_ROUND_PURPOSES,
    AcceptanceApplication,
    AcceptanceVerdict,
    AnnualReport,
    ChangeKind,
    ChangeReport,
    ChangeStatus,
    Evaluation,
    EvaluationResult,
    ExtensionRequest,
    ExtensionStatus,
    Laboratory,
    LabStatus,
    ReportOutput,
)
from .permissions import is_lab_host

# Blank until decided.
RESULTS = [("", "—"), *EvaluationResult.choices]
VERDICTS = [("", "—"), *AcceptanceVerdict.choices]
STATE_LABELS = {**dict(LabStatus.choices), **dict(ExtensionStatus.choices), **dict(ChangeStatus.choices)}


def _names(model):
    return sorted({t.name for t in model._meta.get_field("status").get_all_transitions(model)})


class ArticleValidationError(RuleViolation):
    """A model's field errors (e.g. the Art. 31 name check of `ChangeReport.clean`) answered with the
    article they rest on, as a RuleViolation is."""

    def __init__(self, exc, article):
        DjangoValidationError.__init__(self, exc.error_dict if hasattr(exc, "error_dict") else exc.messages)
        self.article, self.field, self.rule_message = article, None, " ".join(exc.messages)


class _WithTransitions(serializers.Serializer):
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj):
        request = self.context.get("request")
        if request is None:
            return []
        return AvailableTransitionSerializer(available_transitions(obj, request.user), many=True).data


# --- the laboratory -----------------------------------------------------------------------------


class LaboratoryHostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    province = serializers.CharField(read_only=True)
    province_display = serializers.CharField(source="get_province_display", read_only=True)


class PublicLaboratorySerializer(serializers.ModelSerializer):
    """A line of the approved construction list: what the public may read."""

    name_en = serializers.CharField(read_only=True)
    host = LaboratoryHostSerializer(read_only=True)
    field_display = serializers.CharField(source="get_field_display", read_only=True)
    status = named_choice_field("LaboratoryStatusEnum", LabStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Laboratory
        fields = [
            "id", "name_zh", "name_en", "host", "field", "field_display", "status", "status_display", "approved_on",
            "construction_start", "construction_end",
        ]
        read_only_fields = fields


class LaboratorySerializer(PublicLaboratorySerializer):
    """A row of the list: only what `_table()` loads (no query per row)."""

    latest_result = named_choice_field("EvaluationResultEnum", RESULTS, read_only=True)
    is_excellent = serializers.BooleanField(read_only=True)

    class Meta(PublicLaboratorySerializer.Meta):
        fields = [*PublicLaboratorySerializer.Meta.fields, "application", "province", "extension_granted",
                  "operation_started_on", "latest_result", "is_excellent"]
        read_only_fields = fields


class DeadlineSerializer(serializers.ModelSerializer):
    """A clock of the lab (Art. 18, 19, 26, 27) and whether it is open, met, missed or cancelled."""

    label = serializers.CharField(source="kind_label", read_only=True)
    state = named_choice_field("DeadlineStateEnum", Deadline.State.choices, read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Deadline
        fields = ["kind", "label", "article", "due_date", "state", "state_display", "closed_at"]
        read_only_fields = fields


class SignOffSerializer(serializers.ModelSerializer):
    """One ministry's sign-off of a decision given to "SAMR and MIIT" (Art. 19 confirmation, Art. 25 delisting)."""

    ministry = named_choice_field("SignOffMinistryEnum", SignOff.Ministry.choices, read_only=True)
    signed_by = PersonNameSerializer(read_only=True)

    class Meta:
        model = SignOff
        fields = ["decision", "ministry", "signed_by", "signed_at", "comment"]
        read_only_fields = fields


class ReportDueSerializer(serializers.Serializer):
    kind = named_choice_field("AnnualReportKindEnum", AnnualReport.Kind.choices, read_only=True)
    due_date = serializers.DateField(read_only=True)


def _date(value):
    return serializers.DateField().to_representation(value)


class LabTimelineEntrySerializer(TimelineEntrySerializer):
    def _label(self, value):
        return str(STATE_LABELS.get(value, value))


class LaboratoryDetailSerializer(_WithTransitions, LaboratorySerializer):
    """The whole lab: its people (Art. 14-16), clocks, sign-offs, what the requester may do now."""

    research_directions = serializers.ListField(child=serializers.CharField(), read_only=True)
    latest_result_display = serializers.CharField(source="get_latest_result_display", read_only=True)
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

    class Meta(LaboratorySerializer.Meta):
        fields = [
            *LaboratorySerializer.Meta.fields, "name_en_subject", "research_directions",
            *services.LAB_PEOPLE_FIELDS, "chair_is_inside",
            "extension_cutoff", "acceptance_opens_on", "acceptance_rectified", "acceptance_confirmed",
            "evaluation_rectified", "latest_result_display",
            "deadlines", "signoffs", "available_transitions", "may_edit", "may_request_extension", "may_report_change",
            "reports_due", "timeline",
        ]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return request.user if request is not None else None

    def get_chair_is_inside(self, obj) -> bool:
        return obj.chair_is_inside()

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_extension_cutoff(self, obj):
        return _date(services.extension_cutoff(obj)) if obj.status == LabStatus.CONSTRUCTION else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_acceptance_opens_on(self, obj):
        return _date(services.acceptance_opens_on(obj)) if obj.status == LabStatus.CONSTRUCTION else None

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, obj):
        return DeadlineSerializer(Deadline.objects.for_object(obj).order_by("due_date", "pk"), many=True).data

    @extend_schema_field(SignOffSerializer(many=True))
    def get_signoffs(self, obj):
        from kernel.signoffs import signoffs

        rows = [*signoffs(obj, CONFIRM_ACCEPTANCE).select_related("signed_by"),
                *signoffs(obj, DELIST).select_related("signed_by")]
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
        return ReportDueSerializer([{"kind": kind, "due_date": d.due_date} for kind, d in due.items()], many=True).data

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


class LaboratoryFilter(django_filters.FilterSet):
    field = django_filters.ChoiceFilter(choices=Field.choices, label=gettext_lazy("field"))
    province = django_filters.ChoiceFilter(field_name="host__province", choices=Province.choices,
                                           label=gettext_lazy("host province"))

    class Meta:
        model = Laboratory
        fields = ["field", "province"]


class VisibleLaboratoryFilter(LaboratoryFilter):
    status = django_filters.ChoiceFilter(choices=LabStatus.choices, label=gettext_lazy("status"))

    class Meta(LaboratoryFilter.Meta):
        fields = ["status", "field", "province"]


def _table(queryset):
    return queryset.select_related("host").order_by("-approved_on", "name_zh", "pk")


LAB_TRANSITIONS = _names(Laboratory)


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
        if self.action != "list":
            queryset = queryset.select_related("application")
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

    def partial_update(self, request, *args, **kwargs):
        lab = self.get_object()
        if not is_lab_host(lab, request.user):
            raise PermissionDenied(_("Only the host institution's users keep the lab's data."))
        serializer = LabPeopleSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {name: getattr(lab, name) for name in services.LAB_PEOPLE_FIELDS}
        data.update(serializer.validated_data)
        services.update_lab_people(lab, request.user, data)
        return self._detail(lab.pk)


# --- the lab's records, nested under it -------------------------------------------------------------


LAB_PK = OpenApiParameter("laboratory_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                          description=gettext_lazy("The laboratory's id."))


class _LabScoped(viewsets.GenericViewSet):
    """A lab's records: the lab must be visible to you (else 404), and so are they then."""

    filter_backends = []
    model = None

    def get_laboratory(self):
        if not hasattr(self, "_laboratory"):
            visible = Laboratory.objects.visible_to(self.request.user).select_related("host")
            self._laboratory = get_object_or_404(visible, pk=self.kwargs["laboratory_pk"])
        return self._laboratory

    def get_queryset(self):
        if is_schema_view(self):
            return self.model.objects.none()
        return self.scoped(self.model.objects.filter(laboratory=self.get_laboratory()))

    def scoped(self, queryset):
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not is_schema_view(self) and "laboratory_pk" in self.kwargs:
            context["laboratory"] = self.get_laboratory()
        return context

    def locked_laboratory(self):
        """The visible lab, locked: two requests never file two records at once."""
        return Laboratory.objects.select_for_update().get(pk=self.get_laboratory().pk)


class _LabScopedTransitions(TransitionsMixin):
    """`transitions/<name>/` of a record nested under its lab (the route also carries `laboratory_pk`)."""

    @action(detail=True, methods=["post"], url_name="transition",
            url_path=r"transitions/(?P<transition>[a-z][a-z0-9_]*)")
    def transition(self, request, laboratory_pk=None, pk=None, transition=None):
        return TransitionsMixin.transition(self, request, pk=pk, transition=transition)


def _same_lab(obj, context):
    """Rows of one lab's list share the lab already loaded (no query per row)."""
    lab = context.get("laboratory")
    if lab is not None and obj.laboratory_id == lab.pk:
        obj.laboratory = lab
    return obj


# Extension requests (Art. 18) ------------------------------------------------------------------------


class ExtensionRequestSerializer(_WithTransitions, serializers.ModelSerializer):
    status = named_choice_field("ExtensionStatusEnum", ExtensionStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    filed_by = PersonNameSerializer(read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = ["id", "laboratory", "months", "reason", "filed_on", "filed_by", "status", "status_display",
                  "available_transitions"]
        read_only_fields = fields

    def to_representation(self, instance):
        return super().to_representation(_same_lab(instance, self.context))


class ExtensionRequestCreateSerializer(serializers.Serializer):
    months = serializers.IntegerField(help_text=gettext_lazy("At most 12, once (Art. 18)."))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("The lab's extension requests (Art. 18)")),
    create=extend_schema(
        summary=gettext_lazy("Request an extension of the construction period (host's users)"),
        description=gettext_lazy("At least 3 months before the construction period ends, for at most 12 months, "
                                 "once (Art. 18); a refusal is a 400 naming the field and the article."),
        request=ExtensionRequestCreateSerializer, responses={201: ExtensionRequestSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(ExtensionRequestSerializer, names=_names(ExtensionRequest)),
)
class ExtensionRequestViewSet(_LabScopedTransitions, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                              mixins.CreateModelMixin, _LabScoped):
    """SAMR or MIIT staff grant (the end moves) or refuse (with a reason) a request."""

    model = ExtensionRequest

    def scoped(self, queryset):
        return queryset.select_related("filed_by").order_by("-filed_on", "-pk")

    def get_serializer_class(self):
        return ExtensionRequestCreateSerializer if self.action == "create" else ExtensionRequestSerializer

    def create(self, request, *args, **kwargs):
        self.get_laboratory()
        serializer = ExtensionRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            extension = services.file_extension_request(self.locked_laboratory(), request.user, data["months"],
                                                        data["reason"])
        fresh = self.get_queryset().get(pk=extension.pk)
        return Response(ExtensionRequestSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


# Annual reports (Art. 18, 21-23, 26) ---------------------------------------------------------------


class ReportOutputSerializer(serializers.ModelSerializer):
    kind = named_choice_field("ReportOutputKindEnum", ReportOutput.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    credit_line = serializers.CharField(max_length=300, allow_blank=True,
                                        help_text=gettext_lazy("The affiliation as printed; must name the lab (Art. 23)."))

    class Meta:
        model = ReportOutput
        fields = ["kind", "kind_display", "title", "credit_line"]


class AnnualReportSerializer(serializers.ModelSerializer):
    kind = named_choice_field("AnnualReportKindEnum", AnnualReport.Kind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    outputs = ReportOutputSerializer(many=True, read_only=True)
    submitted_by = PersonNameSerializer(read_only=True)
    acknowledged_by = PersonNameSerializer(read_only=True, allow_null=True)
    may_acknowledge = serializers.SerializerMethodField(
        help_text=gettext_lazy("You may acknowledge it for the host (Art. 18)."),
    )

    class Meta:
        model = AnnualReport
        fields = ["id", "laboratory", "kind", "kind_display", "period", "due_on", "summary", "open_projects",
                  "exchanges", "public_services", "outputs", "submitted_by", "submitted_at", "acknowledged_by",
                  "acknowledged_at", "may_acknowledge"]
        read_only_fields = fields

    def to_representation(self, instance):
        return super().to_representation(_same_lab(instance, self.context))

    def get_may_acknowledge(self, obj) -> bool:
        request = self.context.get("request")
        return request is not None and services.may_acknowledge_report(obj, request.user)


class AnnualReportCreateSerializer(serializers.Serializer):
    kind = named_choice_field("AnnualReportKindEnum", AnnualReport.Kind.choices,
                              help_text=gettext_lazy("The report that is due (see `reports_due` of the lab)."))
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=100000)
    open_projects = serializers.CharField(required=False, allow_blank=True, default="", max_length=100000)
    exchanges = serializers.CharField(required=False, allow_blank=True, default="", max_length=100000)
    public_services = serializers.CharField(required=False, allow_blank=True, default="", max_length=100000)
    outputs = ReportOutputSerializer(many=True, required=False, default=list,
                                     help_text=gettext_lazy("Monographs, papers, software, databases (Art. 23)."))


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("The lab's annual reports with their outputs")),
    create=extend_schema(
        summary=gettext_lazy("File the annual construction or operation report that is due (host's users)"),
        description=gettext_lazy("Every output must carry the lab's name (Art. 23): otherwise 400 on `outputs` naming "
                                 "the titles, and nothing is saved."),
        request=AnnualReportCreateSerializer, responses={201: AnnualReportSerializer, **ERROR_RESPONSES},
    ),
)
class AnnualReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _LabScoped):
    model = AnnualReport

    def scoped(self, queryset):
        return queryset.select_related("submitted_by", "acknowledged_by").prefetch_related(
            Prefetch("outputs", queryset=ReportOutput.objects.order_by("pk"))
        ).order_by("-due_on", "-pk")

    def get_serializer_class(self):
        return AnnualReportCreateSerializer if self.action == "create" else AnnualReportSerializer

    def _answer(self, report, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=report.pk)
        return Response(AnnualReportSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        self.get_laboratory()
        serializer = AnnualReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        kind, outputs = data.pop("kind"), [dict(o) for o in data.pop("outputs")]
        try:
            with transaction.atomic():
                report = services.submit_annual_report(self.locked_laboratory(), request.user, kind, data, outputs)
        except IntegrityError as exc:
            raise TransitionConflict(_("This report was filed meanwhile, in another window.")) from exc
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Acknowledge the annual construction report for the host (Art. 18)"),
        request=None, responses={200: AnnualReportSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, laboratory_pk=None, pk=None):
        report = self.get_object()
        report.laboratory = self.get_laboratory()
        if not is_lab_host(report.laboratory, request.user):
            raise PermissionDenied(_("Only the host institution's users acknowledge the lab's reports."))
        if not services.may_acknowledge_report(report, request.user):
            raise TransitionConflict(_("This report is not awaiting the host's acknowledgement."), article="Art. 18")
        services.acknowledge_report(report, request.user)
        return self._answer(report)


# Change reports (Art. 24, 31) -------------------------------------------------------------------------


class ChangeReportSerializer(_WithTransitions, serializers.ModelSerializer):
    kind = named_choice_field("ChangeKindEnum", ChangeKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = named_choice_field("ChangeStatusEnum", ChangeStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    filed_by = PersonNameSerializer(read_only=True)

    class Meta:
        model = ChangeReport
        fields = ["id", "laboratory", "kind", "kind_display", "description", "new_name_zh", "new_name_en_subject",
                  "filed_by", "filed_at", "status", "status_display", "available_transitions"]
        read_only_fields = fields

    def to_representation(self, instance):
        return super().to_representation(_same_lab(instance, self.context))


NEW_NAME_FIELDS = ("new_name_zh", "new_name_en_subject")


class ChangeReportCreateSerializer(serializers.Serializer):
    kind = named_choice_field("ChangeKindEnum", ChangeKind.choices)
    description = serializers.CharField(max_length=20000, help_text=gettext_lazy("What changes and why (Art. 24)."))
    new_name_zh = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                        help_text=gettext_lazy("A renaming: “××国家质量标准实验室” (Art. 31)."))
    new_name_en_subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=150,
                                                help_text=gettext_lazy("A renaming: the ×× part only (Art. 31)."))


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("The lab's change reports (Art. 24)")),
    create=extend_schema(
        summary=gettext_lazy("Report a major change: renaming, research direction, restructuring (host's users)"),
        description=gettext_lazy("A new name is checked as at approval (Art. 31): 400 on the name field."),
        request=ChangeReportCreateSerializer, responses={201: ChangeReportSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(ChangeReportSerializer, names=_names(ChangeReport)),
)
class ChangeReportViewSet(_LabScopedTransitions, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, _LabScoped):
    """SAMR or MIIT staff accept a change (it takes effect) or order a re-review (a comprehensive evaluation)."""

    model = ChangeReport

    def scoped(self, queryset):
        return queryset.select_related("filed_by").order_by("-filed_at", "-pk")

    def get_serializer_class(self):
        return ChangeReportCreateSerializer if self.action == "create" else ChangeReportSerializer

    def create(self, request, *args, **kwargs):
        self.get_laboratory()
        serializer = ChangeReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():
                change = services.file_change_report(
                    self.locked_laboratory(), request.user, data["kind"], data["description"],
                    new_name_zh=data["new_name_zh"], new_name_en_subject=data["new_name_en_subject"],
                )
        except RuleViolation:
            raise
        except DjangoValidationError as exc:  # the model's Art. 31 check of a new name
            if set(getattr(exc, "error_dict", ())) & set(NEW_NAME_FIELDS):
                raise ArticleValidationError(exc, "Art. 31") from exc
            raise
        fresh = self.get_queryset().get(pk=change.pk)
        return Response(ChangeReportSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


# Acceptance applications and evaluations (read only) --------------------------------------------------


class AcceptanceApplicationSerializer(serializers.ModelSerializer):
    goal_statements = GoalStatementSerializer(many=True, read_only=True)
    filed_by = PersonNameSerializer(read_only=True)
    verdict = named_choice_field("AcceptanceVerdictEnum", VERDICTS, read_only=True)
    verdict_display = serializers.CharField(source="get_verdict_display", read_only=True)

    class Meta:
        model = AcceptanceApplication
        fields = ["id", "laboratory", "report", "goal_statements", "filed_by", "filed_at", "verdict", "verdict_display",
                  "opinion", "decided_at"]
        read_only_fields = fields


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(list=extend_schema(summary=gettext_lazy("The lab's acceptance applications and their verdicts")))
class AcceptanceApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _LabScoped):
    """Filed with the `apply_for_acceptance` transition of the lab (Art. 18); decided in an acceptance round."""

    model = AcceptanceApplication
    serializer_class = AcceptanceApplicationSerializer

    def scoped(self, queryset):
        return queryset.select_related("filed_by").order_by("-filed_at", "-pk")


class EvaluationSerializer(serializers.ModelSerializer):
    result = named_choice_field("EvaluationResultEnum", RESULTS, read_only=True)
    result_display = serializers.CharField(source="get_result_display", read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "laboratory", "cycle", "is_reevaluation", "result", "result_display", "opinion", "decided_at"]
        read_only_fields = fields


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(list=extend_schema(summary=gettext_lazy("The lab's comprehensive evaluations (Art. 26-27)")))
class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _LabScoped):
    model = Evaluation
    serializer_class = EvaluationSerializer

    def scoped(self, queryset):
        return queryset.order_by("-pk")


# --- acceptance and evaluation rounds (Art. 19, 26-27) -------------------------------------------------


class LabBriefSerializer(serializers.ModelSerializer):
    status = named_choice_field("LaboratoryStatusEnum", LabStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    host = NamedSerializer(read_only=True)

    class Meta:
        model = Laboratory
        fields = ["id", "name_zh", "host", "status", "status_display"]
        read_only_fields = fields


class LabRoundEntrySerializer(serializers.ModelSerializer):
    laboratory = LabBriefSerializer(source="application.laboratory", read_only=True)
    outcome = named_choice_field("RoundEntryOutcomeEnum", RoundEntry.Outcome.choices, read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = RoundEntry
        fields = ["id", "application", "laboratory", "outcome", "outcome_display", "reason"]
        read_only_fields = fields


class LabRoundSerializer(_WithTransitions, serializers.ModelSerializer):
    committee = NamedSerializer(read_only=True)
    criteria_set = NamedSerializer(read_only=True)
    purpose = named_choice_field("CriteriaSetPurposeEnum", CriteriaSet.Purpose.choices, source="criteria_set.purpose",
                                 read_only=True)
    status = named_choice_field("RoundStatusEnum", RoundStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    opened_by = PersonNameSerializer(read_only=True)
    entries = LabRoundEntrySerializer(many=True, read_only=True)

    class Meta:
        model = ReviewRound
        fields = ["id", "title", "purpose", "committee", "criteria_set", "status", "status_display", "opened_by",
                  "opened_at", "concluded_at", "entries", "available_transitions"]
        read_only_fields = fields


class LabRoundCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    committee = serializers.PrimaryKeyRelatedField(queryset=ExpertCommittee.objects.all())
    criteria_set = serializers.PrimaryKeyRelatedField(
        queryset=CriteriaSet.objects.all(),
        help_text=gettext_lazy("A criteria set for acceptance (Art. 19) or for comprehensive evaluation (Art. 26)."),
    )
    laboratories = serializers.PrimaryKeyRelatedField(
        many=True, allow_empty=False, queryset=Laboratory.objects.none(),
        help_text=gettext_lazy("Labs in acceptance review, or in operation / rectifying for an evaluation."),
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        visible = Laboratory.objects.visible_to(request.user) if request is not None else Laboratory.objects.none()
        fields["laboratories"].child_relation.queryset = visible
        return fields


# A round of laboratories is concluded with their verdicts (acceptance) or results (evaluation).
LAB_ROUND_DECISIONS = [*AcceptanceVerdict.choices, *EvaluationResult.choices]


class LabDecisionSerializer(serializers.Serializer):
    outcome = named_choice_field("LabRoundDecisionEnum", LAB_ROUND_DECISIONS,
                                 help_text=gettext_lazy("Acceptance: pass / rectify / fail (Art. 19). Evaluation: "
                                                        "excellent / qualified / unqualified (Art. 27)."))
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000,
                                    help_text=gettext_lazy("The experts' opinion (required)."))


class LabRoundTransitionSerializer(TransitionRequestSerializer):
    decisions = serializers.DictField(
        child=LabDecisionSerializer(), required=False,
        help_text=gettext_lazy("conclude: {laboratory id: {\"outcome\": ..., \"opinion\": ...}} for every lab of "
                               "the round."),
    )

    def validate_decisions(self, value):
        bad = [key for key in value if not str(key).isdigit()]
        if bad:
            raise ValidationError(_("Keys are laboratory ids; not an id: %(keys)s") % {"keys": ", ".join(map(str, bad))})
        return value


class LabRoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices, label=gettext_lazy("status"))
    purpose = django_filters.ChoiceFilter(field_name="criteria_set__purpose", label=gettext_lazy("purpose"),
                                          choices=[(p, CriteriaSet.Purpose(p).label) for p in LAB_ROUND_PURPOSES])

    class Meta:
        model = ReviewRound
        fields = ["status", "purpose"]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Acceptance and evaluation rounds of laboratories")),
    retrieve=extend_schema(summary=gettext_lazy("A lab round with its laboratories and their outcomes")),
    create=extend_schema(
        summary=gettext_lazy("Open an acceptance (Art. 19) or comprehensive evaluation (Art. 26) round"),
        description=gettext_lazy("Experts are assigned and score through /api/rounds/{id}/assignments/ and "
                                 "/api/assignments/, as in any round; /api/rounds/{id}/results/ ranks them."),
        request=LabRoundCreateSerializer, responses={201: LabRoundSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(LabRoundSerializer, LabRoundTransitionSerializer, names=_names(ReviewRound)),
)
class LabRoundViewSet(TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Ministry staff open a round of labs and conclude it with a verdict or result per lab and the experts'
    opinion: the same `ReviewRound.conclude` the staff pages run."""

    permission_classes = [IsMinistryStaff]
    filterset_class = LabRoundFilter
    transition_serializer_class = LabRoundTransitionSerializer

    def get_queryset(self):
        if is_schema_view(self):
            return ReviewRound.objects.none()
        entries = RoundEntry.objects.select_related("application__laboratory__host").order_by("pk")
        rounds = ReviewRound.objects.filter(criteria_set__purpose__in=LAB_ROUND_PURPOSES)
        return staff_only(rounds, self.request.user).select_related(
            "committee", "criteria_set", "opened_by"
        ).prefetch_related(Prefetch("entries", queryset=entries)).order_by("-opened_at", "-pk")

    def get_serializer_class(self):
        return LabRoundCreateSerializer if self.action == "create" else LabRoundSerializer

    def _detail(self, pk, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=pk)
        return Response(LabRoundSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = LabRoundCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            review_round = services.open_lab_round(data["title"], data["committee"], data["criteria_set"],
                                                   data["laboratories"], request.user)
        return self._detail(review_round.pk, status.HTTP_201_CREATED)

    def transition_response(self, obj):
        return self._detail(obj.pk)

    def get_transition_kwargs(self, obj, name, data):
        """The decisions by laboratory id, as the round's conclusion takes them: by application id."""
        decisions = data.pop("decisions", None)
        kwargs = super().get_transition_kwargs(obj, name, data)
        if decisions is None:
            return kwargs
        in_round = Laboratory.objects.filter(application__round_entries__round=obj)
        applications = {str(lab): app for lab, app in in_round.values_list("pk", "application_id")}
        strangers = [key for key in decisions if str(key) not in applications]
        if strangers:
            raise ValidationError({"decisions": [_("Not a laboratory of this round: %(ids)s")
                                                 % {"ids": ", ".join(map(str, strangers))}]})
        kwargs["decisions"] = {applications[str(key)]: (row["outcome"], row.get("opinion", ""))
                               for key, row in decisions.items()}
        return kwargs


# --- the public approved construction list ------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("The approved construction list (批准建设名单), no login")),
    retrieve=extend_schema(summary=gettext_lazy("A laboratory of the approved list, no login")),
)
class PublicApprovedViewSet(viewsets.ReadOnlyModelViewSet):
    """Laboratories whose construction SAMR and MIIT approved (Art. 13), readable by anyone."""

    serializer_class = PublicLaboratorySerializer
    filterset_class = LaboratoryFilter
    permission_classes = [AllowAny]
    authentication_classes = []

    def get_queryset(self):
        if is_schema_view(self):
            return Laboratory.objects.none()
        return _table(Laboratory.objects.public())
