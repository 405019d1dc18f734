"""`/api/inspections/`: site inspections (现场考察, Art. 13). Recording one moves the application on
(inspected or rejected); the report is downloaded through the inspection."""

from django.db import transaction
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from applications.models import Application
from kernel.api import SafeJSONParser
from kernel.api_views import ERROR_RESPONSES, ChoiceLabelField, is_schema_view, named_choice_field
from kernel.validators import sane_date

from .. import services
from ..models import SiteInspection
from .common import (
    ApplicationBriefSerializer,
    IsMinistryStaff,
    PersonNameSerializer,
    checked_file,
    download_file,
    staff_only,
    visible_applications,
)


class SiteInspectionSerializer(serializers.ModelSerializer):
    application = ApplicationBriefSerializer(read_only=True)
    verdict = named_choice_field("InspectionVerdictEnum", SiteInspection.Verdict.choices, read_only=True)
    verdict_display = ChoiceLabelField(source="verdict")
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
    visited_on = serializers.DateField(validators=[sane_date(gettext_lazy("date of visit"), latest="today")])
    findings = serializers.CharField(max_length=20000)
    verdict = named_choice_field("InspectionVerdictEnum", SiteInspection.Verdict.choices)
    report = serializers.FileField(
        required=False, allow_null=True, help_text=gettext_lazy("Report or photos; checked by content, not by name.")
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["application"].queryset = visible_applications(self)
        return fields

    def validate_report(self, value):
        return checked_file(value, "report")


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
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]
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
        responses={(200, "*/*"): OpenApiTypes.BINARY, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        inspection = self.get_object()
        return download_file(request, inspection, inspection.report, inspection.report_name)
