"""What the application API's modules share: model errors as DRF field errors, the edit guard, and the
timeline of an object (which the laboratory API reuses)."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.settings import api_settings

from kernel.models import AuditEntry

from ..models import Status


def field_errors(exc, model):
    """A model ValidationError as DRF field errors; a broken unique constraint names its field."""
    errors = {}
    for key, messages in exc.message_dict.items():
        if key == NON_FIELD_ERRORS:
            key = _constraint_field(model) or api_settings.NON_FIELD_ERRORS_KEY
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return errors


def _constraint_field(model):
    for constraint in model._meta.constraints:
        fields = [f for f in getattr(constraint, "fields", ()) if f != "application"]
        if isinstance(constraint, models.UniqueConstraint) and len(fields) == 1:
            return fields[0]
    return None


def editable_or_403(application, user):
    if not application.is_editable_by(user):
        raise PermissionDenied(_("Only the host's applicants may change the dossier, and only while it is a draft or returned."))


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    actor_organisation = serializers.SerializerMethodField()
    source_state_display = serializers.SerializerMethodField()
    target_state_display = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = [
            "at", "transition", "source_state", "source_state_display", "target_state", "target_state_display",
            "actor_name", "actor_organisation", "comment", "article",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else ""

    def get_actor_organisation(self, obj) -> str:
        return obj.actor.organisation.name if obj.actor_id and obj.actor.organisation_id else ""

    def _label(self, value):
        return str(dict(Status.choices).get(value, value))

    def get_source_state_display(self, obj) -> str:
        return self._label(obj.source_state)

    def get_target_state_display(self, obj) -> str:
        return self._label(obj.target_state)
