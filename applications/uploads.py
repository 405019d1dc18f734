"""Upload checks by content (magic bytes), never by file name, and the size limit."""

import hashlib
import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}


# The main part of each Office Open XML package, by which its type is known.
OOXML_MAIN_PARTS = (
    ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)


def _ooxml_type(uploaded):
    """`filetype` looks only at the first few zip entries; suites such as WPS put docProps/custom.xml
    and more before the main part, so a real .docx reads as a plain zip. Look at the zip's directory
    (names only; nothing is decompressed) for the package's main part."""
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((mime for part, mime in OOXML_MAIN_PARTS if part in names), None)


def inspect_upload(uploaded):
    """Return (content_type, size, sha256) or raise ValidationError naming the `file` field."""
    size = uploaded.size
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError({"file": _("The file is %(size)s; the limit is %(limit)s.") % {
            "size": filesizeformat(size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}})
    uploaded.seek(0)
    head = uploaded.read(8192)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime == "application/zip":
        mime = _ooxml_type(uploaded)
    if mime not in ALLOWED_TYPES:
        raise ValidationError({"file": _(
            "This file's content is not an accepted type (PDF, PNG, JPEG, Word, Excel, PowerPoint or OpenDocument), "
            "whatever its name says."
        )})
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return mime, size, digest.hexdigest()
