"""Every decision the Measures make public or send to a party issues its numbered official document, in the decision's
own transaction, from the data of that moment (`kernel.documents.issue`): the recommendation letter (Art. 10), the
publicity notice (Art. 13, 19), the acceptance opinion (Art. 19), the evaluation result notice and the public notice of
an unqualified result (Art. 27), the termination (Art. 18, 19) and removal (Art. 25, 27) decisions. A decision refused
issues nothing and takes no number; later changes never alter what was issued.

Rendering a document takes about half a second: only the decision under test renders (its on-commit callbacks are
executed), the journey's earlier documents stay queued."""

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import OrganisationKind
from applications.choices import DimensionVerdict
from applications.documents import RECOMMENDATION_LETTER
from applications.models import Status
from evaluations.documents import (
    ACCEPTANCE_OPINION,
    DELISTING_DECISION,
    EVALUATION_NOTICE,
    TERMINATION_DECISION,
    UNQUALIFIED_NOTICE,
)
from evaluations.models import AcceptanceVerdict, EvaluationResult, LabStatus
from kernel import documents
from kernel.models import Document, DocumentCounter
from kernel.rules import RuleViolation
from kernel.transitions import run_transition
from labportal.journeys import ALL_MEET, recommenders_of
from reviews.documents import PUBLICITY_NOTICE
from reviews.models import NoticeStatus
from tests.factories import LocalHostFactory, applicant_of, at, provincial_body

pytestmark = pytest.mark.django_db

JOINT_PREFIX = "国市监质发"


def text_of(document):
    """The rendered PDF's text without its line breaks (a long name wraps)."""
    document.refresh_from_db()
    assert document.state == Document.State.READY, document.error
    with document.file.open("rb") as handle:
        text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(handle.read())).pages)
    return "".join(text.split())


def issued(kind, subject=None):
    queryset = Document.objects.issued().filter(kind=kind)
    if subject is not None:
        queryset = documents.issued_for(subject, kind)
    return list(queryset)


def status_of(user, document):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("documents:download", args=[document.pk]))
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # consuming it closes the file
    return response.status_code


def outsider():
    return applicant_of(LocalHostFactory())


def serials_are_gapless(issuer, year):
    serials = sorted(Document.objects.filter(issuer=issuer, year=year).values_list("serial", flat=True))
    return serials == list(range(1, len(serials) + 1)) and DocumentCounter.objects.get(issuer=issuer, year=year).last == len(serials)


# --- the recommendation letter (Art. 10) ------------------------------------------------------------------


def test_each_recommender_issues_its_letter_under_its_own_prefix_art10(journey, django_capture_on_commit_callbacks):
    app = journey.submitted()
    samr_js, miit_js = recommenders_of(app)
    with django_capture_on_commit_callbacks(execute=True):
        app = journey.recommended(app, comments=("同意推荐。",))
    letters = sorted(issued(RECOMMENDATION_LETTER), key=lambda d: d.issuer_name)
    assert {d.issuer for d in letters} == {f"org-{samr_js.pk}", f"org-{miit_js.pk}"}
    year = timezone.localdate().year
    assert {d.number for d in letters} == {f"苏市监质函〔{year}〕1号", f"苏工信函〔{year}〕1号"}  # from the province
    assert {d.issuer_name for d in letters} == {samr_js.name, miit_js.name}
    letter = next(d for d in letters if d.issuer == f"org-{samr_js.pk}")
    assert letter.title == f"关于推荐{app.name_zh}的函" and letter.subject.recommender == samr_js
    text = text_of(letter)
    assert app.name_zh in text and app.host.name in text and "第十条" in text and "同意推荐" in text
    assert samr_js.name in text and miit_js.name in text  # the issuer, and the other of the joint recommenders

    assert status_of(applicant_of(app.host), letter) == 200
    assert status_of(journey.cast.recommender(miit_js), letter) == 200  # the other recommender of the dossier
    assert status_of(journey.staff, letter) == 200
    assert status_of(outsider(), letter) == 404
    assert status_of(None, letter) == 404


def test_the_letter_shows_on_the_dossier_page_with_its_number_art10(journey, client):
    app = journey.recommended()
    letter = issued(RECOMMENDATION_LETTER)[0]
    client.force_login(applicant_of(app.host))
    page = client.get(app.get_absolute_url()).content.decode()
    assert letter.number in page and reverse("documents:download", args=[letter.pk]) in page


def test_a_recommenders_prefix_is_configuration_art10(journey):
    body = provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32")
    assert body.document_prefix == "苏市监质函"  # derived by the migration, editable in the admin
    body.document_prefix = "苏市监函"
    body.save()
    journey.recommended()
    letter = Document.objects.get(kind=RECOMMENDATION_LETTER, issuer=f"org-{body.pk}")
    assert letter.number.startswith("苏市监函〔") and letter.issuer_name == body.name


def test_returning_or_declining_issues_no_letter_art10(journey):
    app = journey.submitted()
    samr_js, _miit_js = recommenders_of(app)
    journey.take(app, "return_for_revision", journey.cast.recommender(samr_js), "请补充材料。", dimensions=ALL_MEET)
    assert issued(RECOMMENDATION_LETTER) == []


def test_a_refused_recommendation_issues_no_letter_and_takes_no_number_art10(journey):
    app = journey.submitted()
    samr_js, _miit_js = recommenders_of(app)
    recommender = journey.cast.recommender(samr_js)
    not_met = {**ALL_MEET, "legality": {"verdict": DimensionVerdict.NEEDS_REVISION, "comment": ""}}
    with pytest.raises(RuleViolation):
        journey.take(app, "recommend", recommender, dimensions=not_met)
    assert issued(RECOMMENDATION_LETTER) == []
    assert not DocumentCounter.objects.filter(issuer=f"org-{samr_js.pk}", last__gt=0).exists()
    journey.take(app, "recommend", recommender, dimensions=ALL_MEET)
    assert issued(RECOMMENDATION_LETTER)[0].serial == 1  # the refused one took no number


# --- the publicity notice (Art. 13, 19) -------------------------------------------------------------------


def test_a_published_notice_is_issued_jointly_and_public_art13(journey, django_capture_on_commit_callbacks, client):
    app = journey.inspected()
    with django_capture_on_commit_callbacks(execute=True):
        notice = journey.open_notice([app], title="2026年拟批准建设国家质量标准实验室名单公示（第一批）")
    [document] = issued(PUBLICITY_NOTICE, notice)
    year = timezone.localdate().year
    assert document.number.startswith(f"{JOINT_PREFIX}〔{year}〕") and document.issuer == "joint"
    assert document.title == notice.title and document.issued_on == timezone.localdate()
    text = text_of(document)
    assert app.name_zh in text and app.host.name in text and "第十三条" in text and "实名" in text
    assert "国家市场监督管理总局" in text and "工业和信息化部" in text
    assert status_of(None, document) == 200  # public: anyone downloads it
    assert document.number in client.get(reverse("public:notice", args=[notice.pk])).content.decode()
    assert serials_are_gapless("joint", year)


def test_a_scheduled_notice_is_issued_when_published_not_when_opened_art13(journey):
    app = journey.inspected()
    starts_on = timezone.localdate() + datetime.timedelta(days=7)
    notice = journey.open_notice([app], starts_on=starts_on)
    assert notice.status == NoticeStatus.SCHEDULED and issued(PUBLICITY_NOTICE) == []
    taken = Document.objects.issued().filter(issuer="joint", year=starts_on.year).count()  # the call's notice
    with pytest.raises(RuleViolation):  # not before its first day: refused, nothing issued
        run_transition(notice, "publish", journey.staff, internal=True)
    assert issued(PUBLICITY_NOTICE) == []
    with at(starts_on):
        notice = run_transition(notice, "publish", journey.staff, internal=True)
    [document] = issued(PUBLICITY_NOTICE, notice)
    assert document.issued_on == starts_on and document.serial == taken + 1  # the refusal took no number


def test_an_acceptance_notice_lists_the_laboratories_art19(journey, django_capture_on_commit_callbacks):
    lab = journey.confirm_acceptance(journey.lab_in(LabStatus.ACCEPTANCE_CONFIRMATION))
    with django_capture_on_commit_callbacks(execute=True):
        notice = journey.acceptance_notice(lab, title="国家质量标准实验室验收结果公示（第一批）")
    [document] = issued(PUBLICITY_NOTICE, notice)
    text = text_of(document)
    assert lab.name_zh in text and "通过验收" in text and "第十九条" in text


# --- the acceptance opinion (Art. 19) ---------------------------------------------------------------------


def test_the_acceptance_verdict_issues_the_opinion_to_the_host_art19(journey, django_capture_on_commit_callbacks, client):
    lab = journey.apply_for_acceptance(journey.approved(months_ago=24))
    with django_capture_on_commit_callbacks(execute=True):
        lab = journey.acceptance_verdict(lab, AcceptanceVerdict.RECTIFY, opinion="检测能力尚需完善。")
    acceptance = lab.acceptance_applications.get()
    [opinion] = issued(ACCEPTANCE_OPINION, acceptance)
    assert opinion.issuer == "joint" and opinion.title == f"关于{lab.name_zh}验收意见的函"
    assert opinion.content["addressees"] == lab.host.name
    text = text_of(opinion)
    assert lab.name_zh in text and "验收结论：整改" in text and "检测能力尚需完善" in text and "第十九条" in text

    host = applicant_of(lab.host)
    assert status_of(host, opinion) == 200 and status_of(journey.staff, opinion) == 200
    assert status_of(outsider(), opinion) == 404 and status_of(None, opinion) == 404
    client.force_login(host)
    page = client.get(lab.get_absolute_url()).content.decode()
    assert opinion.number in page and reverse("documents:download", args=[opinion.pk]) in page


def test_an_unknown_verdict_issues_nothing_and_takes_no_number_art19(journey):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_REVIEW)
    before = DocumentCounter.objects.filter(issuer="joint").values_list("year", "last")
    before = dict(before)
    with pytest.raises(RuleViolation):
        run_transition(lab, "record_acceptance_verdict", journey.staff, internal=True, verdict="maybe")
    assert issued(ACCEPTANCE_OPINION) == []
    assert dict(DocumentCounter.objects.filter(issuer="joint").values_list("year", "last")) == before


def test_the_issued_opinion_keeps_the_name_the_lab_had_art19_art24(journey, django_capture_on_commit_callbacks):
    lab = journey.lab_in(LabStatus.RECTIFYING)
    [opinion] = issued(ACCEPTANCE_OPINION)
    old_name = lab.name_zh
    lab.name_zh = "新能源质量国家质量标准实验室"  # renamed after the decision (Art. 24), before the worker rendered it
    lab.save(update_fields=["name_zh"])
    documents.render(opinion.pk)
    text = text_of(opinion)
    assert old_name in text and "新能源质量" not in text
    sha256 = Document.objects.get(pk=opinion.pk).sha256
    documents.render(opinion.pk)  # a second rendering changes nothing
    assert Document.objects.get(pk=opinion.pk).sha256 == sha256


# --- the evaluation result (Art. 26-27) -------------------------------------------------------------------


def test_a_qualified_result_issues_the_result_notice_only_art27(journey, django_capture_on_commit_callbacks):
    lab = journey.lab_in(LabStatus.OPERATING)
    with django_capture_on_commit_callbacks(execute=True):
        lab = journey.evaluation_result(lab, EvaluationResult.QUALIFIED)
    evaluation = lab.evaluations.get()
    [notice] = issued(EVALUATION_NOTICE, evaluation)
    assert issued(UNQUALIFIED_NOTICE) == []
    assert notice.title == f"关于{lab.name_zh}综合评价结果的通知"
    text = text_of(notice)
    assert lab.name_zh in text and "综合评价结果：合格" in text and "第二十七条" in text
    assert status_of(applicant_of(lab.host), notice) == 200 and status_of(outsider(), notice) == 404


def test_an_unqualified_result_is_also_notified_publicly_art27(journey, django_capture_on_commit_callbacks, client):
    lab = journey.lab_in(LabStatus.OPERATING)
    with django_capture_on_commit_callbacks(execute=True):
        lab = journey.evaluation_result(lab, EvaluationResult.UNQUALIFIED)
    evaluation = lab.evaluations.get()
    [notice] = issued(EVALUATION_NOTICE, evaluation)
    [public] = issued(UNQUALIFIED_NOTICE, evaluation)
    assert public.serial == notice.serial + 1 and public.year == notice.year  # one joint sequence, no gap
    assert public.title == f"关于{lab.name_zh}综合评价结果为不合格的通报"
    text = text_of(public)
    assert lab.name_zh in text and lab.host.name in text and "不合格" in text and "半年" in text
    assert status_of(None, public) == 200  # Art. 27 makes it public
    assert status_of(None, notice) == 404 and status_of(outsider(), notice) == 404
    client.force_login(applicant_of(lab.host))
    page = client.get(lab.get_absolute_url()).content.decode()
    assert notice.number in page and public.number in page


# --- termination and removal (Art. 18, 19, 25, 27) --------------------------------------------------------


def test_the_termination_is_issued_at_the_second_signature_art19(journey, django_capture_on_commit_callbacks):
    lab = journey.statement(journey.lab_in(LabStatus.TERMINATION_PROPOSED), text="我单位已完成大部分建设任务。")
    lab = journey.take(lab, "sign_termination", journey.staff, "同意终止。")
    assert issued(TERMINATION_DECISION) == []  # one ministry's signature decides nothing
    with django_capture_on_commit_callbacks(execute=True):
        lab = journey.take(lab, "sign_termination", journey.miit, "同意终止。")
    assert lab.status == LabStatus.TERMINATED
    proposal = lab.proposals.get()
    [decision] = issued(TERMINATION_DECISION, proposal)
    assert decision.issuer == "joint" and decision.title == f"关于终止{lab.name_zh}建设的决定"
    text = text_of(decision)
    assert lab.name_zh in text and "未通过验收" in text and "第十九条" in text
    assert "书面陈述申辩意见" in text and "决定：终止" in text
    assert status_of(None, decision) == 200  # public


def test_the_removal_names_the_misconduct_and_the_missing_statement_art25(journey, django_capture_on_commit_callbacks):
    lab = journey.lab_in(LabStatus.OPERATING)
    lab = journey.take(lab, "propose_delisting", journey.staff, "年度运行报告数据造假。")
    proposal = lab.proposals.get()
    with at(proposal.statement_due + datetime.timedelta(days=1)):  # no statement made in its period
        lab = journey.take(lab, "sign_delisting", journey.staff, "同意。")
        with django_capture_on_commit_callbacks(execute=True):
            lab = journey.take(lab, "sign_delisting", journey.miit, "同意。")
    assert lab.status == LabStatus.DELISTED
    [decision] = issued(DELISTING_DECISION, proposal)
    text = text_of(decision)
    assert decision.title == f"关于{lab.name_zh}不再列入国家质量标准实验室序列的决定"
    assert "第二十五条" in text and "年度运行报告数据造假" in text and "未提交书面陈述申辩意见" in text
    assert status_of(None, decision) == 200


def test_a_withdrawn_proposal_issues_no_decision_art18_19_25_27(journey):
    lab = journey.lab_in(LabStatus.TERMINATION_PROPOSED)
    journey.take(lab, "withdraw_proposal", journey.staff, "依托单位已补交材料。")
    assert issued(TERMINATION_DECISION) == [] and issued(DELISTING_DECISION) == []


def test_every_decision_of_a_labs_life_takes_the_next_joint_number_art13_19_27(journey):
    """Approval notice, acceptance opinion, acceptance notice, evaluation notice and its public notice: one joint
    sequence per year, gapless."""
    lab = journey.lab_in(LabStatus.OPERATING)
    journey.evaluation_result(lab, EvaluationResult.UNQUALIFIED)
    for year in set(Document.objects.filter(issuer="joint").values_list("year", flat=True)):
        assert serials_are_gapless("joint", year)
    kinds = set(Document.objects.values_list("kind", flat=True))
    assert {PUBLICITY_NOTICE, ACCEPTANCE_OPINION, EVALUATION_NOTICE, UNQUALIFIED_NOTICE, RECOMMENDATION_LETTER} <= kinds
    assert Status.APPROVED == lab.application.status
