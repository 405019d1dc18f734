"""What the laboratory API's modules share: the blank-until-decided choices, and the base of a lab's
records nested under it (`/api/laboratories/<laboratory_pk>/...`)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets
from rest_framework.decorators import action

from kernel.api_views import TransitionsMixin, is_schema_view

from ..models import AcceptanceVerdict, EvaluationResult, Laboratory

# Blank until decided.
RESULTS = [("", "—"), *EvaluationResult.choices]
VERDICTS = [("", "—"), *AcceptanceVerdict.choices]


LAB_PK = OpenApiParameter("laboratory_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                          description=gettext_lazy("The laboratory's id."))


class LabScoped(viewsets.GenericViewSet):
    """A lab's records: the lab must be visible to you (else 404), and so are they then."""

    filter_backends = []
    model = None

    def get_laboratory(self):
        if not hasattr(self, "_laboratory"):
            visible = Laboratory.objects.visible_to(self.request.user).select_related("host")
            self._laboratory = get_object_or_404(visible, pk=self.kwargs["laboratory_pk"])
        return self._laboratory

    def get_queryset(self):
        if is_schema_view(self):
            return self.model.objects.none()
        return self.scoped(self.model.objects.filter(laboratory=self.get_laboratory()))

    def scoped(self, queryset):
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not is_schema_view(self) and "laboratory_pk" in self.kwargs:
            context["laboratory"] = self.get_laboratory()
        return context

    def locked_laboratory(self):
        """The visible lab, locked: two requests never file two records at once."""
        return Laboratory.objects.select_for_update().get(pk=self.get_laboratory().pk)


class LabScopedTransitions(TransitionsMixin):
    """`transitions/<name>/` of a record nested under its lab (the route also carries `laboratory_pk`)."""

    @action(detail=True, methods=["post"], url_name="transition",
            url_path=r"transitions/(?P<transition>[a-z][a-z0-9_]*)")
    def transition(self, request, laboratory_pk=None, pk=None, transition=None):
        return TransitionsMixin.transition(self, request, pk=pk, transition=transition)


def same_lab(obj, context):
    """Rows of one lab's list share the lab already loaded (no query per row)."""
    lab = context.get("laboratory")
    if lab is not None and obj.laboratory_id == lab.pk:
        obj.laboratory = lab
    return obj
