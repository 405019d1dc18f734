"""`/api/applications/<id>/attachments/`: an application's evidence files, uploaded while the dossier is
editable, checked by content, downloaded only through the visible application."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from kernel.api_views import ERROR_RESPONSES, ChoiceLabelField, named_choice_field
from kernel.audit import record_download
from kernel.web import file_download

from ..models import Application, Attachment, OutcomeClaim
from ..uploads import inspect_upload
from .common import editable_or_403, field_errors


class AttachmentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True, help_text=gettext_lazy("Checked by content, not by name."))
    section_display = ChoiceLabelField(source="section")
    outcome_item = named_choice_field("OutcomeItemEnum", OutcomeClaim.Item.choices, required=False, allow_null=True)
    uploaded_by_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "file", "section", "section_display", "outcome_item", "description", "original_name",
            "content_type", "size", "sha256", "uploaded_by_name", "uploaded_at", "download_url",
        ]
        read_only_fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]

    def get_uploaded_by_name(self, obj) -> str:
        return str(obj.uploaded_by)

    def get_download_url(self, obj) -> str:
        url = reverse("api:application-attachment-download", args=[obj.application_id, obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def validate(self, attrs):
        uploaded = attrs["file"]
        try:
            content_type, size, sha256 = inspect_upload(uploaded)
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc, Attachment)) from exc
        attrs.update(content_type=content_type, size=size, sha256=sha256,
                     original_name=(uploaded.name or "upload")[-255:])
        return attrs


@extend_schema(parameters=[OpenApiParameter("application_pk", OpenApiTypes.INT, OpenApiParameter.PATH)])
@extend_schema_view(
    create=extend_schema(summary=gettext_lazy("Upload evidence (while the dossier is editable)"),
                         responses={201: AttachmentSerializer, **ERROR_RESPONSES}),
    destroy=extend_schema(responses={204: None, 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]}),
)
class ApplicationAttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Evidence files of one application; the application must be visible to you (else 404)."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = None
    filter_backends = []

    def get_application(self):
        if not hasattr(self, "_application"):
            visible = Application.objects.visible_to(self.request.user)
            self._application = get_object_or_404(visible, pk=self.kwargs["application_pk"])
        return self._application

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return Attachment.objects.filter(application=self.get_application()).select_related("uploaded_by")

    def create(self, request, *args, **kwargs):
        editable_or_403(self.get_application(), request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=self.get_application().pk)
            editable_or_403(locked, request.user)
            serializer.save(application=locked, uploaded_by=request.user)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        attachment = self.get_object()
        editable_or_403(self.get_application(), request.user)
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=attachment.application_id)
            editable_or_403(locked, request.user)
            storage, name = attachment.file.storage, attachment.file.name
            attachment.delete()
            transaction.on_commit(lambda: storage.delete(name))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=gettext_lazy("Download the file"),
        responses={(200, "*/*"): OpenApiTypes.BINARY, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, application_pk=None, pk=None):
        attachment = self.get_object()
        response = file_download(attachment.file, attachment.original_name, attachment.content_type)
        record_download(request, self.get_application(), attachment.original_name, attachment=attachment.pk,
                        sha256=attachment.sha256)
        return response
