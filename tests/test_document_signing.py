"""Signed documents anyone can check (`kernel.signing`, issue 15 item 4): an issued document is signed (PAdES) by its
issuing authority's key when it is rendered; the public page `/verify/` and `POST /api/public/verify/` answer whether
an uploaded PDF is an unaltered document the portal issued: by the SHA-256 of the stored file, and by its
signatures validated against the portal's root certificate. One byte changed anywhere and it is not."""

import datetime
import io
import re
import uuid

import pytest
from asn1crypto import cms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfWriter
from rest_framework.test import APIClient

from kernel import documents, signing
from kernel import signing_keys as keys
from kernel.models import Document
from kernel.signing import Verdict
from tests.factories import LocalHostFactory, applicant_of

KIND = documents.register_kind(documents.DocumentKind("test_signed", "Signed test document", public=True))
DAY = datetime.date(2026, 12, 3)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 64
VERIFY_API = "/api/public/verify/"


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    """Each test its own throttle counters (a key prefix of its own: `cache.clear()` would flush the shared Redis)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-verify-{uuid.uuid4().hex}"}}


def _issue(issuer="samr", title="关于测试签名的通知", **extra):
    return documents.issue(kind=KIND.code, subject=None, issuer=issuer, title=title, issued_on=DAY,
                           content={"addressees": "各省、自治区、直辖市市场监管局", "paragraphs": ["第一段。"]}, **extra)


def _stored(document):
    document.refresh_from_db()
    assert document.state == Document.State.READY, document.error
    with document.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def issued(db, django_capture_on_commit_callbacks):
    """A document SAMR issued, rendered (and signed) at commit, and its stored bytes."""
    with django_capture_on_commit_callbacks(execute=True):
        document = _issue()
    return document, _stored(document)


def _blank_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _flip(data, position):
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def _byte_range(data):
    start, first, second, length = map(int, re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", data).groups())
    return start, first, second, length


# --- signing ---------------------------------------------------------------------------------------------------------

def test_an_issued_document_is_signed_by_its_issuer_and_verifies_as_genuine(issued, settings):
    document, data = issued
    assert document.signed
    result = signing.verify_pdf(data)
    assert result.verdict == Verdict.GENUINE and result.genuine
    assert result.document == document and result.sha256 == document.sha256
    [check] = result.signatures
    assert check.signer == settings.DOCUMENT_ISSUERS["samr"]["name"]
    assert check.intact and check.valid and check.trusted and check.covers_whole_file and check.ok
    assert check.signed_at is not None and document.number in check.reason


@pytest.mark.django_db
def test_a_joint_document_is_signed_by_both_ministries_and_a_recommenders_letter_with_the_portals_key_art7(
        settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        joint = _issue(issuer="joint")
        letter = _issue(issuer="org-17", issuer_name="某省市场监督管理局", prefix="某市监函")
    data = _stored(joint)
    samr, miit = signing.verify_pdf(data).signatures
    assert (samr.signer, miit.signer) == (settings.DOCUMENT_ISSUERS["samr"]["name"], settings.DOCUMENT_ISSUERS["miit"]["name"])
    assert samr.ok and miit.ok  # SAMR's covers all but MIIT's signature, added after it; MIIT's the whole file
    assert signing.verify_pdf(data).genuine
    result = signing.verify_pdf(_stored(letter))
    assert result.genuine and result.document.issuer_name == "某省市场监督管理局"
    assert [check.signer for check in result.signatures] == [keys.PORTAL_NAME]


@pytest.mark.django_db
def test_without_a_signing_key_the_document_fails_to_render_rather_than_leave_unsigned(
        settings, tmp_path, django_capture_on_commit_callbacks):
    settings.DOCUMENT_SIGNING_CA = str(tmp_path / "missing.crt")
    with django_capture_on_commit_callbacks(execute=True):
        document = _issue()
    document.refresh_from_db()
    assert document.state == Document.State.FAILED and "SigningNotConfigured" in document.error
    assert not document.signed and not document.sha256


# --- verification ----------------------------------------------------------------------------------------------------

def test_one_byte_changed_anywhere_is_not_genuine_and_the_signature_shows_it_where_it_covers_the_byte(issued):
    _document, data = issued
    start, first, second, length = _byte_range(data)
    assert start == 0 and second + length == len(data)  # the signature covers the whole file but its own value
    positions = sorted({*range(0, len(data), max(1, len(data) // 60)), 0, 7, first - 1, first + 1, second - 2, second,
                        len(data) - 1})
    caught_by_signature = 0
    for position in positions:
        result = signing.verify_pdf(_flip(data, position))
        assert result.verdict != Verdict.GENUINE and result.document is None, position
        if position < first or position >= second:  # a signed byte: the signature is no longer intact
            assert result.verdict in {Verdict.ALTERED, Verdict.UNREADABLE}, (position, result.verdict)
            if result.verdict == Verdict.ALTERED:
                assert not all(check.intact for check in result.signatures), position
                caught_by_signature += 1
    assert caught_by_signature >= len(positions) // 2  # most changes are read, and the signature tells them


def _with_content_added(data):
    """`data` with an incremental update after its signatures: the document's language set in its catalogue."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_content_added_after_signing_is_reported_altered(issued):
    _document, data = issued
    result = signing.verify_pdf(_with_content_added(data))
    assert result.verdict == Verdict.ALTERED
    [check] = result.signatures
    assert check.intact and check.valid and check.trusted and not check.covers_whole_file


@pytest.mark.django_db
def test_content_added_after_both_ministries_signed_shows_on_both_signatures_art7(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        joint = _issue(issuer="joint")
    result = signing.verify_pdf(_with_content_added(_stored(joint)))
    assert result.verdict == Verdict.ALTERED
    assert [check.intact and not check.covers_whole_file for check in result.signatures] == [True, True]


def test_a_broken_signature_value_is_reported_invalid(issued):
    _document, data = issued
    _start, first, second, _length = _byte_range(data)
    der = bytes.fromhex(data[first + 1:second - 1].decode())
    value = cms.ContentInfo.load(der.rstrip(b"\x00"))["content"]["signer_infos"][0]["signature"].native
    at = der.index(value) + len(value) - 1
    broken = bytearray(der)
    broken[at] ^= 0x01
    tampered = data[:first + 1] + broken.hex().encode() + data[second - 1:]
    assert len(tampered) == len(data)
    result = signing.verify_pdf(tampered)
    assert result.verdict == Verdict.SIGNATURE_INVALID
    [check] = result.signatures
    assert check.intact and check.trusted and not check.valid


@pytest.mark.django_db
def test_a_pdf_signed_by_another_ca_is_not_issued_by_the_portal_even_in_the_ministrys_name(tmp_path, settings):
    samr = settings.DOCUMENT_ISSUERS["samr"]["name"]
    elsewhere = keys.write_demo_keys(tmp_path, ca_name="Someone else's CA", issuers={"samr": samr})
    with override_settings(**elsewhere):
        forged = signing.sign_pdf(_blank_pdf(), issuer="samr", reason="国市监质函〔2026〕1号")
    result = signing.verify_pdf(forged)
    assert result.verdict == Verdict.NOT_ISSUED and result.document is None
    [check] = result.signatures
    assert check.signer == samr and check.intact and check.valid and not check.trusted


@pytest.mark.django_db
def test_an_unrelated_pdf_is_not_issued_by_the_portal():
    result = signing.verify_pdf(_blank_pdf())
    assert result.verdict == Verdict.NOT_ISSUED and result.signatures == () and result.document is None


@pytest.mark.django_db
def test_a_damaged_pdf_is_unreadable():
    assert signing.verify_pdf(b"%PDF-1.7\n" + b"\x00" * 200).verdict == Verdict.UNREADABLE


# --- the public page -------------------------------------------------------------------------------------------------

def _upload(data, name="document.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_the_page_is_public_and_answers_genuine_with_number_title_issuer_and_date(issued, client):
    document, data = issued
    page = client.get(reverse("verify:document"))
    assert page.status_code == 200 and b'data-testid="verify-form"' in page.content
    response = client.post(reverse("verify:document"), {"file": _upload(data)})
    text = response.content.decode()
    assert response.status_code == 200 and 'data-verdict="genuine"' in text
    for shown in (document.number, document.title, document.issuer_name, "2026年12月3日", document.sha256):
        assert shown in text


def test_the_page_reports_an_altered_document(issued, client_en):
    _document, data = issued
    response = client_en.post(reverse("verify:document"), {"file": _upload(_flip(data, len(data) // 2))})
    text = response.content.decode()
    assert 'data-verdict="genuine"' not in text and "data-verdict=" in text
    assert "Genuine" not in text


@pytest.mark.django_db
def test_the_page_refuses_a_file_that_is_not_a_pdf_with_a_clear_error(client_en):
    response = client_en.post(reverse("verify:document"), {"file": _upload(PNG, name="scan.pdf")})
    assert response.status_code == 200 and b"data-verdict" not in response.content
    assert "This file is not a PDF (whatever its name says)" in response.content.decode()


@pytest.mark.django_db
def test_the_page_refuses_a_file_over_the_upload_limit(client_en, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = client_en.post(reverse("verify:document"), {"file": _upload(b"%PDF-1.7\n" + b"0" * 2000)})
    assert b"data-verdict" not in response.content
    assert "the limit is 1.0\xa0KB" in response.content.decode()


@pytest.mark.django_db
def test_checks_are_throttled_per_address_on_the_page_and_the_api_alike(client, settings):
    settings.VERIFICATIONS_PER_HOUR_PER_ADDRESS = 2
    assert client.post(reverse("verify:document"), {"file": _upload(_blank_pdf())}).status_code == 200
    assert APIClient().post(VERIFY_API, {"file": _upload(_blank_pdf())}, format="multipart").status_code == 200
    refused = client.post(reverse("verify:document"), {"file": _upload(_blank_pdf())})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert APIClient().post(VERIFY_API, {"file": _upload(_blank_pdf())}, format="multipart").status_code == 429


@pytest.mark.django_db
def test_the_public_front_and_the_footer_link_to_the_page(client):
    page = client.get(reverse("front_page")).content.decode()
    assert page.count(f'href="{reverse("verify:document")}"') >= 2  # the front's public links and the footer


# --- the API ---------------------------------------------------------------------------------------------------------

def test_the_api_answers_as_the_page_without_login(issued, english):
    document, data = issued
    response = APIClient().post(VERIFY_API, {"file": _upload(data)}, format="multipart")
    assert response.status_code == 200
    body = response.json()
    result = signing.verify_pdf(data)
    assert body["verdict"] == "genuine" and body["genuine"] is True
    assert body["headline"] == result.headline and body["explanation"] == result.explanation
    assert body["sha256"] == document.sha256
    assert body["document"] == {"number": document.number, "title": document.title, "issuer": "samr",
                                "issuer_name": document.issuer_name, "issued_on": "2026-12-03"}
    [signature] = body["signatures"]
    assert signature["intact"] and signature["valid"] and signature["trusted"] and signature["covers_whole_file"]

    altered = APIClient().post(VERIFY_API, {"file": _upload(_flip(data, 100))}, format="multipart").json()
    assert altered["verdict"] in {"altered", "unreadable"} and altered["genuine"] is False
    assert altered["document"] is None


@pytest.mark.django_db
def test_the_api_refuses_a_file_that_is_not_a_pdf_with_400(english):
    response = APIClient().post(VERIFY_API, {"file": _upload(PNG, name="scan.pdf")}, format="multipart",
                                HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This file is not a PDF" in response.json()["errors"]["file"][0]


@pytest.mark.django_db
def test_the_api_is_in_the_schema_as_a_multipart_upload():
    client = APIClient()
    client.force_authenticate(applicant_of(LocalHostFactory()))
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][VERIFY_API]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "400", "429"} <= set(operation["responses"])
    assert schema["components"]["schemas"]["DocumentVerdictEnum"]["enum"] == list(Verdict.CHOICES)


# --- keys and their configuration ------------------------------------------------------------------------------------

def test_make_signing_keys_writes_a_demo_set_once(tmp_path):
    call_command("make_signing_keys", "--dir", str(tmp_path), stdout=io.StringIO())
    written = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert set(written) == {"ca.crt", "ca.key", *(f"{code}.{ext}" for code in keys.demo_issuers()
                                                   for ext in ("key", "crt"))}
    assert all((tmp_path / name).stat().st_mode & 0o077 == 0 for name in written if name.endswith(".key"))
    call_command("make_signing_keys", "--dir", str(tmp_path), stdout=io.StringIO())
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == written  # kept: earlier documents verify
    call_command("make_signing_keys", "--dir", str(tmp_path), "--force", stdout=io.StringIO())
    assert (tmp_path / "ca.crt").read_bytes() != written["ca.crt"]


def _codes():
    return {error.id for error in keys.configuration_errors()}


def test_the_configuration_check_accepts_a_real_set_and_names_each_fault(signing_keys, tmp_path, settings):
    assert _codes() == set()
    other = keys.write_demo_keys(tmp_path / "other", ca_name="Other CA")
    settings.DOCUMENT_SIGNING = {**settings.DOCUMENT_SIGNING, "miit": other["DOCUMENT_SIGNING"]["miit"]}
    assert _codes() == {"labportal.E135"}  # not issued by DOCUMENT_SIGNING_CA
    settings.DOCUMENT_SIGNING = {**settings.DOCUMENT_SIGNING, "miit": {
        "key": other["DOCUMENT_SIGNING"]["samr"]["key"], "cert": signing_keys["DOCUMENT_SIGNING"]["miit"]["cert"]}}
    assert _codes() == {"labportal.E134"}  # the key is another certificate's
    settings.DOCUMENT_SIGNING = {**settings.DOCUMENT_SIGNING, "miit": {"key": str(tmp_path / "none.key"),
                                                                       "cert": str(tmp_path / "none.crt")}}
    assert _codes() == {"labportal.E132"}
    demo = keys.write_demo_keys(tmp_path / "demo")
    settings.DOCUMENT_SIGNING, settings.DOCUMENT_SIGNING_CA = demo["DOCUMENT_SIGNING"], demo["DOCUMENT_SIGNING_CA"]
    assert _codes() == {"labportal.E136"}  # the demo's root
    old = keys.write_demo_keys(tmp_path / "old", ca_name="Old CA",
                                                now=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    settings.DOCUMENT_SIGNING, settings.DOCUMENT_SIGNING_CA = old["DOCUMENT_SIGNING"], old["DOCUMENT_SIGNING_CA"]
    assert _codes() == {"labportal.E137"}  # expired certificates
