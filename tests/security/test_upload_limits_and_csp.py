"""Uploads are capped before they are read and checked for archive bombs and browser-runnable markup; every page is
served under a Content-Security-Policy without inline script; an uploaded file only ever leaves as a download."""

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from applications.models import Attachment
from applications.uploads import inspect_upload
from evaluations.services import STATEMENT_MAX_FILES
from kernel.pdf import render_pdf
from kernel.request_limits import BodySizeLimitMiddleware
from tests.factories import ApplicationFactory, applicant_of

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
MARKUP_REFUSAL = "web page code"
BOMB_REFUSAL = "archive bomb"


def refusal(content, name="file.bin"):
    with pytest.raises(ValidationError) as exc:
        inspect_upload(SimpleUploadedFile(name, content))
    assert list(exc.value.message_dict) == ["file"]  # the form shows it under the file field
    return exc.value.message_dict["file"][0]


def docx(extra=(), document=b"<w:document/>", compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", document)
        for name, data in extra:
            z.writestr(name, data)
    return buffer.getvalue()


# --- the request body cap -----------------------------------------------------------------------------------


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_body_over_the_cap_refused_413_before_it_is_read(client):
    app = ApplicationFactory()
    client.force_login(applicant_of(app.host))
    url = reverse("applications:edit", args=[app.pk, "attachments"])
    response = client.generic(
        "POST", url, b"x", content_type="multipart/form-data; boundary=xyz", HTTP_ACCEPT_LANGUAGE="en",
        CONTENT_LENGTH=str(django_settings.REQUEST_MAX_BYTES + 1), **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "The upload is too large" in page and "201.0" in page and "20.0" in page  # both limits, in MB
    assert not Attachment.objects.exists()
    # At the API the same refusal is JSON.
    api = client.generic("POST", f"/api/applications/{app.pk}/attachments/", b"x",
                         content_type="multipart/form-data; boundary=xyz",
                         CONTENT_LENGTH=str(2 * 1024**3), **{"wsgi.input": Unreadable()})
    assert api.status_code == 413 and "detail" in api.json()


def test_413_page_is_in_chinese_by_default(client):
    response = client.generic("POST", reverse("login"), b"x", content_type="application/x-www-form-urlencoded",
                              CONTENT_LENGTH=str(django_settings.REQUEST_MAX_BYTES + 1),
                              **{"wsgi.input": Unreadable()})
    assert response.status_code == 413 and 'lang="zh-CN"' in response.content.decode()


def test_a_body_that_streams_past_the_cap_is_stopped_as_it_arrives(settings):
    """Under ASGI (or any server passing more than the declared length) the upload handler counts the bytes and stops
    at the cap; the middleware answers 413 instead of Django's 400."""
    settings.REQUEST_MAX_BYTES = 64 * 1024
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + PDF + b"0" * 200_000 + f"\r\n--{boundary}--\r\n".encode()
    scope = {"type": "http", "method": "POST", "path": "/applications/1/edit/attachments/", "query_string": b"",
             "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
                         (b"content-length", b"1000")]}  # understated: the server passes the whole stream anyway
    request = ASGIRequest(scope, io.BytesIO(body))

    def view(request):
        request.FILES  # noqa: B018 - reading the files is what raises
        return HttpResponse("read it all")

    response = BodySizeLimitMiddleware(convert_exception_to_response(view))(request)
    assert response.status_code == 413


def test_a_file_past_the_per_file_limit_is_not_kept_beyond_it(settings, english):
    settings.UPLOAD_MAX_BYTES = 4096
    content = PDF + b"0" * 200_000
    request = RequestFactory().post("/upload/", {"file": SimpleUploadedFile("big.pdf", content)})
    uploaded = request.FILES["file"]
    assert uploaded.size == len(content) and uploaded.read() == b""  # its real size, none of its bytes
    assert "the limit is 4.0\xa0KB" in refusal_of(uploaded)


def refusal_of(uploaded):
    with pytest.raises(ValidationError) as exc:
        inspect_upload(uploaded)
    return exc.value.message_dict["file"][0]


def test_the_request_cap_admits_the_largest_form_and_matches_the_proxy():
    """A written statement takes up to STATEMENT_MAX_FILES files at the per-file limit; nginx holds the same cap."""
    assert django_settings.REQUEST_MAX_BYTES >= STATEMENT_MAX_FILES * django_settings.UPLOAD_MAX_BYTES
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    megabytes = int(re.search(r"^\s*client_max_body_size (\d+)m;", conf, re.MULTILINE).group(1))
    assert megabytes * 1024 * 1024 == django_settings.REQUEST_MAX_BYTES
    assert "--limit-request-line" in (ROOT / "Dockerfile").read_text()


# --- archives ---------------------------------------------------------------------------------------------------


@pytest.fixture
def small_archive_limits(settings):
    settings.ARCHIVE_MAX_EXPANDED_BYTES = 8 * 1024 * 1024
    settings.ARCHIVE_RATIO_FLOOR_BYTES = 1024 * 1024
    settings.ARCHIVE_MAX_MEMBERS = 50


def test_zip_bomb_named_docx_refused(english, small_archive_limits):
    bomb = docx(document=b"\0" * (16 * 1024 * 1024))  # a few KB that expand to 16 MB
    assert len(bomb) < 100_000
    assert BOMB_REFUSAL in refusal(bomb, "承诺书.docx")


def test_zip_bomb_named_docx_refused_on_the_upload_form(client_en, small_archive_limits):
    app = ApplicationFactory()
    client_en.force_login(applicant_of(app.host))
    response = client_en.post(reverse("applications:edit", args=[app.pk, "attachments"]), {
        "section": "general", "file": SimpleUploadedFile("承诺书.docx", docx(document=b"\0" * (16 * 1024 * 1024)))})
    assert response.status_code == 200
    assert BOMB_REFUSAL in " ".join(response.context["upload_form"].errors["file"])
    assert not Attachment.objects.exists()


def test_archive_expanding_over_the_ratio_refused_under_the_total(english, small_archive_limits):
    assert BOMB_REFUSAL in refusal(docx(document=b"\0" * (2 * 1024 * 1024)), "a.docx")  # ratio ~1000, 2 MB


def test_archive_with_too_many_parts_refused(english, small_archive_limits):
    assert "at most 50" in refusal(docx(extra=[(f"word/media/p{i}.xml", b"<x/>") for i in range(60)]), "a.docx")


def test_archive_with_overlapping_members_refused(english):
    """One compressed block referred to by several entries (the overlapping-file zip bomb)."""
    data = bytearray(docx(extra=[("word/styles.xml", b"<w:styles/>" * 50)]))
    last_entry = data.rindex(b"PK\x01\x02")
    data[last_entry + 42:last_entry + 46] = struct.pack("<I", 0)  # its local header: the first member's
    assert BOMB_REFUSAL in refusal(bytes(data), "a.docx")


def test_nested_archive_refused_but_an_office_embedded_workbook_accepted(english):
    assert "another archive (word/payload.zip)" in refusal(docx(extra=[("word/payload.zip", docx())]), "a.docx")
    # Word keeps a chart's data as a workbook inside the document: accepted, and judged the same way.
    workbook = docx(extra=[("xl/workbook.xml", b"<workbook/>")])
    chart = docx(extra=[("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook)])
    assert inspect_upload(SimpleUploadedFile("图表.docx", chart))[0].endswith("wordprocessingml.document")
    inner_with_archive = docx(extra=[("x/inner.zip", docx())])
    hidden = docx(extra=[("word/embeddings/Microsoft_Excel_Worksheet.xlsx", inner_with_archive)])
    assert "another archive" in refusal(hidden, "a.docx")


# --- markup: HTML and SVG, PDF polyglots --------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"<!DOCTYPE html><html><body>x</body></html>",
    b"\xef\xbb\xbf  <html><script>alert(1)</script>",
    b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"<svg><script>alert(1)</script></svg>",
], ids=["html", "bom-html", "xml-svg", "svg"])
@pytest.mark.parametrize("name", ["photo.png", "承诺书.pdf", "a.docx"])
def test_upload_sniffing_as_html_or_svg_refused_whatever_its_name(english, content, name):
    assert MARKUP_REFUSAL in refusal(content, name)


def test_picture_carrying_a_page_in_its_metadata_refused(english):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    png = b"\x89PNG\r\n\x1a\n" + header + chunk(b"tEXt", b"Comment\0<html><script>alert(1)</script>") + chunk(b"IEND", b"")
    assert MARKUP_REFUSAL in refusal(png, "photo.png")


FILLER = b"%" + b"a" * 78 + b"\n"


@pytest.mark.parametrize("content", [
    PDF + b"<html><script>alert(document.cookie)</script></html>",  # in the head
    PDF + FILLER * 200 + b"<!DOCTYPE html><body onload=alert(1)>",  # far past the head, outside any stream
    PDF + FILLER * 200 + b"2 0 obj<< /Length 40 >>stream\n<iframe src=//evil.example></iframe>\nendstream endobj\n",
    PDF + FILLER * 200 + b"2 0 obj<< /Filter /FlateDecode >>stream\n<SVG onload=alert(1)>" + b"x" * 100 + b"\nendstream",
], ids=["head", "tail", "text-stream", "stream-pretending-to-be-compressed"])
def test_pdf_html_polyglot_refused(english, content):
    assert MARKUP_REFUSAL in refusal(content, "报告.pdf")


def embedded_font_files(pdf):
    found = []
    for font in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        found += [key for key in described["/FontDescriptor"].get_object() if key.startswith("/FontFile")]
    return found


def test_generated_pdf_still_accepted():
    """The portal's own PDFs (WeasyPrint, CJK font subset embedded) and one with a picture pass."""
    from weasyprint import HTML

    for pdf in (
        render_pdf("pdf/front/objection_form.html", {}),
        HTML(string="<html lang='zh-CN'><body style='font-family: Noto Sans CJK SC'><h1>国家质量标准实验室</h1>"
                    "<p>依托单位承诺书</p><img src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1Pe"
                    "AAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC' width='200'></body></html>").write_pdf(),
    ):
        assert pdf.startswith(b"%PDF-")
        assert embedded_font_files(pdf)  # compressed binary streams, where the check must not see tags by chance
        assert inspect_upload(SimpleUploadedFile("生成.pdf", pdf))[0] == "application/pdf"


def test_pdf_whose_compressed_stream_holds_tag_like_bytes_by_chance_accepted():
    noise = bytes((i * 151 + 17) % 256 for i in range(20_000))
    stream = noise[:9000] + b"<svg " + noise[9000:]
    pdf = PDF + FILLER * 100 + b"2 0 obj<< /Filter /FlateDecode /Length 20005 >>stream\n" + stream + b"\nendstream\nendobj\n"
    assert inspect_upload(SimpleUploadedFile("scan.pdf", pdf))[0] == "application/pdf"


# --- downloads ------------------------------------------------------------------------------------------------


def test_download_sends_nosniff_and_attachment(client):
    app = ApplicationFactory()
    user = applicant_of(app.host)
    client.force_login(user)
    response = client.post(reverse("applications:edit", args=[app.pk, "attachments"]),
                           {"section": "general", "file": SimpleUploadedFile("承诺书.pdf", PDF)})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    for url in (reverse("applications:attachment", args=[app.pk, attachment.pk]),
                f"/api/applications/{app.pk}/attachments/{attachment.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"  # the type found by content, not the name's
        assert "sandbox" in response["Content-Security-Policy"]
        assert b"".join(response.streaming_content) == PDF


# --- Content-Security-Policy ----------------------------------------------------------------------------------


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_csp_header_has_no_unsafe_inline_script(client):
    policy = directives(client.get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


def test_api_pages_keep_scripts_strict(client):
    """Swagger UI's initialiser is a script of its own; DRF's HTML pages may use inline styles, never scripts."""
    client.force_login(applicant_of(ApplicationFactory().host))
    docs = client.get(reverse("api-docs"))
    assert directives(docs)["script-src"] == ["'self'"] and directives(docs)["style-src"] == ["'self'"]
    html = docs.content.decode()
    assert re.search(r"<script src=\"[^\"]*\?[^\"]*script", html) and "<style" not in html
    assert client.get(reverse("api-docs"), {"script": ""})["Content-Type"].startswith("application/javascript")
    browsable = client.get("/api/applications/", HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html")
    assert directives(browsable)["script-src"] == ["'self'"]
    assert directives(browsable)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives(client.get("/api/applications/"))["style-src"] == ["'self'"]  # JSON: nothing relaxed


def served_templates():
    """Every template a browser receives: not the PDF templates (rendered by WeasyPrint) nor `archive/` (the index
    inside a laboratory's downloaded zip, opened from disk), neither ever served by the portal as a page."""
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(ROOT / "templates").as_posix()
        if relative.startswith(("pdf/", "archive/")) or '{% extends "pdf/' in text:
            continue
        text = re.sub(r"\{% comment %\}.*?\{% endcomment %\}|\{#.*?#\}", "", text, flags=re.DOTALL)
        yield relative, re.sub(r"\{%.*?%\}", " ", text)  # the HTML around the tags (`{% if x %}onclick=` too)


INLINE_CODE = [
    ("inline <script>", re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)),
    ("event handler attribute", re.compile(r"(?<![\w:-])on[a-z]+\s*=\s*[\"']", re.IGNORECASE)),
    ("javascript: URL", re.compile(r"javascript:", re.IGNORECASE)),
    ("htmx hx-on", re.compile(r"\b(?:data-)?hx-on", re.IGNORECASE)),
    ("style attribute", re.compile(r"\sstyle\s*=\s*[\"']", re.IGNORECASE)),
    ("<style> element", re.compile(r"<style[\s>]", re.IGNORECASE)),
]


def test_no_template_has_an_inline_script():
    templates = list(served_templates())
    assert len(templates) > 100 and any(name == "base.html" for name, _ in templates)
    found = [f"{name}: {what}" for name, text in templates for what, pattern in INLINE_CODE if pattern.search(text)]
    assert found == []


def test_the_scan_finds_what_it_looks_for():
    samples = ['<script>x()</script>', '<button onclick="x()">', '<a href="javascript:x()">', '<div hx-on:click="x">',
               '<p style="color: red">', "<style>p{}</style>"]
    for (what, pattern), sample in zip(INLINE_CODE, samples, strict=True):
        assert pattern.search(sample), what
    assert not any(p.search('<script src="/static/js/portal.js" defer></script> <div data-bar-width="3">')
                   for _, p in INLINE_CODE)


def test_htmx_is_configured_for_the_policy(client):
    html = client.get(reverse("login")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1)
    assert '"includeIndicatorStyles": false' in config and '"allowEval": false' in config
    assert html.index('name="htmx-config"') < html.index("htmx.min.js")  # read when htmx starts
