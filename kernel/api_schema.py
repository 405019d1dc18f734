"""The OpenAPI schema says what the API really answers (checked by `make securitycheck`'s schemathesis run).

drf-spectacular documents what each view declares; two things every operation shares are added here once:
- the error answers any operation can give (`kernel.api.exception_handler` bodies): 400 bad parameters,
  401 without credentials, 403 not allowed, 404 not found or not visible, 429 throttled; 413 for a body over
  the upload cap wherever a body is sent;
- a read-only choice taken from a model field that may be blank (DRF drops `allow_blank` from read-only
  fields, so the schema would say "" is not a valid value of an answer that holds it).
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

_DESCRIPTIONS = {
    "400": gettext_lazy("Invalid data or a rule of the Measures refused it."),
    "401": gettext_lazy("No valid credentials: log in or send a token."),
    "403": gettext_lazy("Not allowed for this user."),
    "404": gettext_lazy("Not found or not visible to this user."),
    "413": gettext_lazy("The body is larger than the upload limit."),
    "429": gettext_lazy("Too many requests: wait and try again."),
}
_ALWAYS = ("400", "401", "403", "404", "429")
_WITH_BODY = ("413",)


class PortalAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank and _model_field_may_be_blank(field):
            field.allow_blank = True  # read-only: nothing is validated with it, only documented
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _model_field_may_be_blank(field):
    meta = getattr(getattr(field, "parent", None), "Meta", None)
    model = getattr(meta, "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents the error answers it can give."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = _ALWAYS + (_WITH_BODY if "requestBody" in operation else ())
            for code in codes:
                operation["responses"].setdefault(code, {"content": error, "description": _DESCRIPTIONS[code]})
    return result
