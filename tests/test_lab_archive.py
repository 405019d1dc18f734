"""A laboratory's archive (档案, `evaluations.archive`): one zip of its whole record for an audit or a handover, built
by a worker, read by ministry staff and the host's users for their own lab (404 for anyone else), its request and
download audited. A lab walked to operation through the real transitions gives it issued documents (recommendation
letters, the publicity notices, the acceptance opinion), a dossier revision, an attachment and the audit trail.

One test renders the archive (its documents and book rendered in the same task, a few seconds); the others only
ask for it, which renders nothing in a test (the worker's queueing waits for a commit that never comes)."""

import hashlib
import io
import json
import zipfile

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications.models import Attachment
from evaluations import archive
from evaluations.models import EvaluationResult, LabStatus
from kernel import documents
from kernel.models import AuditEntry, Document
from labportal.journeys import recommenders_of
from tests.factories import PDF, LocalHostFactory, applicant_of, expert_user, recommender_of

pytestmark = pytest.mark.django_db

QUERIES = 22  # measured: 22 with any number of files (the record, documents, books, files and audit trail read once)


@pytest.fixture
def lab(journey):
    """An operating lab whose dossier was submitted with two attachments, one deleted after approval."""
    with journey.clock(timezone.now() - relativedelta(months=24)):  # in the call of the approval's year
        app = journey.cast.dossier()
        host_user = applicant_of(app.host)
        for name, content in (("营业执照.pdf", PDF), ("旧证明.pdf", PDF + b"% old\n")):
            Attachment.objects.create(application=app, file=ContentFile(content, name="x"), original_name=name,
                                      content_type="application/pdf", size=len(content),
                                      sha256=hashlib.sha256(content).hexdigest(), uploaded_by=host_user)
    lab = journey.lab_in(LabStatus.OPERATING, journey.approved(app, months_ago=24))
    Attachment.objects.get(application=app, original_name="旧证明.pdf").delete()
    return lab


def asked_by(user, lab, follow=False):
    client = Client()
    client.force_login(user)
    return client.post(reverse("labs:archive", args=[lab.pk]), follow=follow)


def built(lab):
    document = documents.render(archive.archive_for(lab).pk)
    assert document.state == Document.State.READY, document.error
    with document.file.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == document.sha256 and len(data) == document.size
    return document, zipfile.ZipFile(io.BytesIO(data))


def test_the_archive_holds_the_labs_whole_record_with_a_manifest_of_hashes(lab):
    document, zipped = built(lab)
    manifest = json.loads(zipped.read("manifest.json"))
    files = {entry["path"]: entry for entry in manifest["files"]}
    # every listed file is there with the bytes its SHA-256 and size say, and every file in the zip is listed
    for path, entry in files.items():
        data = zipped.read(path)
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"], path
        assert entry.get("recorded_sha256") in (None, entry["sha256"])
    assert set(zipped.namelist()) == {*files, "manifest.json", "index.html"}
    # the issued documents, rendered in the task as no worker had: signed PDFs, stored uncompressed
    issued = list(Document.objects.issued().filter(state=Document.State.READY))
    numbers = {entry["number"] for entry in files.values() if entry["kind"] == "document"}
    assert {"recommendation_letter", "publicity_notice", "acceptance_opinion"} <= {d.kind for d in issued}
    assert numbers == {d.number for d in issued}
    assert all(zipped.getinfo(p).compress_type == zipfile.ZIP_STORED for p in files if p.endswith(".pdf"))
    # the dossier's revision as its book, the attachment kept, the one deleted since listed as missing with why
    books = [p for p, e in files.items() if e["kind"] == "dossier"]
    assert len(books) == lab.application.revisions.count() == 1
    assert PdfReader(io.BytesIO(zipped.read(books[0]))).pages
    assert [e["title"] for e in files.values() if e["kind"] == "attachment"] == ["营业执照.pdf"]
    assert [(m["title"], m["kind"], m["revision"]) for m in manifest["missing"]] == [("旧证明.pdf", "frozen_attachment", 1)]
    assert manifest["missing"][0]["reason"] and manifest["missing"][0]["recorded_sha256"]  # why, and what it was
    assert {row["name"] for row in manifest["frozen_attachments"]} == {"营业执照.pdf", "旧证明.pdf"}
    # the lab's reports and requests as JSON
    assert json.loads(zipped.read("records/acceptance_applications.json"))[0]["laboratory_id"] == lab.pk
    # the audit trail: the lab's transitions to operation and the application's, chained; readable as a PDF
    trail = json.loads(zipped.read("audit/audit.json"))
    lab_steps = [row["action"] for row in trail if row["subject"]["type"] == "evaluations.laboratory"]
    assert {"apply_for_acceptance", "record_acceptance_verdict", "conclude_acceptance_publicity"} <= set(lab_steps)
    assert {"submit", "approve"} <= {row["action"] for row in trail if row["subject"]["type"] == "applications.application"}
    assert [row["sequence"] for row in trail] == sorted(row["sequence"] for row in trail)
    assert all("client_ip" not in row for row in trail)
    audit_pdf = PdfReader(io.BytesIO(zipped.read("audit/audit.pdf")))
    assert lab.name_zh in "".join("".join((page.extract_text() or "").split()) for page in audit_pdf.pages)
    # the moment the record was asked for, in the manifest and the index a person reads
    assert manifest["record_as_of"] and manifest["audit_head"] == trail[-1]["sequence"]
    assert lab.name_zh in zipped.read("index.html").decode()


def test_the_task_reads_the_record_in_a_bounded_number_of_queries_and_the_download_is_audited(
        lab, django_assert_max_num_queries):
    document, _zipped = built(lab)  # every document and book is rendered now
    assert archive.archive_for(lab).pk == document.pk  # rendering them changed nothing in the record
    for n in range(5):
        Attachment.objects.create(application=lab.application, file=ContentFile(PDF, name="x"), original_name=f"{n}.pdf",
                                  content_type="application/pdf", size=len(PDF), sha256=hashlib.sha256(PDF).hexdigest(),
                                  uploaded_by=applicant_of(lab.host))
    lost = Attachment.objects.get(application=lab.application, original_name="4.pdf")
    lost.file.storage.delete(lost.file.name)  # a file storage lost is listed as missing, never left out silently
    changed = archive.archive_for(lab).pk
    assert changed != document.pk  # new files: a new archive
    with django_assert_max_num_queries(QUERIES):  # the same with one attachment or six: no query per file
        handle = archive.build(document, lambda percent: None, **document.params)
    with handle:
        zipped = zipfile.ZipFile(handle)
        assert len([n for n in zipped.namelist() if n.startswith("attachments/")]) == 5
        missing = json.loads(zipped.read("manifest.json"))["missing"]
        assert {(m["title"], m["kind"]) for m in missing} == {("4.pdf", "attachment"), ("旧证明.pdf", "frozen_attachment")}
    client = Client()
    host_user = applicant_of(lab.host)
    client.force_login(host_user)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == document.sha256
    downloads = AuditEntry.objects.for_object(document).filter(transition="download")
    assert [entry.actor for entry in downloads] == [host_user]
    assert archive.archive_for(lab).pk == changed  # the download is a read: the record, and its archive, are the same


def test_an_unchanged_record_is_the_same_archive_and_a_changed_one_a_new_one(journey, lab):
    first = archive.archive_for(lab)
    asked_by(journey.staff, lab)  # asking (a read) changes nothing
    assert archive.archive_for(lab).pk == first.pk
    lab = journey.evaluation_result(lab, EvaluationResult.QUALIFIED)
    assert archive.archive_for(lab).pk != first.pk


def test_staff_and_the_host_get_it_recommenders_experts_and_others_not_each_request_audited_art10(journey, lab):
    host_user = applicant_of(lab.host)
    for user in (journey.staff, host_user):
        response = asked_by(user, lab)
        assert response.status_code == 302, user
        document = Document.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
        assert document.kind == "lab_archive" and documents.readable(user, document)
        page = asked_by(user, lab, follow=True)  # the page that shows it being prepared, then turns into the download
        assert page.status_code == 200 and b'data-testid="document-status"' in page.content
    requests = AuditEntry.objects.for_object(lab).filter(transition=archive.ARCHIVE_REQUESTED)
    assert [entry.actor for entry in requests.order_by("pk")] == [journey.staff, journey.staff, host_user, host_user]
    recommender = recommender_of(recommenders_of(lab.application)[0])
    for user in (applicant_of(LocalHostFactory()), recommender, expert_user()):
        assert asked_by(user, lab).status_code == 404, user
        assert not documents.readable(user, document)
    client = Client()
    client.force_login(applicant_of(LocalHostFactory()))
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


def test_the_lab_page_offers_the_archive_to_staff_and_host_only(journey, lab):
    for user, shown in ((journey.staff, True), (applicant_of(lab.host), True),
                        (recommender_of(recommenders_of(lab.application)[0]), False)):
        client = Client()
        client.force_login(user)
        response = client.get(lab.get_absolute_url())
        assert response.status_code == 200
        assert (b'data-testid="lab-archive"' in response.content) is shown, user


def test_the_hosts_written_statement_and_its_files_are_in_the_archive_art19(journey):
    lab = journey.lab_in(LabStatus.TERMINATION_PROPOSED)
    lab = journey.statement(lab, text="我单位已完成大部分建设任务。",
                            files=[SimpleUploadedFile("说明材料.pdf", PDF, content_type="application/pdf")])
    _document, zipped = built(lab)
    manifest = json.loads(zipped.read("manifest.json"))
    statements = [entry for entry in manifest["files"] if entry["kind"] == "statement_file"]
    assert [entry["title"] for entry in statements] == ["说明材料.pdf"]
    assert zipped.read(statements[0]["path"]) == PDF
    proposals = json.loads(zipped.read("records/proposals.json"))
    assert proposals[0]["statement"] == "我单位已完成大部分建设任务。"
