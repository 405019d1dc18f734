"""API conventions: errors as JSON with `detail` and, where a rule applies, `article` (the code, "Art. 12 (1)")
and `citation` (the same article as a reader reads it in the request's language: 第十二条第（一）项).

400 invalid data or a broken rule, 403 not allowed for this user, 409 not possible from this state.
"""

from csp.constants import UNSAFE_INLINE
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .citations import cite
from .rules import RuleViolation
from .transitions import TransitionConflict


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, but a body nested deeper than Python's stack (`[[[[...]]]]`) is a 400, not a 500:
    the standard library's decoder raises RecursionError there, which DRF lets through."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None


class PortalBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's HTML pages of the API: its templates lay out a few elements with style attributes and a <style> block,
    so these pages alone allow inline styles (never inline scripts: DRF's are files)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)


class PortalMetadata(SimpleMetadata):
    """The answer to OPTIONS: DRF's, except that a serializer nesting itself (an eligibility line's children
    are eligibility lines) is described once and then referred to by name instead of recursing forever."""

    def get_serializer_info(self, serializer):
        describing = self.__dict__.setdefault("_describing", [])
        kind = type(getattr(serializer, "child", serializer))
        if kind in describing:
            return {"recursive": kind.__name__}
        describing.append(kind)
        try:
            return super().get_serializer_info(serializer)
        finally:
            describing.pop()


def exception_handler(exc, context):
    if isinstance(exc, TransitionConflict):
        body = {"detail": exc.message}
        _add_article(body, exc.article)
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        body = {"detail": " ".join(str(m) for m in exc.messages)}
        if hasattr(exc, "error_dict"):
            body["errors"] = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        if isinstance(exc, RuleViolation):
            _add_article(body, exc.article)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "Permission denied."}, status=status.HTTP_403_FORBIDDEN)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, DRFValidationError) and response is not None and "detail" not in (response.data or {}):
        response.data = {"detail": _first_message(response.data), "errors": response.data}
    return response


def _add_article(body, code):
    if code:
        body["article"] = code
        body["citation"] = cite(code)


def _first_message(data):
    """A readable summary of DRF's nested error structure: `field: message` of the first error."""
    path = []
    while isinstance(data, (dict, list)) and data:
        if isinstance(data, dict):
            key = next(iter(data))
            if key != "non_field_errors":
                path.append(str(key))
            data = data[key]
        else:
            data = data[0]
    return f"{'.'.join(path)}: {data}" if path else str(data)


@csrf_exempt  # it changes nothing; a cookie-carrying DELETE to a wrong address gets this 404, not the CSRF page
def not_found(request, *args, **kwargs):
    """An /api/ address that matches no resource: the API's own 404 body, not the site's HTML page."""
    return JsonResponse({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND, json_dumps_params={"ensure_ascii": False})
