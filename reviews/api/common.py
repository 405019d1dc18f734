"""What the ministry-stage API's modules share (the laboratory API too): who may use the staff endpoints,
uploaded and downloaded files, and how people and applications are named inside a resource."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission

from accounts.models import User
from accounts.rules import is_staff_reader
from applications.models import Application, Status
from applications.uploads import inspect_upload
from kernel.api_views import ChoiceLabelField, named_choice_field
from kernel.audit import record_download
from kernel.web import file_download

# --- who may use the staff endpoints -------------------------------------------------------------


class IsMinistryStaff(BasePermission):
    """The ministry-side resources: 403 for anyone but SAMR/MIIT staff (and administrators)."""

    message = gettext_lazy("Only SAMR or MIIT staff can use this.")

    def has_permission(self, request, view):
        return is_staff_reader(request.user)


def staff_only(queryset, user):
    """Models without a `visible_to` of their own are the ministries' working data: nothing for others."""
    return queryset if is_staff_reader(user) else queryset.none()


def file_errors(exc, field_name):
    """`inspect_upload` names its field `file`; name the API's field instead."""
    messages = exc.message_dict.get("file", exc.messages) if hasattr(exc, "error_dict") else exc.messages
    return ValidationError({field_name: [str(m) for m in messages]})


def checked_file(uploaded, field_name):
    if uploaded is None:
        return None
    try:
        inspect_upload(uploaded)
    except DjangoValidationError as exc:
        raise file_errors(exc, field_name) from exc
    return uploaded


def download_file(request, subject, field_file, name):
    """A stored file of `subject` (a report, a seal scan), recorded in the audit trail as downloaded."""
    response = file_download(field_file, name)
    record_download(request, subject, name or field_file.name.rsplit("/", 1)[-1], field=field_file.field.name)
    return response


# --- how people and applications are named inside a resource ------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    """A user as named inside another resource (experts, staff)."""

    organisation_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "full_name", "organisation_name"]
        read_only_fields = fields

    def get_organisation_name(self, obj) -> str:
        return obj.organisation.name if obj.organisation_id else ""


class PersonNameSerializer(serializers.ModelSerializer):
    """A user by name only (where the organisation is not loaded)."""

    class Meta:
        model = User
        fields = ["id", "full_name"]
        read_only_fields = fields


class HostNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    province = serializers.CharField(read_only=True)


class ApplicationBriefSerializer(serializers.ModelSerializer):
    """An application as named inside a ministry resource (needs `host` loaded)."""

    host = HostNameSerializer(read_only=True)
    status = named_choice_field("ApplicationStatusEnum", Status.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    field_display = ChoiceLabelField(source="field")

    class Meta:
        model = Application
        fields = ["id", "name_zh", "host", "field", "field_display", "status", "status_display"]
        read_only_fields = fields


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


def visible_applications(serializer):
    request = serializer.context.get("request")
    return Application.objects.visible_to(request.user) if request is not None else Application.objects.none()
