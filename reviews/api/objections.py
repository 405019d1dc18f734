"""`/api/objections/`: objections lodged during publicity, as staff examine them: the objector's ID card
number masked, the files downloaded through the objection, `dismiss` / `sustain` with reasons."""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

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
from kernel.formatting import mask_identifier

from ..models import Objection, ObjectionStatus
from .common import ApplicationBriefSerializer, download_file


class ObjectionSerializer(WithTransitions, serializers.ModelSerializer):
    notice = serializers.PrimaryKeyRelatedField(read_only=True)
    application = ApplicationBriefSerializer(read_only=True)
    objector_kind = named_choice_field("ObjectorKindEnum", Objection.ObjectorKind.choices, read_only=True)
    status = named_choice_field("ObjectionStatusEnum", ObjectionStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
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


class ObjectionFilter(IdFilterSet):
    status = django_filters.ChoiceFilter(choices=ObjectionStatus.choices, label=gettext_lazy("status"))

    class Meta:
        model = Objection
        fields = ["status", "notice", "application"]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Objections lodged during publicity")),
    transition=transition_schema(ObjectionSerializer, names=declared_transition_names(Objection)),
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
        responses={(200, "*/*"): OpenApiTypes.BINARY, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<which>seal_scan|evidence)", url_name="file")
    def file(self, request, pk=None, which=None):
        objection = self.get_object()
        return download_file(request, objection, getattr(objection, which), None)
