"""`/api/laboratories/<lab>/extension-requests/`: the one extension of the construction period (Art. 18),
filed by the host's users, granted or refused by SAMR or MIIT staff."""

from django.db import transaction
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from kernel.api_views import (
    ERROR_RESPONSES,
    ChoiceLabelField,
    WithTransitions,
    declared_transition_names,
    named_choice_field,
    transition_schema,
)
from reviews.api.common import PersonNameSerializer

from .. import services
from ..models import ExtensionRequest, ExtensionStatus
from .common import LAB_PK, LabScoped, LabScopedTransitions, same_lab


class ExtensionRequestSerializer(WithTransitions, serializers.ModelSerializer):
    status = named_choice_field("ExtensionStatusEnum", ExtensionStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    filed_by = PersonNameSerializer(read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = ["id", "laboratory", "months", "reason", "filed_on", "filed_by", "status", "status_display",
                  "available_transitions"]
        read_only_fields = fields

    def to_representation(self, instance):
        return super().to_representation(same_lab(instance, self.context))


class ExtensionRequestCreateSerializer(serializers.Serializer):
    months = serializers.IntegerField(help_text=gettext_lazy("At most 12, once (Art. 18)."))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("The lab's extension requests (Art. 18)")),
    create=extend_schema(
        summary=gettext_lazy("Request an extension of the construction period (host's users)"),
        description=gettext_lazy("At least 3 months before the construction period ends, for at most 12 months, "
                                 "once (Art. 18); a refusal is a 400 naming the field and the article."),
        request=ExtensionRequestCreateSerializer, responses={201: ExtensionRequestSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(ExtensionRequestSerializer, names=declared_transition_names(ExtensionRequest)),
)
class ExtensionRequestViewSet(LabScopedTransitions, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                              mixins.CreateModelMixin, LabScoped):
    """SAMR or MIIT staff grant (the end moves) or refuse (with a reason) a request."""

    model = ExtensionRequest

    def scoped(self, queryset):
        return queryset.select_related("filed_by").order_by("-filed_on", "-pk")

    def get_serializer_class(self):
        return ExtensionRequestCreateSerializer if self.action == "create" else ExtensionRequestSerializer

    def create(self, request, *args, **kwargs):
        self.get_laboratory()
        serializer = ExtensionRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            extension = services.file_extension_request(self.locked_laboratory(), request.user, data["months"],
                                                        data["reason"])
        fresh = self.get_queryset().get(pk=extension.pk)
        return Response(ExtensionRequestSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
