"""REST API for applications (申报): dossier, nested lists, transitions, attachments, revisions.

Every queryset starts from `Application.objects.visible_to(request.user)`: what a user may not see
is a 404, never a 403. Writes go through the models (`full_clean()` on every row) inside one
transaction, so a bad row is a 400 naming the field and nothing is half-saved. Status changes only
through the `transitions/<name>/` action (`kernel.api_views.TransitionsMixin`).
"""

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.api import OrganisationBriefSerializer
from accounts.models import Level, Organisation
from accounts.provinces import Province
from kernel.api_views import (
    ERROR_RESPONSES,
    AvailableTransitionSerializer,
    TransitionRequestSerializer,
    TransitionsMixin,
    named_choice_field,
    transition_schema,
)
from kernel.models import AuditEntry
from kernel.transitions import available_transitions

from .choices import DimensionVerdict, Field, ResearchDirection, StandardLevel
from .eligibility import FAIL, INFO, NOT_MET, PASS, WARNING
from .models import (
    Application,
    Attachment,
    ConsortiumMember,
    NationalProject,
    OutcomeClaim,
    PreliminaryReview,
    Revision,
    ServiceIncome,
    StandardLed,
    Status,
    TeamMember,
    TechnologyTransfer,
)
from .revisions import diff, snapshot
from .uploads import inspect_upload

# --- nested dossier rows ------------------------------------------------------------------


class _RowSerializer(serializers.ModelSerializer):
    """A dossier row: validated again by the model's full_clean() when saved."""

    class Meta:
        validators = []  # the model's constraints are checked by full_clean() on save


class TeamMemberSerializer(_RowSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta(_RowSerializer.Meta):
        model = TeamMember
        fields = ["id", "role", "role_display", "name", "organisation_name", "title", "posts_held"]


class NationalProjectSerializer(_RowSerializer):
    class Meta(_RowSerializer.Meta):
        model = NationalProject
        fields = ["id", "title", "number", "programme", "year", "amount_cny"]


class OutcomeClaimSerializer(_RowSerializer):
    item = named_choice_field("OutcomeItemEnum", OutcomeClaim.Item.choices)
    item_display = serializers.CharField(source="get_item_display", read_only=True)

    class Meta(_RowSerializer.Meta):
        model = OutcomeClaim
        fields = ["id", "item", "item_display", "evidence"]


class StandardLedSerializer(_RowSerializer):
    level = named_choice_field("StandardLevelEnum", StandardLevel.choices)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta(_RowSerializer.Meta):
        model = StandardLed
        fields = ["id", "number", "title", "level", "level_display", "year"]


class TechnologyTransferSerializer(_RowSerializer):
    class Meta(_RowSerializer.Meta):
        model = TechnologyTransfer
        fields = ["id", "title", "year", "amount_cny"]


class ServiceIncomeSerializer(_RowSerializer):
    class Meta(_RowSerializer.Meta):
        model = ServiceIncome
        fields = ["id", "year", "amount_cny"]


class ConsortiumMemberSerializer(_RowSerializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta(_RowSerializer.Meta):
        model = ConsortiumMember
        fields = ["id", "organisation", "organisation_name", "role"]


NESTED_LISTS = {
    "team_members": (TeamMember, TeamMemberSerializer),
    "projects": (NationalProject, NationalProjectSerializer),
    "outcome_claims": (OutcomeClaim, OutcomeClaimSerializer),
    "standards": (StandardLed, StandardLedSerializer),
    "transfers": (TechnologyTransfer, TechnologyTransferSerializer),
    "service_incomes": (ServiceIncome, ServiceIncomeSerializer),
    "consortium_members": (ConsortiumMember, ConsortiumMemberSerializer),
}

DOSSIER_FIELDS = [
    "name_zh", "name_en_subject", "field", "research_directions", "summary", "construction_plan",
    "provincial_lab_name", "provincial_lab_established", "research_space_m2", "instrument_value_cny",
    "precision_statement", "data_capability", "data_storage_tb", "team_statement", "authority_statement",
    "breakthrough_statement", "is_host_priority", "host_commitment",
]


# --- read-only parts of the detail ------------------------------------------------------


class EligibilityLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    article = serializers.CharField()
    title = serializers.CharField()
    status = named_choice_field("EligibilityStatusEnum", [(s, s) for s in (PASS, WARNING, FAIL, NOT_MET, INFO)])
    status_label = serializers.CharField()
    message = serializers.CharField()


# Lines nest (Art. 12 (4) has its five items as children).
EligibilityLineSerializer._declared_fields["children"] = EligibilityLineSerializer(many=True, read_only=True)


class EligibilitySerializer(serializers.Serializer):
    """The Art. 12 self-check, computed from the dossier (`applications.eligibility`)."""

    reference_year = serializers.IntegerField()
    passed = serializers.BooleanField()
    has_warnings = serializers.BooleanField()
    lines = EligibilityLineSerializer(many=True)


class MissingItemSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class DimensionEntrySerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=DimensionVerdict.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class PreliminaryReviewSerializer(serializers.ModelSerializer):
    recommender = OrganisationBriefSerializer(read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    dimensions = serializers.DictField(child=DimensionEntrySerializer(), read_only=True)
    decided_by_name = serializers.SerializerMethodField()

    class Meta:
        model = PreliminaryReview
        fields = [
            "id", "recommender", "round", "decision", "decision_display", "dimensions", "warnings_acknowledged",
            "comment", "decided_by_name", "decided_at",
        ]
        read_only_fields = fields

    def get_decided_by_name(self, obj) -> str:
        return str(obj.decided_by) if obj.decided_by_id else ""


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    actor_organisation = serializers.SerializerMethodField()
    source_state_display = serializers.SerializerMethodField()
    target_state_display = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = [
            "at", "transition", "source_state", "source_state_display", "target_state", "target_state_display",
            "actor_name", "actor_organisation", "comment", "article",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else ""

    def get_actor_organisation(self, obj) -> str:
        return obj.actor.organisation.name if obj.actor_id and obj.actor.organisation_id else ""

    def _label(self, value):
        return str(dict(Status.choices).get(value, value))

    def get_source_state_display(self, obj) -> str:
        return self._label(obj.source_state)

    def get_target_state_display(self, obj) -> str:
        return self._label(obj.target_state)


# --- the application ----------------------------------------------------------------------


class ApplicationListSerializer(serializers.ModelSerializer):
    """A row of the list: only what `for_table()` loads (no query per row)."""

    host = OrganisationBriefSerializer(read_only=True)
    name_en = serializers.CharField(read_only=True)
    status = named_choice_field("ApplicationStatusEnum", Status.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    field_display = serializers.CharField(source="get_field_display", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id", "name_zh", "name_en", "host", "field", "field_display", "status", "status_display",
            "revision_count", "submitted_at", "updated_at",
        ]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    """The whole dossier. Nested lists given in a write replace the stored ones wholesale."""

    host = OrganisationBriefSerializer(read_only=True)
    status = named_choice_field("ApplicationStatusEnum", Status.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    field_display = serializers.CharField(source="get_field_display", read_only=True)
    name_en = serializers.CharField(read_only=True)
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
    available_transitions = serializers.SerializerMethodField()
    preliminary_reviews = PreliminaryReviewSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id", "host", "status", "status_display", "revision_count", "created_at", "updated_at", "submitted_at",
            "name_en", "field_display", *DOSSIER_FIELDS, *NESTED_LISTS,
            "eligibility", "missing_for_submission", "available_transitions", "preliminary_reviews", "timeline",
        ]
        read_only_fields = ["status", "revision_count", "created_at", "updated_at", "submitted_at"]

    @extend_schema_field(MissingItemSerializer(many=True))
    def get_missing_for_submission(self, obj):
        if obj.status not in (Status.DRAFT, Status.RETURNED):
            return []
        return [{"field": f, "message": str(m)} for f, m in obj.missing_for_submission()]

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj):
        request = self.context.get("request")
        if request is None:
            return []
        return AvailableTransitionSerializer(available_transitions(obj, request.user), many=True).data

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


def _field_errors(exc, model):
    """A model ValidationError as DRF field errors; a broken unique constraint names its field."""
    errors = {}
    for key, messages in exc.message_dict.items():
        if key == NON_FIELD_ERRORS:
            key = _constraint_field(model) or api_settings.NON_FIELD_ERRORS_KEY
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return errors


def _constraint_field(model):
    for constraint in model._meta.constraints:
        fields = [f for f in getattr(constraint, "fields", ()) if f != "application"]
        if isinstance(constraint, models.UniqueConstraint) and len(fields) == 1:
            return fields[0]
    return None


def save_dossier(application, validated_data, lists):
    """Save scalars and replace the given nested lists, every row through full_clean().

    Must run inside `transaction.atomic()`: on any error it raises a DRF ValidationError shaped as DRF
    shapes nested-list errors, by row index ({"projects": {"1": {"year": [...]}}}), and the caller's
    transaction rolls back.
    """
    for name, value in validated_data.items():
        setattr(application, name, value)
    errors = {}
    try:
        application.full_clean(exclude=["status"])  # protected FSM field: never set, not even by clean_fields()
    except DjangoValidationError as exc:
        errors.update(_field_errors(exc, Application))
    if errors and application.pk is None:
        raise ValidationError(errors)
    if not errors:
        application.save()
    for relation, rows in lists.items():
        model = NESTED_LISTS[relation][0]
        model.objects.filter(application=application).delete()
        row_errors = {}
        for index, data in enumerate(rows):
            row = model(application=application, **data)
            try:
                row.full_clean()
            except DjangoValidationError as exc:
                row_errors[index] = _field_errors(exc, model)
                continue
            row.save()
        if row_errors:
            errors[relation] = row_errors
    if errors:
        raise ValidationError(errors)
    for relation in lists:
        getattr(application, "_prefetched_objects_cache", {}).pop(relation, None)
    return application


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
    """What the detail serializer reads, prefetched."""
    return queryset.select_related("created_by").prefetch_related(
        "team_members", "projects", "outcome_claims", "standards", "transfers", "service_incomes",
        Prefetch("consortium_members", queryset=ConsortiumMember.objects.select_related("organisation")),
        Prefetch("preliminary_reviews", queryset=PreliminaryReview.objects.select_related("recommender", "decided_by")),
    )


TRANSITION_NAMES = sorted({t.name for t in Application._meta.get_field("status").get_all_transitions(Application)})
DETAIL_ACTIONS = {"retrieve", "update", "partial_update", "create"}


class RevisionSerializer(serializers.ModelSerializer):
    submitted_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Revision
        fields = ["number", "submitted_at", "submitted_by_name"]
        read_only_fields = fields

    def get_submitted_by_name(self, obj) -> str:
        return str(obj.submitted_by)


class RevisionDetailSerializer(RevisionSerializer):
    snapshot = serializers.JSONField(read_only=True)

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields


class ChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.JSONField()
    after = serializers.JSONField()


RevisionDiffSerializer = inline_serializer(
    name="RevisionDiff",
    fields={
        "from": serializers.IntegerField(),
        "to": serializers.IntegerField(allow_null=True, help_text=gettext_lazy("null: the dossier as it is now")),
        "changes": ChangeSerializer(many=True),
    },
)


def _editable_or_403(application, user):
    if not application.is_editable_by(user):
        raise PermissionDenied(_("Only the host's applicants may change the dossier, and only while it is a draft or returned."))


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
        queryset = Application.objects.visible_to(self.request.user).for_table()
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
        if not (user.is_applicant and user.organisation.is_host):
            raise PermissionDenied(_("Only an applicant of a host institution may start an application."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            application = serializer.save(host=user.organisation, created_by=user)
        data = self.get_serializer(self.get_detailed(application.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        _editable_or_403(instance, request.user)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=instance.pk)
            _editable_or_403(locked, request.user)  # a submit may have won the race
            serializer.instance = locked
            serializer.save()
        return Response(self.get_serializer(self.get_detailed(instance.pk)).data)

    def destroy(self, request, *args, **kwargs):
        """A draft is never withdrawn, it is deleted (`Application.discard_draft`); anything else is a 409."""
        self.get_object().discard_draft(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=gettext_lazy("Submitted revisions"), responses={200: RevisionSerializer(many=True), 404: ERROR_RESPONSES[404]})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def revisions(self, request, pk=None):
        application = self.get_object()
        revisions = application.revisions.select_related("submitted_by").order_by("number")
        return Response(RevisionSerializer(revisions, many=True).data)

    @extend_schema(
        summary=gettext_lazy("One submitted revision, with its frozen dossier"),
        parameters=[OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: RevisionDetailSerializer, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path=r"revisions/(?P<number>[0-9]+)", url_name="revision",
            filter_backends=[], pagination_class=None)
    def revision(self, request, pk=None, number=None):
        application = self.get_object()
        revision = get_object_or_404(application.revisions.select_related("submitted_by"), number=number)
        return Response(RevisionDetailSerializer(revision).data)

    @extend_schema(
        summary=gettext_lazy("What changed between two revisions"),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True,
                             description=gettext_lazy("Revision number to compare from.")),
            OpenApiParameter("to", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                             description=gettext_lazy("Revision number to compare to; omitted: the dossier as it is now.")),
        ],
        responses={200: RevisionDiffSerializer, 400: ERROR_RESPONSES[400], 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path="revisions/diff", url_name="revision-diff",
            filter_backends=[], pagination_class=None)
    def revision_diff(self, request, pk=None):
        application = self.get_object()
        snapshots = dict(application.revisions.values_list("number", "snapshot"))
        old = self._revision_param("from", snapshots, required=True)
        new = self._revision_param("to", snapshots, required=False)
        before = snapshots[old]
        after = snapshots[new] if new is not None else snapshot(application)
        changes = [{"label": str(c.label), "before": c.before, "after": c.after} for c in diff(before, after)]
        return Response({"from": old, "to": new, "changes": ChangeSerializer(changes, many=True).data})

    def _revision_param(self, name, snapshots, required):
        raw = self.request.query_params.get(name, "").strip()
        if not raw:
            if required:
                raise ValidationError({name: [_("Give a revision number.")]})
            return None
        if not raw.isdigit() or int(raw) not in snapshots:
            raise ValidationError({name: [_("There is no revision %(number)s.") % {"number": raw}]})
        return int(raw)


# --- attachments ----------------------------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True, help_text=gettext_lazy("Checked by content, not by name."))
    section_display = serializers.CharField(source="get_section_display", read_only=True)
    outcome_item = named_choice_field("OutcomeItemEnum", OutcomeClaim.Item.choices, required=False, allow_null=True)
    uploaded_by_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "file", "section", "section_display", "outcome_item", "description", "original_name",
            "content_type", "size", "sha256", "uploaded_by_name", "uploaded_at", "download_url",
        ]
        read_only_fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]

    def get_uploaded_by_name(self, obj) -> str:
        return str(obj.uploaded_by)

    def get_download_url(self, obj) -> str:
        from django.urls import reverse

        url = reverse("api:application-attachment-download", args=[obj.application_id, obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def validate(self, attrs):
        uploaded = attrs["file"]
        try:
            content_type, size, sha256 = inspect_upload(uploaded)
        except DjangoValidationError as exc:
            raise ValidationError(_field_errors(exc, Attachment)) from exc
        attrs.update(content_type=content_type, size=size, sha256=sha256,
                     original_name=(uploaded.name or "upload")[-255:])
        return attrs


@extend_schema(parameters=[OpenApiParameter("application_pk", OpenApiTypes.INT, OpenApiParameter.PATH)])
@extend_schema_view(
    create=extend_schema(summary=gettext_lazy("Upload evidence (while the dossier is editable)"),
                         responses={201: AttachmentSerializer, **ERROR_RESPONSES}),
    destroy=extend_schema(responses={204: None, 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]}),
)
class ApplicationAttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Evidence files of one application; the application must be visible to you (else 404)."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = None
    filter_backends = []

    def get_application(self):
        if not hasattr(self, "_application"):
            visible = Application.objects.visible_to(self.request.user)
            self._application = get_object_or_404(visible, pk=self.kwargs["application_pk"])
        return self._application

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return Attachment.objects.filter(application=self.get_application()).select_related("uploaded_by")

    def create(self, request, *args, **kwargs):
        _editable_or_403(self.get_application(), request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=self.get_application().pk)
            _editable_or_403(locked, request.user)
            serializer.save(application=locked, uploaded_by=request.user)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        attachment = self.get_object()
        _editable_or_403(self.get_application(), request.user)
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=attachment.application_id)
            _editable_or_403(locked, request.user)
            storage, name = attachment.file.storage, attachment.file.name
            attachment.delete()
            transaction.on_commit(lambda: storage.delete(name))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=gettext_lazy("Download the file"),
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, application_pk=None, pk=None):
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("The file is missing.")) from exc
        response = FileResponse(
            handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
