"""`/api/notices/`: publicity notices (公示, Art. 13) as staff open and close them, with the objections
lodged under each. The public side is `public_notices`."""

import django_filters
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from applications.models import Application
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
from kernel.validators import sane_date

from .. import services
from ..models import NoticeStatus, Objection, ObjectionStatus, PublicityNotice
from .common import ApplicationBriefSerializer, IsMinistryStaff, PersonNameSerializer, staff_only, visible_applications


class ObjectionBriefSerializer(serializers.ModelSerializer):
    status = named_choice_field("ObjectionStatusEnum", ObjectionStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")

    class Meta:
        model = Objection
        fields = ["id", "receipt_number", "application", "status", "status_display", "lodged_at"]
        read_only_fields = fields


class NoticeSerializer(WithTransitions, serializers.ModelSerializer):
    subject = named_choice_field("NoticeSubjectEnum", PublicityNotice.Subject.choices, read_only=True)
    status = named_choice_field("NoticeStatusEnum", NoticeStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
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
    starts_on = serializers.DateField(
        required=False, allow_null=True, validators=[sane_date(gettext_lazy("Day of publication"))],
        help_text=gettext_lazy("Default: today. A later day schedules the notice: it is published, and its window "
                               "starts, on that day (Art. 13); an earlier day is refused."))
    working_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=60,
        help_text=gettext_lazy("Length of the window in working days (default: the PUBLICITY_WORKING_DAYS setting)."),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["applications"].child_relation.queryset = visible_applications(self)
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
    transition=transition_schema(NoticeSerializer, names=declared_transition_names(PublicityNotice)),
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
