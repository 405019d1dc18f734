"""Documents rendered once and then only served (`kernel.documents`): numbers per issuer and year, gapless and
never given twice; content frozen at the decision; files that never change; rendering in the worker, with the
"being prepared" page in between; who may read which."""

import datetime
import hashlib
import io
import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from kernel import documents
from kernel.models import AuditEntry, Document, DocumentImmutable
from tests.factories import applicant_of, complete_dossier

PUBLIC = documents.register_kind(documents.DocumentKind("test_public", "Public test document", public=True))
PRIVATE = documents.register_kind(documents.DocumentKind(
    "test_private", "Private test document", may_read=lambda user, document: user.username == "reader"))

DAY = datetime.date(2026, 12, 3)


def _content(**extra):
    return {"addressees": "各省、自治区、直辖市市场监管局", "paragraphs": ["第一段。", "第二段。"], **extra}


def _issue(issuer="joint", kind="test_public", on=DAY, title="关于测试的通知", **content):
    return documents.issue(kind=kind, subject=None, issuer=issuer, title=title, content=_content(**content),
                           issued_on=on)


def _text(data):
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def build_list(document, progress, rows):
    """A prepared file's builder, as an app's would be: reports progress, returns bytes."""
    progress(50)
    return ("\n".join(f"row {n}" for n in range(rows))).encode()


def build_broken(document, progress):
    raise RuntimeError("the template is broken")


@pytest.mark.django_db
def test_numbers_are_per_issuer_and_year_and_formatted_as_gbt9704(settings):
    settings.DOCUMENT_ISSUERS = {**settings.DOCUMENT_ISSUERS, "joint": {"name": "两部委", "prefix": "测试发"}}
    first, second = _issue(), _issue()
    other_issuer = _issue(issuer="samr")
    next_year = _issue(on=datetime.date(2027, 1, 4))
    assert (first.number, second.number) == ("测试发〔2026〕1号", "测试发〔2026〕2号")
    assert other_issuer.number == "国市监质函〔2026〕1号"  # its own counter, its configured prefix
    assert next_year.number == "测试发〔2027〕1号"  # a new year starts at 1


@pytest.mark.django_db
def test_a_rolled_back_decision_gives_its_number_back():
    _issue()
    with pytest.raises(RuntimeError), transaction.atomic():
        _issue()
        raise RuntimeError("the decision failed after the number was taken")
    assert _issue().serial == 2  # gapless: the failed decision's number 2 was never used


@pytest.mark.django_db(transaction=True)
def test_two_documents_issued_at_the_same_moment_get_different_numbers():
    barrier = threading.Barrier(4)
    serials, errors = [], []

    def issue_one():
        try:
            barrier.wait()
            with transaction.atomic():
                serials.append(_issue(issuer="miit").serial)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(serials) == [1, 2, 3, 4]


@pytest.mark.django_db
def test_an_issued_document_is_rendered_at_commit_with_its_number_and_hash(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = _issue(title="关于公布第一批国家质量标准实验室建设名单的通知")
    document.refresh_from_db()
    assert document.state == Document.State.READY
    data = document.file.read()
    assert hashlib.sha256(data).hexdigest() == document.sha256 and document.size == len(data)
    text = _text(data)
    assert document.number in text and "第一批国家质量标准实验室建设名单" in text
    assert "国家市场监督管理总局" in text and "工业和信息化部" in text  # a joint document: both sign
    assert "2026年12月3日" in text  # GB/T 9704: the date in Arabic numerals, no leading zero


@pytest.mark.django_db
def test_an_issued_document_never_changes_nor_disappears(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = _issue()
    document.refresh_from_db()
    document.title = "改过的标题"
    with pytest.raises(DocumentImmutable):
        document.save()
    with pytest.raises(DocumentImmutable):
        document.delete()
    with pytest.raises(DocumentImmutable):
        Document.objects.filter(pk=document.pk).delete()
    assert Document.objects.get(pk=document.pk).title == "关于测试的通知"


@pytest.mark.django_db
def test_the_content_is_frozen_when_the_decision_is_taken(django_capture_on_commit_callbacks):
    """What the document says comes from the JSON stored with the decision, not from data read at render time."""
    paragraphs = ["经审核，同意甲实验室建设。"]
    with django_capture_on_commit_callbacks(execute=True):
        document = _issue(paragraphs=paragraphs)
    paragraphs.append("之后添加的段落。")  # the caller's list changes after issue
    document.refresh_from_db()
    assert document.content["paragraphs"] == ["经审核，同意甲实验室建设。"]
    assert "之后添加的段落" not in _text(document.file.read())


@pytest.mark.django_db
def test_a_prepared_file_shows_a_progress_page_until_the_worker_has_rendered_it(client_en):
    document = documents.prepare(kind="test_public", key="list:1", title="The list", build="tests.test_documents.build_list",
                                 filename="list.txt", params={"rows": 3}, media_type="text/plain")
    # The task runs at commit; this test's transaction never commits, so the file is still being prepared.
    page = client_en.get(reverse("documents:download", args=[document.pk]))
    assert page.status_code == 200 and b"being prepared" in page.content
    assert b'hx-trigger="every 2s"' in page.content  # the page polls its status fragment
    documents.render(document.pk)  # what the worker does
    fragment = client_en.get(reverse("documents:status", args=[document.pk]))
    assert reverse("documents:download", args=[document.pk]).encode() in fragment.content
    assert b"hx-trigger" not in fragment.content  # ready: the polling stops
    download = client_en.get(reverse("documents:download", args=[document.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == b"row 0\nrow 1\nrow 2"


@pytest.mark.django_db
def test_the_same_key_is_rendered_once_however_many_ask():
    first = documents.prepare(kind="test_public", key="list:2", title="L", build="tests.test_documents.build_list",
                              filename="l.txt", params={"rows": 1})
    again = documents.prepare(kind="test_public", key="list:2", title="L", build="tests.test_documents.build_list",
                              filename="l.txt", params={"rows": 1})
    assert first.pk == again.pk and Document.objects.filter(key="list:2").count() == 1
    documents.render(first.pk)
    sha = Document.objects.get(pk=first.pk).sha256
    documents.render(first.pk)  # a redelivered task: the stored file stays
    assert Document.objects.get(pk=first.pk).sha256 == sha


@pytest.mark.django_db
def test_a_failed_rendering_is_said_and_queued_again_on_the_next_request(client_en, django_capture_on_commit_callbacks):
    document = documents.prepare(kind="test_public", key="broken", title="B", build="tests.test_documents.build_broken",
                                 filename="b.pdf")
    documents.render(document.pk)
    document.refresh_from_db()
    assert document.state == Document.State.FAILED and "template is broken" in document.error
    with django_capture_on_commit_callbacks() as queued:
        page = client_en.get(reverse("documents:download", args=[document.pk]))
    assert b"being prepared" in page.content  # queued again
    assert len(queued) == 1 and Document.objects.get(pk=document.pk).state == Document.State.PENDING


@pytest.mark.django_db
def test_a_stale_rendering_is_queued_again_but_a_recent_one_is_not(django_capture_on_commit_callbacks, settings):
    document = documents.prepare(kind="test_public", key="slow", title="S", build="tests.test_documents.build_list",
                                 filename="s.txt", params={"rows": 1})
    with django_capture_on_commit_callbacks() as queued:
        documents.requeue_if_stuck(document)
    assert queued == []  # another worker is on it
    settings.DOCUMENT_RENDER_STALE_MINUTES = 0
    with django_capture_on_commit_callbacks() as queued:
        documents.requeue_if_stuck(document)
    assert len(queued) == 1


@pytest.mark.django_db
def test_who_may_read_a_document(django_user_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        public = _issue(kind="test_public")
        private = _issue(kind="test_private", title="关于某单位的决定")
    anonymous = Client()
    response = anonymous.get(reverse("documents:download", args=[public.pk]))
    assert response.status_code == 200 and response["Cache-Control"].startswith("public")
    b"".join(response.streaming_content)  # consuming it closes the file
    assert anonymous.get(reverse("documents:download", args=[private.pk])).status_code == 404
    outsider = Client()
    outsider.force_login(applicant_of(complete_dossier().host))
    assert outsider.get(reverse("documents:download", args=[private.pk])).status_code == 404
    reader = Client()
    reader.force_login(django_user_model.objects.create_user("reader", password="x"))
    response = reader.get(reverse("documents:download", args=[private.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    b"".join(response.streaming_content)  # consuming it closes the file
    assert AuditEntry.objects.filter(transition="download", object_id=private.pk).count() == 1


@pytest.mark.django_db
def test_the_register_finds_a_document_by_its_number(client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        public = _issue(kind="test_public", title="公开的通知")
        private = _issue(kind="test_private", title="不公开的决定")
    listing = client.get(reverse("documents:register"), {"number": public.number})
    assert "公开的通知" in listing.content.decode() and "不公开的决定" not in listing.content.decode()
    assert "不公开的决定" not in client.get(reverse("documents:register")).content.decode()
    client.force_login(staff)
    staff_listing = client.get(reverse("documents:register"), {"number": private.number}).content.decode()
    assert "不公开的决定" in staff_listing and "公开的通知" not in staff_listing
