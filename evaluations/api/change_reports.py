"""`/api/laboratories/<lab>/change-reports/`: major changes reported by the host (Art. 24; a new name is
checked as at approval, Art. 31), accepted or sent to re-review by SAMR or MIIT staff."""

from django.core.exceptions import ValidationError as DjangoValidationError
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
from kernel.rules import RuleViolation
from reviews.api.common import PersonNameSerializer

from .. import services
from ..models import ChangeKind, ChangeReport, ChangeStatus
from .common import LAB_PK, LabScoped, LabScopedTransitions, same_lab


class ArticleValidationError(RuleViolation):
    """A model's field errors (e.g. the Art. 31 name check of `ChangeReport.clean`) answered with the
    article they rest on, as a RuleViolation is."""

    def __init__(self, exc, article):
        DjangoValidationError.__init__(self, exc.error_dict if hasattr(exc, "error_dict") else exc.messages)
        self.article, self.field, self.rule_message = article, None, " ".join(exc.messages)


class ChangeReportSerializer(WithTransitions, serializers.ModelSerializer):
    kind = named_choice_field("ChangeKindEnum", ChangeKind.choices, read_only=True)
    kind_display = ChoiceLabelField(source="kind")
    status = named_choice_field("ChangeStatusEnum", ChangeStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    filed_by = PersonNameSerializer(read_only=True)

    class Meta:
        model = ChangeReport
        fields = ["id", "laboratory", "kind", "kind_display", "description", "new_name_zh", "new_name_en_subject",
                  "filed_by", "filed_at", "status", "status_display", "available_transitions"]
        read_only_fields = fields

    def to_representation(self, instance):
        return super().to_representation(same_lab(instance, self.context))


NEW_NAME_FIELDS = ("new_name_zh", "new_name_en_subject")


class ChangeReportCreateSerializer(serializers.Serializer):
    kind = named_choice_field("ChangeKindEnum", ChangeKind.choices)
    description = serializers.CharField(max_length=20000, help_text=gettext_lazy("What changes and why (Art. 24)."))
    new_name_zh = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                        help_text=gettext_lazy("A renaming: “××国家质量标准实验室” (Art. 31)."))
    new_name_en_subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=150,
                                                help_text=gettext_lazy("A renaming: the ×× part only (Art. 31)."))


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("The lab's change reports (Art. 24)")),
    create=extend_schema(
        summary=gettext_lazy("Report a major change: renaming, research direction, restructuring (host's users)"),
        description=gettext_lazy("A new name is checked as at approval (Art. 31): 400 on the name field."),
        request=ChangeReportCreateSerializer, responses={201: ChangeReportSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(ChangeReportSerializer, names=declared_transition_names(ChangeReport)),
)
class ChangeReportViewSet(LabScopedTransitions, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, LabScoped):
    """SAMR or MIIT staff accept a change (it takes effect) or order a re-review (a comprehensive evaluation)."""

    model = ChangeReport

    def scoped(self, queryset):
        return queryset.select_related("filed_by").order_by("-filed_at", "-pk")

    def get_serializer_class(self):
        return ChangeReportCreateSerializer if self.action == "create" else ChangeReportSerializer

    def create(self, request, *args, **kwargs):
        self.get_laboratory()
        serializer = ChangeReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():
                change = services.file_change_report(
                    self.locked_laboratory(), request.user, data["kind"], data["description"],
                    new_name_zh=data["new_name_zh"], new_name_en_subject=data["new_name_en_subject"],
                )
        except RuleViolation:
            raise
        except DjangoValidationError as exc:  # the model's Art. 31 check of a new name
            if set(getattr(exc, "error_dict", ())) & set(NEW_NAME_FIELDS):
                raise ArticleValidationError(exc, "Art. 31") from exc
            raise
        fresh = self.get_queryset().get(pk=change.pk)
        return Response(ChangeReportSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
