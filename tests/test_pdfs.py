"""Score sheet and round summary PDFs (WeasyPrint): Chinese text, CJK fonts embedded, who may read them.
Each render takes about half a second: keep these few."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.expert_factories import LAB_NAME, accept, score_and_submit, scoring_setup
from tests.factories import applicant_of

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

    # Another expert (even on the same application), the applicant: not found. Not yet declared: no sheet.
    client.force_login(colleague)
    assert client.get(reverse("experts:score_sheet_pdf", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("experts:score_sheet_pdf", args=[setup.assignment(colleague).pk])).status_code == 404
    client.force_login(applicant_of(assignment.application.host))
    assert client.get(reverse("experts:score_sheet_pdf", args=[assignment.pk])).status_code == 404


def test_round_summary_pdf_for_ministry_staff_only(client):
    setup = scoring_setup(n_applications=2, n_experts=2)
    for app in setup.applications:
        for expert in setup.experts:
            score_and_submit(setup.assignment(expert, app), value=70 if app == setup.applications[0] else 90)
    url = reverse("reviews:round_pdf", args=[setup.review_round.pk])

    client.force_login(setup.staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text, fonts = pdf_text_and_fonts(response.content)
    assert LAB_NAME in text and "指标1" in text
    assert has_cjk_font(fonts), fonts
    # Ranked by weighted mean: the 90-point application first.
    assert text.index(str(setup.applications[1])) < text.index(LAB_NAME)

    client.force_login(setup.experts[0])
    assert client.get(url).status_code == 403
    assert client.get(reverse("reviews:round_pdf", args=[setup.review_round.pk + 999])).status_code == 403
    client.force_login(setup.staff)
    assert client.get(reverse("reviews:round_pdf", args=[setup.review_round.pk + 999])).status_code == 404


def test_ministry_staff_read_any_score_sheet_a_draft_included(client):
    setup = scoring_setup(n_experts=1)
    assignment = accept(setup.assignment(setup.experts[0]))
    client.force_login(setup.staff)
    response = client.get(reverse("experts:score_sheet_pdf", args=[assignment.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
