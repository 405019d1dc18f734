"""`inspect_upload`: evidence files are accepted by their content (magic bytes), never by their name."""

import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.uploads import inspect_upload

pytestmark = pytest.mark.usefixtures("english")  # messages in English (their msgids)


def minimal_pdf():
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def minimal_png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def minimal_jpeg():
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def zip_of(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buffer.getvalue()


def minimal_docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>依托单位承诺书</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("承诺书.pdf", minimal_pdf(), "application/pdf"),
        ("场地照片.png", minimal_png(), "image/png"),
        ("photo.jpg", minimal_jpeg(), "image/jpeg"),
        ("承诺书.docx", minimal_docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        # The name does not matter either way: a real PDF called .bin is still a PDF.
        ("scan.bin", minimal_pdf(), "application/pdf"),
    ],
)
def test_real_documents_are_accepted_by_content(name, content, mime):
    uploaded = upload(name, content)
    content_type, size, sha256 = inspect_upload(uploaded)
    assert content_type == mime
    assert size == len(content)
    assert sha256 == hashlib.sha256(content).hexdigest()
    assert uploaded.tell() == 0  # left ready to be stored


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"This is plain text pretending to be a PDF.\n" * 10, "PDF"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240, "PDF"),  # a Windows executable
        (b"<html><script>alert(1)</script></html>", "HTML"),  # named as what a browser would run
        (b"PK\x03\x04" + b"\x00" * 60, "PDF"),  # a bare zip header, no Office part
    ],
    ids=["text", "exe", "html", "zip"],
)
def test_wrong_content_named_pdf_is_refused_on_the_file_field(content, reason):
    with pytest.raises(ValidationError) as exc:
        inspect_upload(upload("x.pdf", content, "application/pdf"))
    assert list(exc.value.message_dict) == ["file"]
    assert reason in exc.value.message_dict["file"][0]


WPS_ORDER = ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml", "docProps/custom.xml",
             "customXml/item1.xml"]


@pytest.mark.parametrize(
    ("main_part", "mime"),
    [
        ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ],
)
def test_office_files_with_the_main_part_late_in_the_zip_are_accepted(main_part, mime):
    """WPS and other suites write several docProps parts first; such a file is still a real document."""
    content = zip_of(WPS_ORDER + [main_part])
    assert inspect_upload(upload("申报书.docx", content))[0] == mime


@pytest.mark.parametrize(
    "names",
    [["payload.exe", "readme.txt"], ["readme.txt"] + WPS_ORDER[1:] + ["word/document.xml"],
     WPS_ORDER + ["other/part.xml"]],
    ids=["plain-zip", "no-content-types", "no-main-part"],
)
def test_zip_archives_that_are_not_office_documents_are_refused(names):
    with pytest.raises(ValidationError) as exc:
        inspect_upload(upload("x.docx", zip_of(names)))
    assert list(exc.value.message_dict) == ["file"]


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        inspect_upload(upload("empty.pdf", b""))
    assert list(exc.value.message_dict) == ["file"]


def test_oversize_file_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    content = minimal_pdf() + b"0" * 1024
    with pytest.raises(ValidationError) as exc:
        inspect_upload(upload("big.pdf", content))
    assert list(exc.value.message_dict) == ["file"]
    # At the limit exactly, the same kind of file passes.
    assert inspect_upload(upload("ok.pdf", content[:1024]))[1] == 1024


def test_digest_covers_the_whole_file_not_just_the_head():
    head = minimal_pdf()
    a = head + b"A" * 20000
    b = head + b"B" * 20000
    assert inspect_upload(upload("a.pdf", a))[2] != inspect_upload(upload("b.pdf", b))[2]
