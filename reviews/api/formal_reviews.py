"""`/api/formal-review-items/`: the formal review checklist (Art. 13). The review itself is the application
transitions `pass_formal_review` / `request_supplement` / `reject_formally` with `checks`."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from kernel.api_views import is_schema_view

from ..models import FormalReviewItem
from .common import IsMinistryStaff, staff_only


class FormalReviewItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = FormalReviewItem
        fields = ["id", "text", "order", "active"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("The formal review checklist"),
        description=gettext_lazy(
            "Give the ticked items as `checks` ({item id: true/false}) to the application transitions "
            "pass_formal_review, request_supplement and reject_formally; passing needs every active item (Art. 13)."
        ),
    )
)
class FormalReviewItemViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsMinistryStaff]
    serializer_class = FormalReviewItemSerializer
    filterset_fields = ["active"]

    def get_queryset(self):
        if is_schema_view(self):
            return FormalReviewItem.objects.none()
        return staff_only(FormalReviewItem.objects.all(), self.request.user)
