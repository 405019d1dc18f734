"""`/api/applications/`: the dossier (申报) as its host writes it and its readers read it, its list and its
transitions (the Art. 10 review and the formal review take their fields here)."""

import django_filters
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.api import OrganisationBriefSerializer
from accounts.models import Level
from accounts.provinces import Province
from kernel.api_views import (
    ERROR_RESPONSES,
    ChoiceLabelField,
    TransitionRequestSerializer,
    TransitionsMixin,
    WithTransitions,
    declared_transition_names,
    named_choice_field,
    transition_schema,
)
from kernel.models import AuditEntry

from .. import calls
from ..choices import Field, ResearchDirection
from ..models import Application, Call, ConsortiumMember, PreliminaryReview, Status
from ..rules import may_create_application
from .common import TimelineEntrySerializer, editable_or_403
from .detail_parts import DimensionEntrySerializer, EligibilitySerializer, MissingItemSerializer, PreliminaryReviewSerializer
from .dossier import (
    DOSSIER_FIELDS,
    NESTED_LISTS,
    ConsortiumMemberSerializer,
    NationalProjectSerializer,
    OutcomeClaimSerializer,
    ServiceIncomeSerializer,
    StandardLedSerializer,
    TeamMemberSerializer,
    TechnologyTransferSerializer,
    save_dossier,
)
from .revisions import RevisionsMixin


class ApplicationListSerializer(serializers.ModelSerializer):
    """A row of the list: only what `for_table()` loads (no query per row)."""

    host = OrganisationBriefSerializer(read_only=True)
    name_en = serializers.CharField(read_only=True)
    status = named_choice_field("ApplicationStatusEnum", Status.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    field_display = ChoiceLabelField(source="field")

    class Meta:
        model = Application
        fields = [
            "id", "name_zh", "name_en", "host", "field", "field_display", "status", "status_display",
            "revision_count", "submitted_at", "updated_at",
        ]
        read_only_fields = fields


class ApplicationSerializer(WithTransitions, serializers.ModelSerializer):
    """The whole dossier. Nested lists given in a write replace the stored ones wholesale."""

    host = OrganisationBriefSerializer(read_only=True)
    status = named_choice_field("ApplicationStatusEnum", Status.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    field_display = ChoiceLabelField(source="field")
    name_en = serializers.CharField(read_only=True)
    call = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=gettext_lazy("The call the application belongs to (chosen when it is started: "
                                               "`call` in the request, or the only call taking applications)."))
    research_directions = serializers.ListField(
        child=serializers.ChoiceField(choices=ResearchDirection.choices), required=False, allow_empty=True
    )
    team_members = TeamMemberSerializer(many=True, required=False)
    projects = NationalProjectSerializer(many=True, required=False)
    outcome_claims = OutcomeClaimSerializer(many=True, required=False)
    standards = StandardLedSerializer(many=True, required=False)
    transfers = TechnologyTransferSerializer(many=True, required=False)
    service_incomes = ServiceIncomeSerializer(many=True, required=False)
    consortium_members = ConsortiumMemberSerializer(many=True, required=False)
    eligibility = EligibilitySerializer(read_only=True)
    missing_for_submission = serializers.SerializerMethodField()
    preliminary_reviews = PreliminaryReviewSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id", "host", "call", "status", "status_display", "revision_count", "created_at", "updated_at", "submitted_at",
            "name_en", "field_display", *DOSSIER_FIELDS, *NESTED_LISTS,
            "eligibility", "missing_for_submission", "available_transitions", "preliminary_reviews", "timeline",
        ]
        read_only_fields = ["status", "revision_count", "created_at", "updated_at", "submitted_at"]

    @extend_schema_field(MissingItemSerializer(many=True))
    def get_missing_for_submission(self, obj):
        if obj.status not in (Status.DRAFT, Status.RETURNED):
            return []
        return [{"field": f, "message": str(m)} for f, m in obj.missing_for_submission()]

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, obj):
        entries = AuditEntry.objects.for_object(obj).timeline()
        return TimelineEntrySerializer(entries, many=True, context=self.context).data

    def create(self, validated_data):
        lists = {name: validated_data.pop(name) for name in NESTED_LISTS if name in validated_data}
        return save_dossier(Application(**validated_data), validated_data={}, lists=lists)

    def update(self, instance, validated_data):
        lists = {name: validated_data.pop(name) for name in NESTED_LISTS if name in validated_data}
        return save_dossier(instance, validated_data=validated_data, lists=lists)


class ApplicationTransitionSerializer(TransitionRequestSerializer):
    """recommend / return_for_revision / decline also take the Art. 10 review; the formal review
    transitions take the ticked checklist."""

    checks = serializers.DictField(
        child=serializers.BooleanField(), required=False,
        help_text=gettext_lazy("Formal review: {checklist item id: true/false} (Art. 13)."),
    )
    dimensions = serializers.DictField(
        child=DimensionEntrySerializer(), required=False,
        help_text=gettext_lazy("Verdict per Art. 10 dimension: {code: {\"verdict\": ..., \"comment\": ...}}."),
    )
    warnings_acknowledged = serializers.BooleanField(
        required=False, help_text=gettext_lazy("The recommender has read the Art. 12 eligibility warnings."),
    )


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=gettext_lazy("status"))
    field = django_filters.MultipleChoiceFilter(choices=Field.choices, label=gettext_lazy("field"))
    level = django_filters.ChoiceFilter(field_name="host__level", choices=Level.choices, label=gettext_lazy("host level"))
    province = django_filters.ChoiceFilter(
        field_name="host__province", choices=Province.choices, label=gettext_lazy("host province")
    )
    awaiting = django_filters.BooleanFilter(method="filter_awaiting", label=gettext_lazy("awaiting my action"))

    class Meta:
        model = Application
        fields = ["status", "field", "level", "province", "awaiting"]

    def filter_awaiting(self, queryset, name, value):
        waiting = Application.objects.awaiting(self.request.user).values("pk")
        return queryset.filter(pk__in=waiting) if value else queryset.exclude(pk__in=waiting)


def with_details(queryset):
    """What the detail serializer reads, prefetched: the whole dossier (`for_table()` leaves out its long texts)."""
    return queryset.defer(None).select_related("created_by").prefetch_related(
        "team_members", "projects", "outcome_claims", "standards", "transfers", "service_incomes",
        Prefetch("consortium_members", queryset=ConsortiumMember.objects.select_related("organisation")),
        Prefetch("preliminary_reviews", queryset=PreliminaryReview.objects.select_related("recommender", "decided_by")),
    )


TRANSITION_NAMES = declared_transition_names(Application)
DETAIL_ACTIONS = {"retrieve", "update", "partial_update", "create"}


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Applications visible to you")),
    create=extend_schema(
        summary=gettext_lazy("Start an application (applicants only)"),
        responses={201: ApplicationSerializer, 400: ERROR_RESPONSES[400], 403: ERROR_RESPONSES[403]},
    ),
    update=extend_schema(responses={200: ApplicationSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(responses={200: ApplicationSerializer, **ERROR_RESPONSES}),
    destroy=extend_schema(
        summary=gettext_lazy("Delete a draft that was never submitted (host applicants only)"),
        responses={204: None, **ERROR_RESPONSES},
    ),
    transition=transition_schema(ApplicationSerializer, ApplicationTransitionSerializer, names=TRANSITION_NAMES),
)
class ApplicationViewSet(
    TransitionsMixin,
    RevisionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Applications (申报) visible to the requesting user."""

    filterset_class = ApplicationFilter
    transition_serializer_class = ApplicationTransitionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        visible = Application.objects.visible_to if self.action != "list" else Application.objects.listed_for
        queryset = visible(self.request.user).for_table()
        if self.action in DETAIL_ACTIONS:
            queryset = with_details(queryset)
        return queryset

    def get_detailed(self, pk):
        return with_details(Application.objects.visible_to(self.request.user).for_table()).get(pk=pk)

    def get_serializer_class(self):
        if self.action == "list":
            return ApplicationListSerializer
        return ApplicationSerializer

    def transition_response(self, obj):
        fresh = with_details(Application.objects.visible_to(self.request.user).for_table()).filter(pk=obj.pk).first() or obj
        return Response(ApplicationSerializer(fresh, context=self.get_serializer_context()).data)

    def create(self, request, *args, **kwargs):
        user = request.user
        if not may_create_application(user):
            raise PermissionDenied(_("Only an applicant of a host institution may start an application."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call = Call.objects.chosen(request.data.get("call") if hasattr(request.data, "get") else None)
        with transaction.atomic():
            calls.check_start(call)
            application = serializer.save(host=user.organisation, created_by=user, call=call)
        data = self.get_serializer(self.get_detailed(application.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        editable_or_403(instance, request.user)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=instance.pk)
            editable_or_403(locked, request.user)  # a submit may have won the race
            serializer.instance = locked
            serializer.save()
        return Response(self.get_serializer(self.get_detailed(instance.pk)).data)

    def destroy(self, request, *args, **kwargs):
        """A draft is never withdrawn, it is deleted (`Application.discard_draft`); anything else is a 409."""
        self.get_object().discard_draft(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
