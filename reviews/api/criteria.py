"""`/api/criteria-sets/`: the criteria experts score (with their weights), by purpose: applications,
acceptance or evaluation."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from kernel.api_views import ChoiceLabelField, is_schema_view, named_choice_field

from ..models import CriteriaSet, Criterion
from .common import IsMinistryStaff, staff_only


class GradingBandSerializer(serializers.Serializer):
    low = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    high = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    text = serializers.CharField(read_only=True, help_text=gettext_lazy("What a score in this range means."))


class CriterionSerializer(serializers.ModelSerializer):
    bands = GradingBandSerializer(many=True, read_only=True,
                                  help_text=gettext_lazy("Grading bands: what each range of scores means, highest first."))

    class Meta:
        model = Criterion
        fields = ["id", "title", "article", "dimension", "guidance", "weight", "order", "bands"]
        read_only_fields = fields


class CriteriaSetSerializer(serializers.ModelSerializer):
    purpose = named_choice_field("CriteriaSetPurposeEnum", CriteriaSet.Purpose.choices, read_only=True)
    purpose_display = ChoiceLabelField(source="purpose")
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
