"""API conventions: errors as JSON with `detail` and, where a rule applies, `article` (the code, "Art. 12 (1)")
and `citation` (the same article as a reader reads it in the request's language: 第十二条第（一）项).

400 invalid data or a broken rule, 403 not allowed for this user, 409 not possible from this state.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .citations import cite
from .rules import RuleViolation
from .transitions import TransitionConflict


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
