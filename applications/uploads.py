"""Upload checks by content (magic bytes), never by file name: the size limit, markup that a browser could run,
PDF/HTML polyglots, and archives (Office Open XML is a zip) that would expand without bound.

Archives are judged by their central directory alone (`zipfile.ZipFile.infolist`): nothing is extracted. Only an
Office document's embedded object (a chart's workbook under `word/embeddings/`), itself an archive, is read, within
the limits already checked, to judge its own directory the same way."""

import hashlib
import io
import re
import zipfile
import zlib

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

# What browsers take for HTML or SVG when they sniff a file (WHATWG MIME Sniffing, "HTML" and "XML" patterns, and
# the tags a polyglot needs). A browser looks at the first 1,445 bytes; we look at the first HEAD_MARKUP_WINDOW.
MARKUP_MARKERS = re.compile(rb"<(?:!doctype\s+html|html|script|body|svg|iframe)[\s>/]", re.IGNORECASE)
HEAD_MARKUP_WINDOW = 4096
_LEADING_MARKUP = re.compile(rb"^(?:\xef\xbb\xbf)?[\s]*<(?:\?xml|!--|!doctype|html|head|body|script|svg|iframe)",
                             re.IGNORECASE)
# A PDF stream's body (between `stream` and `endstream`): compressed data, images, fonts.
_PDF_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\r|\n)(.*?)endstream", re.DOTALL)
_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}

# Names of members that are archives themselves, and where Office keeps the objects it embeds (a chart's workbook).
_ARCHIVE_NAME = re.compile(r"\.(?:zip|jar|7z|rar|gz|tgz|bz2|xz|tar|cab|docx|xlsx|pptx|docm|xlsm|pptm|odt|ods|odp)$",
                           re.IGNORECASE)
_OFFICE_EMBEDDING = re.compile(r"^(?:word|xl|ppt)/embeddings/[^/]+$")


def _refuse(message):
    raise ValidationError({"file": message})


def _ooxml_type(archive):
    """`filetype` looks only at the first few zip entries; suites such as WPS put docProps/custom.xml
    and more before the main part, so a real .docx reads as a plain zip. Look at the zip's directory
    (names only; nothing is decompressed) for the package's main part."""
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names:
        return None
    return next((mime for part, mime in OOXML_MAIN_PARTS if part in names), None)


def _open_zip(data):
    try:
        return zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None


def check_archive(archive, stored_size, *, nested=False):
    """Refuse an archive that expands past ARCHIVE_MAX_EXPANDED_BYTES, more than ARCHIVE_MAX_RATIO times its own size
    (once past ARCHIVE_RATIO_FLOOR_BYTES: a small file cannot harm by its ratio), with more than ARCHIVE_MAX_MEMBERS
    members, with members laid over one another (one compressed block counted many times), or holding another
    archive (except an Office document's embedded object, checked in turn; an archive inside that is refused)."""
    members = archive.infolist()
    bomb = _("This file expands far beyond its size when opened (an archive bomb); it is refused.")
    if len(members) > settings.ARCHIVE_MAX_MEMBERS:
        _refuse(_("This file holds %(count)s parts; at most %(limit)s are accepted.") % {
            "count": len(members), "limit": settings.ARCHIVE_MAX_MEMBERS})
    expanded = sum(member.file_size for member in members)
    if expanded > settings.ARCHIVE_MAX_EXPANDED_BYTES:
        _refuse(bomb)
    if expanded > settings.ARCHIVE_RATIO_FLOOR_BYTES and expanded > settings.ARCHIVE_MAX_RATIO * max(stored_size, 1):
        _refuse(bomb)
    spans = sorted((m.header_offset, m.header_offset + m.compress_size) for m in members)
    if any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)):
        _refuse(bomb)
    for member in members:
        if not _ARCHIVE_NAME.search(member.filename) or member.is_dir():
            continue
        if nested or not _OFFICE_EMBEDDING.match(member.filename) or member.file_size > settings.UPLOAD_MAX_BYTES:
            _refuse(_("This file holds another archive (%(name)s); send the documents themselves.") % {
                "name": member.filename})
        try:
            inner = _open_zip(io.BytesIO(archive.read(member)))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error):
            inner = None  # encrypted or damaged: judged by its declared sizes above, like any member
        if inner is not None:
            check_archive(inner, member.compress_size, nested=True)


def _looks_binary(data):
    sample = data[:4096]
    return bool(sample) and sum(byte not in _TEXT_BYTES for byte in sample) * 10 > len(sample)


def pdf_has_markup(data):
    """A PDF that a browser could also read as HTML (a PDF/HTML polyglot): markup in its head, or anywhere but
    inside a binary stream (compressed content, fonts, images, where such bytes occur by chance). Text streams
    count: a page's content or metadata holds no HTML tags, a polyglot's payload does."""
    if MARKUP_MARKERS.search(data, 0, HEAD_MARKUP_WINDOW):
        return True
    position = 0
    for stream in _PDF_STREAM.finditer(data):
        if MARKUP_MARKERS.search(data, position, stream.start(1)):
            return True
        if not _looks_binary(stream.group(1)) and MARKUP_MARKERS.search(stream.group(1)):
            return True
        position = stream.end()
    return bool(MARKUP_MARKERS.search(data, position))


def inspect_upload(uploaded):
    """Return (content_type, size, sha256) or raise ValidationError naming the `file` field."""
    size = uploaded.size
    if size == 0:
        _refuse(_("The file is empty."))
    if size > settings.UPLOAD_MAX_BYTES:
        _refuse(_("The file is %(size)s; the limit is %(limit)s.") % {
            "size": filesizeformat(size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)})
    uploaded.seek(0)
    head = uploaded.read(HEAD_MARKUP_WINDOW)
    markup = _("This file contains web page code (HTML or SVG) that a browser could run; it is refused.")
    if _LEADING_MARKUP.match(head):
        _refuse(markup)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    archive = None
    if mime in {"application/zip", "application/epub+zip"} or head.startswith(b"PK\x03\x04"):
        uploaded.seek(0)
        archive = _open_zip(uploaded)
        if archive is not None and mime == "application/zip":
            mime = _ooxml_type(archive)
    if archive is not None:
        check_archive(archive, size)  # first: a bomb is named as one, whatever it pretends to be
    if mime not in ALLOWED_TYPES:
        _refuse(_(
            "This file's content is not an accepted type (PDF, PNG, JPEG, Word, Excel, PowerPoint or OpenDocument), "
            "whatever its name says."
        ))
    if mime in {"image/png", "image/jpeg"} and MARKUP_MARKERS.search(head):
        _refuse(markup)  # an image whose metadata carries a page (the PDF's own rule is below)
    uploaded.seek(0)
    if mime == "application/pdf" and pdf_has_markup(uploaded.read()):
        _refuse(markup)
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return mime, size, digest.hexdigest()
