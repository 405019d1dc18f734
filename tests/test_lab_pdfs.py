"""The laboratory's PDFs: the acceptance opinion (验收意见, Art. 19) of each decided acceptance application and
the comprehensive evaluation result notice (Art. 26-27). Chinese text with the lab's name and the verdict,
CJK fonts embedded, readable only by who may see the lab. Each render takes about half a second: keep these few."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from evaluations.models import AcceptanceVerdict, EvaluationResult, LabStatus
from tests.factories import LocalHostFactory, applicant_of, new_journey

pytestmark = pytest.mark.django_db


def pdf_text_and_fonts(content):
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont", "")))
    return text, fonts


def chinese(label):
    with translation.override("zh-hans"):
        return str(label)


def test_acceptance_opinion_pdf_names_the_lab_and_the_verdict_art19(client):
    journey = new_journey()
    lab = journey.lab_in(LabStatus.RECTIFYING)
    acceptance = lab.acceptance_applications.get()
    pdf_url = reverse("labs:acceptance_opinion_pdf", args=[acceptance.pk])

    client.force_login(applicant_of(lab.host))
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text, fonts = pdf_text_and_fonts(response.content)
    assert lab.name_zh in text
    assert chinese(AcceptanceVerdict.RECTIFY.label) in text and "专家组验收意见" in text
    assert any("NotoSansCJK" in f or "Noto-Sans-CJK" in f for f in fonts), fonts

    # Another host's user: not found; an application not yet decided has no opinion.
    client.force_login(applicant_of(LocalHostFactory()))
    assert client.get(pdf_url).status_code == 404
    pending = journey.lab_in(LabStatus.ACCEPTANCE_REVIEW).acceptance_applications.get()
    client.force_login(journey.staff)
    assert client.get(reverse("labs:acceptance_opinion_pdf", args=[pending.pk])).status_code == 404


def test_evaluation_notice_pdf_names_the_lab_and_the_result_art27(client):
    journey = new_journey()
    lab = journey.lab_in(LabStatus.EVALUATION_RECTIFYING)
    evaluation = lab.evaluations.get()
    pdf_url = reverse("labs:evaluation_notice_pdf", args=[evaluation.pk])

    client.force_login(journey.staff)
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text, _fonts = pdf_text_and_fonts(response.content)
    assert lab.name_zh in text and chinese(EvaluationResult.UNQUALIFIED.label) in text

    client.force_login(applicant_of(LocalHostFactory()))
    assert client.get(pdf_url).status_code == 404
    client.logout()
    assert client.get(pdf_url).status_code == 302  # to the login page
