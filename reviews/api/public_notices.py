"""`/api/public/notices/`, no login: what is under publicity, and the real-name objection form (Art. 13),
throttled per address like the public page's."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.models import Organisation
from applications.models import Application
from kernel import throttle
from kernel.api_views import ERROR_RESPONSES, ChoiceLabelField, is_schema_view, named_choice_field

from .. import services
from ..models import Objection, ObjectionStatus, PublicityNotice
from .common import checked_file


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
    province = ChoiceLabelField(source="host.province", model=Organisation)
    field_display = ChoiceLabelField(source="field")

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
        return checked_file(value, "seal_scan")

    def validate_evidence(self, value):
        return checked_file(value, "evidence")


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
