"""Request bodies are capped before they are read: `BodySizeLimitMiddleware` answers 413 to a Content-Length above
REQUEST_MAX_BYTES without touching the body, and `CappedUploadHandler` counts the bytes of a multipart body as they
stream (a body that arrives longer than it said, as under ASGI) and stops past the same cap. A file past
UPLOAD_MAX_BYTES is not kept beyond the limit: it reaches the form as an empty file of its real size, which
`applications.uploads.inspect_upload` refuses with the limit in its message."""

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

_TOO_LARGE = "_body_too_large"


class BodyTooLarge(RequestDataTooBig):
    """A body that streamed past REQUEST_MAX_BYTES (Django answers 400; the middleware turns it into 413)."""


def too_large(request):
    limit = filesizeformat(settings.REQUEST_MAX_BYTES)
    message = _("The upload is larger than the portal accepts in one submission (%(limit)s). Send fewer or smaller "
                "files; each file may be at most %(file_limit)s.") % {
        "limit": limit, "file_limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "413.html", {"message": message}, status=413)


class BodySizeLimitMiddleware:
    """413 before the body is read when the declared length is over the cap; 413 too when the upload handler stopped
    a body that streamed past it (Django would answer 400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads no body of an unreadable length
        if declared > settings.REQUEST_MAX_BYTES:
            return too_large(request)
        response = self.get_response(request)
        if getattr(request, _TOO_LARGE, False):
            return too_large(request)
        return response


class CappedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: passes each chunk on to Django's handlers while counting them."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.file_bytes += len(raw_data)
        if self.received > settings.REQUEST_MAX_BYTES:
            if self.request is not None:
                setattr(self.request, _TOO_LARGE, True)
            raise BodyTooLarge(_("The request body is larger than the portal accepts."))
        if self.file_bytes > settings.UPLOAD_MAX_BYTES:
            return None  # not kept: the handlers after this one never see the rest
        return raw_data

    def file_complete(self, file_size):
        if self.file_bytes <= settings.UPLOAD_MAX_BYTES:
            return None  # Django's handlers hand over the file
        return InMemoryUploadedFile(io.BytesIO(), self.field_name, self.file_name, self.content_type,
                                    self.file_bytes, self.charset, self.content_type_extra)
