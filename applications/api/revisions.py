"""An application's submitted revisions (frozen dossiers) and what changed between two of them:
`GET /api/applications/<id>/revisions/[<number>/ | diff/]`, actions of the application resource."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from kernel.api_views import ERROR_RESPONSES

from ..models import Revision
from ..revisions import diff
from ..snapshots import snapshot


class RevisionSerializer(serializers.ModelSerializer):
    submitted_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Revision
        fields = ["number", "submitted_at", "submitted_by_name"]
        read_only_fields = fields

    def get_submitted_by_name(self, obj) -> str:
        return str(obj.submitted_by)


class RevisionDetailSerializer(RevisionSerializer):
    snapshot = serializers.JSONField(read_only=True)

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields


class ChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.JSONField()
    after = serializers.JSONField()


RevisionDiffSerializer = inline_serializer(
    name="RevisionDiff",
    fields={
        "from": serializers.IntegerField(),
        "to": serializers.IntegerField(allow_null=True, help_text=gettext_lazy("null: the dossier as it is now")),
        "changes": ChangeSerializer(many=True),
    },
)


class RevisionsMixin:
    """The revision actions of the application viewset (its `get_object()` decides what is visible)."""

    @extend_schema(summary=gettext_lazy("Submitted revisions"), responses={200: RevisionSerializer(many=True), 404: ERROR_RESPONSES[404]})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def revisions(self, request, pk=None):
        application = self.get_object()
        revisions = application.revisions.select_related("submitted_by").defer("snapshot").order_by("number")
        return Response(RevisionSerializer(revisions, many=True).data)

    @extend_schema(
        summary=gettext_lazy("One submitted revision, with its frozen dossier"),
        parameters=[OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: RevisionDetailSerializer, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path=r"revisions/(?P<number>[0-9]+)", url_name="revision",
            filter_backends=[], pagination_class=None)
    def revision(self, request, pk=None, number=None):
        application = self.get_object()
        revision = get_object_or_404(application.revisions.select_related("submitted_by"), number=number)
        return Response(RevisionDetailSerializer(revision).data)

    @extend_schema(
        summary=gettext_lazy("What changed between two revisions"),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True,
                             description=gettext_lazy("Revision number to compare from.")),
            OpenApiParameter("to", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                             description=gettext_lazy("Revision number to compare to; omitted: the dossier as it is now.")),
        ],
        responses={200: RevisionDiffSerializer, 400: ERROR_RESPONSES[400], 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path="revisions/diff", url_name="revision-diff",
            filter_backends=[], pagination_class=None)
    def revision_diff(self, request, pk=None):
        application = self.get_object()
        snapshots = dict(application.revisions.values_list("number", "snapshot"))
        old = self._revision_param("from", snapshots, required=True)
        new = self._revision_param("to", snapshots, required=False)
        before = snapshots[old]
        after = snapshots[new] if new is not None else snapshot(application)
        changes = [{"label": str(c.label), "before": c.before, "after": c.after} for c in diff(before, after)]
        return Response({"from": old, "to": new, "changes": ChangeSerializer(changes, many=True).data})

    def _revision_param(self, name, snapshots, required):
        raw = self.request.query_params.get(name, "").strip()
        if not raw:
            if required:
                raise ValidationError({name: [_("Give a revision number.")]})
            return None
        if not raw.isdecimal() or int(raw) not in snapshots:
            raise ValidationError({name: [_("There is no revision %(number)s.") % {"number": raw}]})
        return int(raw)
