"""Score sheet and round summary PDFs (WeasyPrint): Chinese text, CJK fonts embedded, who may read them. A score
sheet is rendered in the request; a round's summary by a worker, once per state of the round's scores.
Each render takes about half a second: keep these few."""

import io
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kernel.models import AuditEntry, Document
from kernel.pdf import render_pdf
from kernel.transitions import run_transition
from reviews import services
from tests.factories import LAB_NAME, accept, applicant_of, prepared, score_and_submit, scoring_setup

pytestmark = pytest.mark.django_db


def pdf_text_and_fonts(content):
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont", "")))
    return text, fonts


def has_cjk_font(fonts):
    return any("NotoSansCJK" in f or "Noto-Sans-CJK" in f for f in fonts)


def test_score_sheet_pdf_for_the_expert_with_chinese_text_and_embedded_cjk_font(client):
    setup = scoring_setup(n_experts=2)
    expert, colleague = setup.experts
    assignment = score_and_submit(setup.assignment(expert), value=88)
    client.force_login(expert)
    response = client.get(reverse("experts:score_sheet_pdf", args=[assignment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and quote(LAB_NAME) in disposition
    assert f'filename="score-sheet-{assignment.pk}.pdf"' in disposition
    text, fonts = pdf_text_and_fonts(response.content)
    assert LAB_NAME in text and "88" in text
    assert has_cjk_font(fonts), fonts
    [exported] = AuditEntry.objects.filter(transition="export")  # a sheet of scores leaving the portal is recorded
    assert (exported.subject, exported.actor, exported.data["document"]) == (assignment, expert, "score sheet")

    # Another expert (even on the same application), the applicant: not found. Not yet declared: no sheet.
    client.force_login(colleague)
    assert client.get(reverse("experts:score_sheet_pdf", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("experts:score_sheet_pdf", args=[setup.assignment(colleague).pk])).status_code == 404
    client.force_login(applicant_of(assignment.application.host))
    assert client.get(reverse("experts:score_sheet_pdf", args=[assignment.pk])).status_code == 404


def test_round_summary_pdf_for_ministry_staff_only(client, django_capture_on_commit_callbacks):
    setup = scoring_setup(n_applications=2, n_experts=2)
    for app in setup.applications:
        for expert in setup.experts:
            score_and_submit(setup.assignment(expert, app), value=70 if app == setup.applications[0] else 90)
    url = reverse("reviews:round_pdf", args=[setup.review_round.pk])

    client.force_login(setup.staff)
    response, content = prepared(client, django_capture_on_commit_callbacks, url)
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    text, fonts = pdf_text_and_fonts(content)
    assert LAB_NAME in text and "指标1" in text
    assert has_cjk_font(fonts), fonts
    # Ranked by weighted mean: the 90-point application first.
    assert text.index(str(setup.applications[1])) < text.index(LAB_NAME)
    [exported] = AuditEntry.objects.filter(transition="export")  # when the file left, not when it was being prepared
    assert (exported.subject, exported.actor, exported.data["document"]) == (setup.review_round, setup.staff, "round summary")

    [document] = Document.objects.filter(kind="round_summary")
    client.force_login(setup.experts[0])
    assert client.get(url).status_code == 403
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404  # nor by its number
    assert client.get(reverse("reviews:round_pdf", args=[setup.review_round.pk + 999])).status_code == 403
    client.force_login(setup.staff)
    assert client.get(reverse("reviews:round_pdf", args=[setup.review_round.pk + 999])).status_code == 404


def test_round_summary_is_rendered_by_a_worker_and_again_only_when_a_score_changes_art13(
        client, django_capture_on_commit_callbacks):
    """Staff asking for the summary of an unchanged round get the stored file; a sheet submitted since is a new one."""
    setup = scoring_setup(n_applications=2, n_experts=2)
    score_and_submit(setup.assignment(setup.experts[0], setup.applications[0]), value=70)
    url = reverse("reviews:round_pdf", args=[setup.review_round.pk])
    client.force_login(setup.staff)
    with django_capture_on_commit_callbacks() as queued:
        waiting = client.get(url)
    assert b'data-testid="document-status"' in waiting.content and len(queued) == 1  # a worker renders it
    assert not AuditEntry.objects.filter(transition="export").exists()
    queued[0]()  # the worker renders it
    _, first = prepared(client, django_capture_on_commit_callbacks, url)
    with django_capture_on_commit_callbacks() as queued:
        _, again = prepared(client, django_capture_on_commit_callbacks, url)
    assert queued == [] and again == first

    score_and_submit(setup.assignment(setup.experts[1], setup.applications[0]), value=90)
    _, changed = prepared(client, django_capture_on_commit_callbacks, url)
    assert changed != first and "80.00" in pdf_text_and_fonts(changed)[0]  # the mean of 70 and 90
    assert Document.objects.filter(kind="round_summary", object_id=setup.review_round.pk).count() == 2


def test_ministry_staff_read_any_score_sheet_a_draft_included(client):
    setup = scoring_setup(n_experts=1)
    assignment = accept(setup.assignment(setup.experts[0]))
    client.force_login(setup.staff)
    response = client.get(reverse("experts:score_sheet_pdf", args=[assignment.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def pdf_pages(content):
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


SCORE_COMMENTS = [
    "科研用房和主要仪器设备满足要求，部分装置达到国际先进水平。",
    "学术委员会结构合理，学术带头人具有国际标准组织任职。",
    "近五年承担国家级项目充足，在领域内具有权威性。",
    "主导制定标准和成果转化数量达到要求，行业带动作用明显。",
    "依托单位将实验室列为发展重点，经费和人员保障到位。",
]


def test_score_sheet_of_a_scored_assignment_is_one_page_without_a_blank_second(client):
    """Five criteria with a comment each and an overall opinion fill one A4 page: the "printed" line sits in
    the footer and the body has no margin of its own, so nothing spills onto an empty second page."""
    setup = scoring_setup(n_experts=1, weights=(20, 20, 25, 25, 10))
    for number, (criterion, title) in enumerate(zip(setup.criteria_list, ("设施条件", "学术团队", "研究能力", "科研成果", "保障措施")), 1):
        criterion.title, criterion.article = title, f"Art. 12 ({number})"  # as the criteria set of the migrations
        criterion.save()
    assignment = accept(setup.assignment(setup.experts[0]))
    values = {c.pk: (85 + i, SCORE_COMMENTS[i]) for i, c in enumerate(setup.criteria_list)}
    services.save_scores(assignment, assignment.expert, values, "申报材料翔实，建设条件成熟，同意进入现场考察。")
    assignment = run_transition(assignment, "submit_scores", assignment.expert)
    client.force_login(setup.staff)
    response = client.get(reverse("experts:score_sheet_pdf", args=[assignment.pk]))
    pages = pdf_pages(response.content)
    assert len(pages) == 1, [text[-80:] for text in pages]
    assert "打印日期" in pages[0] and "1 / 1" in pages[0] and SCORE_COMMENTS[4] in pages[0].replace("\n", "")
    assert has_cjk_font(pdf_text_and_fonts(response.content)[1])


class Named(SimpleNamespace):
    def __str__(self):
        return self.name


def test_long_round_summary_breaks_between_rows_and_repeats_the_table_header():
    """60 ranked applications run over several pages: every row stays whole on one page (its first and last
    words together) and each page of the ranking starts with the table's header again."""
    criteria = [SimpleNamespace(title=f"指标{i}", article="Art. 12", weight=20) for i in range(1, 6)]
    results = [
        SimpleNamespace(
            rank=n, application=Named(name=f"样例{n:02d}号国家质量标准实验室", host=f"样例依托单位{n:02d}"),
            count=3, pending=0, mean=90 - n / 10, spread=1.5, stdev=0.6, totals=[],
            entry=SimpleNamespace(get_outcome_display=f"起{n:02d}进入现场考察", reason="专家组综合评分达到要求，" * 3 + f"止{n:02d}"),
        )
        for n in range(1, 61)
    ]
    round_ = Named(name="2026年第一批专家评审", get_status_display="已结束", committee="第二届专家技术委员会",
                   criteria_set="申报评审指标", opened_at=timezone.now(), concluded_at=timezone.now())
    pdf = render_pdf("pdf/round_summary.html", {
        "round": round_, "criteria": criteria, "results": results, "deviation_points": 10, "printed_at": timezone.now(),
    })
    pages = [text.replace("\n", "") for text in pdf_pages(pdf)]
    assert len(pages) > 2
    for n in range(1, 61):
        holding = [i for i, text in enumerate(pages) if f"起{n:02d}" in text or f"止{n:02d}" in text]
        assert len(set(holding)) == 1, (n, holding)
    header = "排名申报依托单位评分表"
    ranking_pages = [text for text in pages[1:] if "起" in text]
    assert ranking_pages and all(text.replace(" ", "").find(header) != -1 for text in ranking_pages)
    css = render_to_string("pdf/base.html")
    assert "tr { break-inside: avoid; }" in css and "thead { display: table-header-group; }" in css
