"""`/api/laboratories/<lab>/evaluations/` (read only): the lab's comprehensive evaluations (Art. 26-27),
decided in an evaluation round."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from kernel.api_views import ChoiceLabelField, named_choice_field

from ..models import Evaluation
from .common import LAB_PK, RESULTS, LabScoped


class EvaluationSerializer(serializers.ModelSerializer):
    result = named_choice_field("EvaluationResultEnum", RESULTS, read_only=True)
    result_display = ChoiceLabelField(source="result")

    class Meta:
        model = Evaluation
        fields = ["id", "laboratory", "cycle", "is_reevaluation", "result", "result_display", "opinion", "decided_at"]
        read_only_fields = fields


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(list=extend_schema(summary=gettext_lazy("The lab's comprehensive evaluations (Art. 26-27)")))
class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, LabScoped):
    model = Evaluation
    serializer_class = EvaluationSerializer

    def scoped(self, queryset):
        return queryset.order_by("-pk")
