"""`/api/analytics/<chart>/`: the dashboards' figures (`evaluations.analytics`) for ministry staff and administrators,
and for a recommender limited to what it may see; anyone else 403. The same dicts the dashboard page draws and
tabulates, in the reader's language, from the cache."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.api_views import ERROR_RESPONSES

from .. import analytics


class ReadsAnalytics(BasePermission):
    message = gettext_lazy("The dashboards are for SAMR and MIIT staff and for recommenders.")

    def has_permission(self, request, view):
        return analytics.may_read(request.user)


class _ChartView(APIView):
    permission_classes = [ReadsAnalytics]
    chart = None

    def get(self, request):
        return Response(getattr(analytics, self.chart)(request.user))


_RESPONSES = {200: OpenApiTypes.OBJECT, 403: ERROR_RESPONSES[403]}


class PipelineView(_ChartView):
    """The application pipeline: per stage, how many reached it, are at it and left there (and how)."""

    @extend_schema(
        summary=gettext_lazy("Application pipeline"), responses=_RESPONSES,
        parameters=[OpenApiParameter("call", OpenApiTypes.INT, description=gettext_lazy("Only this call's applications"))],
    )
    def get(self, request):
        return Response(analytics.pipeline(request.user, analytics.chosen_call(request.user, request.query_params.get("call"))))


class BreakdownsView(_ChartView):
    """Applications and laboratories by year, Art. 4 field, Art. 3 direction and province."""

    chart = "breakdowns"

    @extend_schema(summary=gettext_lazy("Applications and laboratories by year, field, direction and province"),
                   responses=_RESPONSES)
    def get(self, request):
        return super().get(request)


class ScoresView(_ChartView):
    """Histograms of the experts' weighted totals in the latest rounds."""

    chart = "scores"

    @extend_schema(summary=gettext_lazy("Score distributions per round"), responses=_RESPONSES)
    def get(self, request):
        return super().get(request)


class DeadlinesView(_ChartView):
    """Deadlines by the month they fall due: met, missed, overdue and open."""

    chart = "deadlines"

    @extend_schema(summary=gettext_lazy("Deadlines per month"), responses=_RESPONSES)
    def get(self, request):
        return super().get(request)
