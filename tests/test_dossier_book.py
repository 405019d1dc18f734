"""The dossier as a document (申报书): a revision printed as a book from its snapshot (cover, the host's commitment
of Art. 12 (5), the Art. 11-12 sections with their tables, the Art. 12 self-check, the attachments' index with
SHA-256 and size, page numbers and contents), an expert's copy watermarked with their name, who may download which
revision, and the dossier page printing as the dossier.

The book's words are read in English (`render_book(..., language="en")`): the Chinese catalogue may not have them
yet; the document itself is Chinese by default."""

import hashlib
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader
from weasyprint import HTML

from applications import dossier_book
from applications.choices import AttachmentSection
from applications.dossier_book import document_key, render_book
from applications.models import Application, Attachment, NationalProject, Revision
from kernel.citations import cite
from kernel.models import AuditEntry, Document
from kernel.transitions import run_transition
from tests.factories import (
    LocalHostFactory,
    accept,
    all_meet_dimensions,
    applicant_of,
    complete_dossier,
    expert,
    new_journey,
    on,
    provincial_recommenders,
    samr_staff,
    scoring_setup,
    with_consortium_member,
)

pytestmark = pytest.mark.django_db

PDF_MAGIC = b"%PDF-"


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def pages_of(data):
    """Each page's text, its white space squeezed out (the PDF breaks lines where the layout did)."""
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def squeeze(text):
    return re.sub(r"\s+", "", text)


def first_page_with(pages, text, start=0):
    text = squeeze(text)
    return next(index for index, page in enumerate(pages) if index >= start and text in page)


def submitted(app=None, **fields):
    """A complete dossier (with a consortium member and an attachment) submitted as revision 1."""
    app = app or complete_dossier(**fields)
    with_consortium_member(app, LocalHostFactory(name="联合申报研究院"))
    return run_transition(app, "submit", applicant_of(app.host))


def attach(app, name="场地证明.pdf", content=b"%PDF-1.4 evidence"):
    attachment = Attachment(application=app, section=AttachmentSection.FACILITIES, original_name=name,
                            content_type="application/pdf", size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_by=applicant_of(app.host))
    attachment.file.save("evidence", io.BytesIO(content), save=False)
    attachment.save()
    return attachment


def returned_and_resubmitted(app, **changes):
    """Revision 1 returned by the provincial SAMR, changed, and submitted again as revision 2."""
    samr, _miit = provincial_recommenders(app.host.province)
    app = run_transition(app, "return_for_revision", samr, comment="请补充")
    if changes:
        Application.objects.filter(pk=app.pk).update(**changes)
    return run_transition(Application.objects.get(pk=app.pk), "submit", applicant_of(app.host))


@pytest.fixture
def revision():
    app = complete_dossier(name_zh="工业机器人质量国家质量标准实验室")
    attach(app)
    app = submitted(app)
    return app.revisions.get()


# --- the book's content ----------------------------------------------------------------------------------


def test_the_cover_names_the_lab_its_host_recommenders_field_and_the_revision(revision):
    pages = pages_of(render_book(revision, language="en"))
    cover = pages[0]
    app = revision.application
    samr, miit = (r.recommender.name for r in app.preliminary_reviews.order_by("recommender__kind"))
    for text in ("Application for a State Quality and Standards Laboratory", "工业机器人质量国家质量标准实验室",
                 "State Quality & Standards Laboratory of Industrial Robot Quality", app.host.name, samr, miit,
                 "联合申报研究院", "High-end manufacturing", "Testing and trials", "Submission 1",
                 timezone.localdate(revision.submitted_at).isoformat()):  # the day in Beijing, as the cover says
        assert squeeze(text) in cover, text


def test_the_commitment_page_has_the_hosts_commitments_and_a_signature_and_seal_block_per_party_art12_5(revision):
    pages = pages_of(render_book(revision, language="en"))
    commitment = pages[first_page_with(pages, "Commitment of the host institution")]
    assert commitment == pages[1], "the commitment follows the cover"
    for text in ("The laboratory's direction is one of our key development directions.",  # Art. 12 (5), first clause
                 "priority support in organisation, people, funds and resources",  # Art. 12 (5), second clause
                 "Art. 12(5)", "Art. 11(2)", "依托单位优先保障场地、人员与经费。"):  # and the host's own statement
        assert squeeze(text) in commitment, text
    # the lead host and the consortium member (Art. 11: the host or the consortium) each sign and seal
    assert commitment.count("Legalrepresentative(signature)") == 2
    assert commitment.count("Seal") >= 2
    assert squeeze(revision.application.host.name) in commitment and "联合申报研究院" in commitment


def test_the_sections_follow_art11_12_in_order_with_their_tables(revision):
    pages = pages_of(render_book(revision, language="en"))
    body = "".join(pages[3:])
    headings = ["1.Overview", "2.Buildplan", "3.Facilities", "4.Academicteam", "5.Researchcapability",
                "6.Researchoutcomes", "7.Supportmeasures", "8.Consortium", "9.Eligibilityself-check",
                "10.Indexofattachments"]
    positions = [body.index(h) for h in headings]
    assert positions == sorted(positions)
    for text in ("Art. 11(1)", "Art. 12(1)", "Art. 12(2)", "Art. 12(3)", "Art. 12(4)", "Art. 12(5)",
                 "Art. 12(3) item 1", "Art. 12(4) item 3", "Art. 12(4) item 4",
                 "李院士", "清华大学", "ISO/TC 299 委员",  # the team (Art. 12 (2))
                 "国家重点研发计划项目14", "1,500,000.00", "Total: 15 projects", "¥22,500,000.00",  # projects, total
                 "GB/T 44000-", "标准4",  # standards led (Art. 12 (4) 3)
                 "成果转化", "¥100,000.00",  # transfers and service income (Art. 12 (4) 4)
                 "联合申报研究院", "联合申报单位"):  # the consortium (Art. 5)
        assert squeeze(text) in body, text


def test_the_contents_give_each_sections_page_art11_12(revision):
    pages = pages_of(render_book(revision, language="en"))
    contents = pages[first_page_with(pages, "Contents")]
    for heading, after in (("3.Facilities", "4.Academicteam"), ("6.Researchoutcomes", "7.Supportmeasures"),
                           ("10.Indexofattachments", revision.application.name_zh)):
        page = first_page_with(pages, heading, start=3) + 1
        assert re.search(re.escape(heading) + r"\.{3,}" + str(page) + re.escape(after), contents), (heading, page)


def test_every_page_after_the_cover_says_page_x_of_y(revision):
    pages = pages_of(render_book(revision, language="en"))
    total = len(pages)
    assert total >= 5
    assert "Page1of" not in pages[0]
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page{number}of{total}" in page


def test_the_index_lists_each_attachment_with_its_sha256_and_size(revision):
    attachment = revision.application.attachments.get()
    pages = pages_of(render_book(revision, language="en"))
    index = "".join(pages[first_page_with(pages, "10.Indexofattachments", start=3):])
    assert "场地证明.pdf" in index
    assert attachment.sha256 in index
    assert "size(bytes)" in index.lower() and f"{attachment.size:,}" in index


def test_an_older_snapshot_takes_a_files_size_from_the_stored_file_with_the_same_sha256(revision):
    """Revisions frozen before sizes were recorded: the size is the stored file's of the same digest, or unknown."""
    attachment = revision.application.attachments.get()
    snapshot = revision.snapshot
    snapshot["attachments"] = [row[:3] for row in snapshot["attachments"]] + [["general", "已删除.pdf", "ab" * 32]]
    Revision.objects.filter(pk=revision.pk).update(snapshot=snapshot)
    rows = dossier_book.book_context(Revision.objects.get(pk=revision.pk))["attachments"]
    assert [(row["attachment"].original_name, row["size"]) for row in rows] == [
        ("场地证明.pdf", attachment.size), ("已删除.pdf", None)]


def test_a_revision_prints_as_it_was_submitted_whatever_changed_since_art13():
    app = submitted(complete_dossier(research_space_m2=Decimal("3500")))
    removed = app.projects.order_by("pk").first()
    app = returned_and_resubmitted(app, research_space_m2=Decimal("4200.50"), summary="第二次提交的摘要")
    NationalProject.objects.filter(pk=removed.pk).delete()
    first, second = app.revisions.order_by("number")
    old = "".join(pages_of(render_book(first, language="en")))
    new = "".join(pages_of(render_book(second, language="en")))
    assert "3,500m²" in old and "4,200.5m²" not in old
    assert "4,200.5m²" in new and "第二次提交的摘要" in new
    assert squeeze(removed.title) in old and "Submission1" in old and "Submission2" in new


def test_the_self_check_is_that_of_the_revision_at_its_thresholds_art12_1():
    """The research space of each revision judged as it was: 2,999.99 m² warns, 3,000 m² passes (Art. 12 (1))."""
    app = submitted(complete_dossier(research_space_m2=Decimal("2999.99")))
    app = returned_and_resubmitted(app, research_space_m2=Decimal("3000"))
    first, second = app.revisions.order_by("number")
    assert dossier_book.book_context(first)["eligibility"].line("space").status == "warning"
    assert dossier_book.book_context(second)["eligibility"].line("space").status == "pass"
    pages = pages_of(render_book(first, language="en"))
    check = "".join(pages[first_page_with(pages, "9.Eligibilityself-check", start=3):])
    assert squeeze("2,999.99 m² is below 3,000 m²") in check
    with translation.override("en"):
        assert squeeze(cite("Art. 12 (1)")) in check and squeeze(cite("Art. 12 (4) 3")) in check


def test_the_self_checks_time_windows_end_with_the_year_of_submission_art12_3():
    """Projects of 2022-2026 count for a dossier submitted in 2026, even printed in 2028 (Art. 12 (3) 1: 近5年)."""
    with on(2026, 3, 2):
        app = submitted(complete_dossier(year=2026))
    revision = app.revisions.get()
    with on(2028, 3, 2):
        eligibility = dossier_book.book_context(revision)["eligibility"]
    assert eligibility.reference_year == 2026
    assert eligibility.line("projects").status == "pass"
    NationalProject.objects.filter(application=app, year=2022).update(year=2021)  # the live rows do not matter
    assert dossier_book.book_context(revision)["eligibility"].line("projects").status == "pass"


def test_an_experts_copy_names_the_expert_on_every_page_and_the_plain_copy_does_not(revision):
    reviewer = expert(full_name="王评审")
    watermarked = pages_of(render_book(revision, reviewer, language="en"))
    assert all("Forreviewonly" in page and "王评审" in page for page in watermarked)
    assert not any("Forreviewonly" in page for page in pages_of(render_book(revision, language="en")))


def test_the_book_is_in_chinese_by_default_its_sections_numbered_so(revision):
    data = render_book(revision)
    assert data.startswith(PDF_MAGIC)
    text = "".join(pages_of(data))
    assert "一、" in text and "十、" in text and "10.Indexofattachments" not in text


# --- who may download it ---------------------------------------------------------------------------------


def download(user, revision, django_capture_on_commit_callbacks):
    """`user` asks for the book: rendered at commit (Celery is eager), then asked again and served (the file read
    into `response.body`)."""
    client = browser(user)
    url = reverse("applications:dossier_pdf", args=[revision.application_id, revision.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    if response.status_code == 200 and response["Content-Type"] != "application/pdf":
        response = client.get(url)
    return read(response)


def read(response):
    if response.streaming:
        response.body = b"".join(response.streaming_content)  # consuming it closes the file (test client wrapper)
    return response


def test_the_applicant_recommenders_and_ministries_download_the_same_book(revision, django_capture_on_commit_callbacks):
    app = revision.application
    samr, _miit = provincial_recommenders(app.host.province)
    run_transition(app, "recommend", samr, dimensions=all_meet_dimensions(), warnings_acknowledged=True)
    readers = [applicant_of(app.host), samr, samr_staff()]
    for reader in readers:
        response = download(reader, revision, django_capture_on_commit_callbacks)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.body.startswith(PDF_MAGIC)
    document = Document.objects.get(kind="dossier")  # rendered once, for all of them
    assert document.key == document_key(revision) and document.subject == revision
    downloads = AuditEntry.objects.filter(transition="download", object_id=document.pk)
    assert sorted(downloads.values_list("actor_id", flat=True)) == sorted(r.pk for r in readers)


def test_others_are_told_the_book_does_not_exist(revision, django_capture_on_commit_callbacks):
    stranger = applicant_of(LocalHostFactory())
    other_province = provincial_recommenders("33")[0]
    for user in (stranger, other_province, expert()):
        assert download(user, revision, django_capture_on_commit_callbacks).status_code == 404
    assert not Document.objects.filter(kind="dossier").exists()


def test_an_expert_downloads_only_the_revision_under_review_in_a_copy_of_their_own_art9(django_capture_on_commit_callbacks):
    journey = new_journey()
    app = returned_and_resubmitted(submitted())
    app = journey.formal_review_passed(journey.recommended(app, warnings_acknowledged=True))
    review_round = journey.open_round([app], "第一轮专家评审")
    reviewer, assigned_only = journey.experts[:2]
    accept(journey.assign(review_round, app, reviewer))
    journey.assign(review_round, app, assigned_only)
    first, second = app.revisions.order_by("number")

    response = download(reviewer, second, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    copy = Document.objects.get(key=document_key(second, reviewer))
    with copy.file.open("rb") as handle:
        pages = pages_of(handle.read())
    assert all("Forreviewonly" in page and squeeze(str(reviewer)) in page for page in pages)
    assert download(reviewer, first, django_capture_on_commit_callbacks).status_code == 404  # not the one reviewed
    assert download(assigned_only, second, django_capture_on_commit_callbacks).status_code == 404  # not yet declared
    # the expert's copy is theirs alone, and the readers' copy is not theirs
    assert read(browser(journey.staff).get(reverse("documents:download", args=[copy.pk]))).status_code == 404
    assert download(journey.staff, second, django_capture_on_commit_callbacks).status_code == 200
    plain = Document.objects.get(key=document_key(second))
    assert read(browser(reviewer).get(reverse("documents:download", args=[plain.pk]))).status_code == 404


# --- links and printing ----------------------------------------------------------------------------------


def test_the_dossier_and_revisions_pages_link_each_revisions_book(revision, client_en):
    app = revision.application
    client_en.force_login(applicant_of(app.host))
    url = reverse("applications:dossier_pdf", args=[app.pk, 1])
    detail = client_en.get(app.get_absolute_url()).content.decode()
    assert f'href="{url}"' in detail
    revisions = client_en.get(reverse("applications:revisions", args=[app.pk])).content.decode()
    assert f'href="{url}"' in revisions and "Download the dossier (PDF, submission 1)" in revisions


def test_the_experts_assignment_page_links_the_book_of_the_revision_under_review():
    setup = scoring_setup(n_applications=1, n_experts=1)
    reviewer = setup.experts[0]
    assignment = setup.assignment(reviewer)
    url = reverse("applications:dossier_pdf", args=[assignment.application_id, 1])
    page = browser(reviewer).get(assignment.get_absolute_url()).content.decode()
    assert url not in page  # before the declaration, the dossier is closed (Art. 9)
    accept(assignment)
    assert f'href="{url}"' in browser(reviewer).get(assignment.get_absolute_url()).content.decode()


class PrintedParts(HTMLParser):
    """Whether each element with an id or a data-testid prints: not inside an element of class `d-print-none`."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.prints = [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = "d-print-none" in (attrs.get("class") or "").split() or any(h for _t, h in self.stack)
        for name in ("id", "data-testid"):
            if attrs.get(name):
                self.prints.setdefault(attrs[name], not hidden)
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def test_printing_the_dossier_page_prints_the_dossier_not_the_pages_chrome(revision, client):
    app = revision.application
    client.force_login(applicant_of(app.host))
    parts = PrintedParts()
    parts.feed(client.get(app.get_absolute_url()).content.decode())
    for part in ("dossier-overview", "dossier-team", "dossier-attachments", "eligibility-panel"):
        assert parts.prints[part], part
    for part in ("progress", "preliminary-reviews", "timeline", "dossier-pdf"):
        assert not parts.prints[part], part
    # the navbar, the footer, breadcrumbs and buttons of every page are left out in print (portal.css)
    css = Path(settings.BASE_DIR, "static/css/portal.css").read_text()
    print_rules = " ".join(re.findall(r"@media print \{(.*?)\n\}", css, re.S))
    for selector in (".portal-navbar", ".portal-footer", ".breadcrumb", ".btn", ".portal-dossier-page .row > .col-lg-4"):
        assert selector in print_rules, selector


def test_an_experts_copy_is_stamped_on_the_readers_copy_once_it_is_stored(revision, django_capture_on_commit_callbacks):
    samr, _miit = provincial_recommenders(revision.application.host.province)
    assert download(samr, revision, django_capture_on_commit_callbacks).status_code == 200
    plain = Document.objects.get(key=document_key(revision))
    Path(plain.file.path).write_bytes(HTML(string="<p>The stored copy</p><p style='break-before: page'>2</p>").write_pdf())
    reviewer = expert(full_name="王评审")
    copy = pages_of(dossier_book.build(None, lambda percent: None, revision.pk, expert_id=reviewer.pk))
    assert len(copy) == 2 and "Thestoredcopy" in copy[0]  # not rendered again
    assert all("Forreviewonly" in page and "王评审" in page for page in copy)
