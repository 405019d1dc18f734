"""`/api/public/approved/`, no login: the approved construction list (批准建设名单, Art. 13), and the public
line of a laboratory the other lab resources build on."""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from accounts.models import Organisation
from accounts.provinces import Province
from applications.choices import Field
from kernel.api_views import ChoiceLabelField, is_schema_view, named_choice_field

from ..models import LAB_LONG_TEXTS, LATEST_APPROVED_FIRST, Laboratory, LabStatus


class LaboratoryHostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    province = serializers.CharField(read_only=True)
    province_display = ChoiceLabelField(source="province", model=Organisation)


class PublicLaboratorySerializer(serializers.ModelSerializer):
    """A line of the approved construction list: what the public may read."""

    name_en = serializers.CharField(read_only=True)
    host = LaboratoryHostSerializer(read_only=True)
    field_display = ChoiceLabelField(source="field")
    status = named_choice_field("LaboratoryStatusEnum", LabStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")

    class Meta:
        model = Laboratory
        fields = [
            "id", "name_zh", "name_en", "host", "field", "field_display", "status", "status_display", "approved_on",
            "construction_start", "construction_end",
        ]
        read_only_fields = fields


class LaboratoryFilter(django_filters.FilterSet):
    field = django_filters.ChoiceFilter(choices=Field.choices, label=gettext_lazy("field"))
    province = django_filters.ChoiceFilter(field_name="host__province", choices=Province.choices,
                                           label=gettext_lazy("host province"))

    class Meta:
        model = Laboratory
        fields = ["field", "province"]


def _table(queryset):
    """A list of labs in its order (the lists' order, names in pinyin), with the host loaded and without the lab's long
    texts (here and at `/api/laboratories/`)."""
    return queryset.select_related("host").defer(*LAB_LONG_TEXTS).order_by(*LATEST_APPROVED_FIRST)


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
