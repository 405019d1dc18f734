"""`/api/laboratories/<lab>/acceptance-applications/` (read only): filed with the lab's `apply_for_acceptance`
transition (Art. 18), decided in an acceptance round (Art. 19)."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from kernel.api_views import ChoiceLabelField, named_choice_field
from reviews.api.common import PersonNameSerializer

from ..models import AcceptanceApplication
from .common import LAB_PK, VERDICTS, LabScoped
from .laboratories import GoalStatementSerializer


class AcceptanceApplicationSerializer(serializers.ModelSerializer):
    goal_statements = GoalStatementSerializer(many=True, read_only=True)
    filed_by = PersonNameSerializer(read_only=True)
    verdict = named_choice_field("AcceptanceVerdictEnum", VERDICTS, read_only=True)
    verdict_display = ChoiceLabelField(source="verdict")

    class Meta:
        model = AcceptanceApplication
        fields = ["id", "laboratory", "report", "goal_statements", "filed_by", "filed_at", "verdict", "verdict_display",
                  "opinion", "decided_at"]
        read_only_fields = fields


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(list=extend_schema(summary=gettext_lazy("The lab's acceptance applications and their verdicts")))
class AcceptanceApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, LabScoped):
    """Filed with the `apply_for_acceptance` transition of the lab (Art. 18); decided in an acceptance round."""

    model = AcceptanceApplication
    serializer_class = AcceptanceApplicationSerializer

    def scoped(self, queryset):
        return queryset.select_related("filed_by").order_by("-filed_at", "-pk")
