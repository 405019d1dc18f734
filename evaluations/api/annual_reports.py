"""`/api/laboratories/<lab>/annual-reports/`: annual construction and operation reports (Art. 18, 21-23,
26) with their outputs, which must credit the lab (Art. 23); the host acknowledges a construction report."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel.api_views import ERROR_RESPONSES, ChoiceLabelField, named_choice_field
from kernel.transitions import TransitionConflict
from reviews.api.common import PersonNameSerializer

from .. import services
from ..models import AnnualReport, ReportOutput
from ..rules import is_lab_host
from .common import LAB_PK, LabScoped, same_lab


class ReportOutputSerializer(serializers.ModelSerializer):
    kind = named_choice_field("ReportOutputKindEnum", ReportOutput.Kind.choices)
    kind_display = ChoiceLabelField(source="kind")
    credit_line = serializers.CharField(max_length=300, allow_blank=True,
                                        help_text=gettext_lazy("The affiliation as printed; must name the lab (Art. 23)."))

    class Meta:
        model = ReportOutput
        fields = ["kind", "kind_display", "title", "credit_line"]


class AnnualReportSerializer(serializers.ModelSerializer):
    kind = named_choice_field("AnnualReportKindEnum", AnnualReport.Kind.choices, read_only=True)
    kind_display = ChoiceLabelField(source="kind")
    outputs = ReportOutputSerializer(many=True, read_only=True)
    submitted_by = PersonNameSerializer(read_only=True)
    acknowledged_by = PersonNameSerializer(read_only=True, allow_null=True)
    may_acknowledge = serializers.SerializerMethodField(
        help_text=gettext_lazy("You may acknowledge it for the host (Art. 18)."),
    )

    class Meta:
        model = AnnualReport
        fields = ["id", "laboratory", "kind", "kind_display", "period", "due_on", "summary", "open_projects",
                  "exchanges", "public_services", "outputs", "submitted_by", "submitted_at", "acknowledged_by",
                  "acknowledged_at", "may_acknowledge"]
        read_only_fields = fields

    def to_representation(self, instance):
        return super().to_representation(same_lab(instance, self.context))

    def get_may_acknowledge(self, obj) -> bool:
        request = self.context.get("request")
        return request is not None and services.may_acknowledge_report(obj, request.user)


class AnnualReportCreateSerializer(serializers.Serializer):
    kind = named_choice_field("AnnualReportKindEnum", AnnualReport.Kind.choices,
                              help_text=gettext_lazy("The report that is due (see `reports_due` of the lab)."))
    period = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=100,
        help_text=gettext_lazy("The year number of the report being filed (`period` of `reports_due`): send it so that a "
                               "repeated request answers 409 “already filed” instead of filing the next year's report."))
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=100000)
    open_projects = serializers.CharField(required=False, allow_blank=True, default="", max_length=100000)
    exchanges = serializers.CharField(required=False, allow_blank=True, default="", max_length=100000)
    public_services = serializers.CharField(required=False, allow_blank=True, default="", max_length=100000)
    outputs = ReportOutputSerializer(many=True, required=False, default=list,
                                     help_text=gettext_lazy("Monographs, papers, software, databases (Art. 23)."))


@extend_schema(parameters=[LAB_PK])
@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("The lab's annual reports with their outputs")),
    create=extend_schema(
        summary=gettext_lazy("File the annual construction or operation report that is due (host's users)"),
        description=gettext_lazy("Every output must carry the lab's name (Art. 23): otherwise 400 on `outputs` naming "
                                 "the titles, and nothing is saved."),
        request=AnnualReportCreateSerializer, responses={201: AnnualReportSerializer, **ERROR_RESPONSES},
    ),
)
class AnnualReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, LabScoped):
    model = AnnualReport

    def scoped(self, queryset):
        return queryset.select_related("submitted_by", "acknowledged_by").prefetch_related(
            Prefetch("outputs", queryset=ReportOutput.objects.order_by("pk"))
        ).order_by("-due_on", "-pk")

    def get_serializer_class(self):
        return AnnualReportCreateSerializer if self.action == "create" else AnnualReportSerializer

    def _answer(self, report, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=report.pk)
        return Response(AnnualReportSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        self.get_laboratory()
        serializer = AnnualReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        kind, outputs, period = data.pop("kind"), [dict(o) for o in data.pop("outputs")], data.pop("period")
        try:
            with transaction.atomic():
                report = services.submit_annual_report(self.locked_laboratory(), request.user, kind, data, outputs,
                                                       period=period)
        except services.ReportAlreadyFiled as exc:
            raise TransitionConflict(exc.rule_message) from exc
        except IntegrityError as exc:
            raise TransitionConflict(_("This report was filed meanwhile, in another window.")) from exc
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("Acknowledge the annual construction report for the host (Art. 18)"),
        request=None, responses={200: AnnualReportSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, laboratory_pk=None, pk=None):
        report = self.get_object()
        report.laboratory = self.get_laboratory()
        if not is_lab_host(request.user, report.laboratory):
            raise PermissionDenied(_("Only the host institution's users acknowledge the lab's reports."))
        if not services.may_acknowledge_report(report, request.user):
            raise TransitionConflict(_("This report is not awaiting the host's acknowledgement."), article="Art. 18")
        services.acknowledge_report(report, request.user)
        return self._answer(report)
