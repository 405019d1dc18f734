"""The public front (no login): the front page at `/` for visitors, the Measures' full text from the regulation
shipped with the portal, the application guide with the portal's real periods, templates generated from the
portal's own forms and rules, the FAQ and the coordination office's contact."""

import datetime
import io
import uuid

import pytest
from django.urls import reverse
from pypdf import PdfReader

from kernel.regulation import article_anchor, chinese_numeral, measures
from tests.factories import ApplicationFactory, applicant_of, at, new_journey
from tests.test_pdfs import has_cjk_font, pdf_text_and_fonts

MONDAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Each test its own cache keys (generated PDFs are cached), never a FLUSHDB of the shared Redis."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-front-{uuid.uuid4().hex}"}}


def html(response):
    assert response.status_code == 200
    return response.content.decode()


# --- the front page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_visitor_sees_open_notices_with_their_window_and_every_public_entry_art13(client, django_assert_max_num_queries):
    journey = new_journey()
    with at(MONDAY):
        first = journey.inspected(name_zh="甲质量国家质量标准实验室")
        second = journey.inspected(name_zh="乙质量国家质量标准实验室")
        notice = journey.open_notice([first, second], starts_on=MONDAY, working_days=5)
        with django_assert_max_num_queries(6):  # session-less visitor: notices, their applications, approvals
            page = html(client.get("/"))
    assert notice.title in page and first.name_zh in page and second.name_zh in page
    assert "2026年3月2日" in page and "5个工作日" in page and notice.get_absolute_url() in page
    for url in (reverse("login"), reverse("public:notices"), reverse("public:approved"), reverse("directory:list"),
                reverse("public:objection_lookup"), reverse("measures"), reverse("guide"), reverse("downloads"),
                reverse("faq"), reverse("contact"), reverse("measures") + "#chapter-3", reverse("guide") + "#stage-publicity"):
        assert f'href="{url}"' in page, url
    assert 'data-testid="front-login"' in page
    # The same page, for anyone, at its own address (the footer links there).
    assert notice.title in html(client.get(reverse("front_page")))


@pytest.mark.django_db
def test_a_logged_in_user_keeps_the_dashboard_and_reaches_the_front_page_from_the_footer(client):
    client.force_login(applicant_of(ApplicationFactory().host))
    home = html(client.get("/"))
    assert 'data-testid="front-login"' not in home and 'data-testid="footer-front-page"' in home
    front = html(client.get(reverse("front_page")))
    assert 'data-testid="front-dashboard"' in front and 'data-testid="front-login"' not in front


@pytest.mark.django_db
def test_the_login_page_leads_back_to_the_front_page(client):
    page = html(client.get(reverse("login")))
    assert f'href="{reverse("front_page")}"' in page and 'data-testid="login-front-page"' in page


# --- the Measures --------------------------------------------------------------------------------------


def test_the_regulation_reads_into_eight_chapters_and_thirty_three_articles():
    text = measures()
    assert text.document_number == "国市监质发〔2023〕92号"
    assert [c.title for c in text.chapters] == ["总则", "管理", "条件", "申报", "建设", "运行", "评估", "附则"]
    assert [a.number for a in text.articles] == list(range(1, 34))
    assert text.article(18).paragraphs[0].text.startswith("国家质量标准实验室建设期限一般不超过2年")
    assert "[bookmark" not in text.article(13).paragraphs[0].text
    items = {p.anchor: p.text[:5] for p in text.article(12).paragraphs if p.anchor}
    assert items["art-12-1"] == "（一）设施" and items["art-12-3-1"].startswith("1.") and items["art-12-4-5"].startswith("5.")
    assert [chinese_numeral(n) for n in ("一", "十", "十二", "二十", "三十三")] == [1, 10, 12, 20, 33]
    assert article_anchor(12, 1) == "art-12-1"


@pytest.mark.django_db
def test_the_measures_page_shows_every_article_with_an_anchor_in_chinese(client):
    page = html(client.get(reverse("measures")))
    for n in range(1, 34):
        assert f'id="art-{n}"' in page
    assert 'id="chapter-8"' in page and 'id="art-12-1"' in page and 'id="art-12-4-3"' in page
    assert "延长期限最长为1年" in page and "第三十三条" in page and "不再列入国家质量标准实验室序列" in page
    assert 'data-testid="authoritative-text"' not in page and 'data-testid="summary"' not in page


@pytest.mark.django_db
def test_the_english_measures_page_says_the_chinese_text_is_authoritative_and_summarises_each_article(client_en):
    page = html(client_en.get(reverse("measures")))
    assert 'data-testid="authoritative-text"' in page and "The authoritative text is the Chinese one" in page
    assert page.count('data-testid="summary"') == 33
    assert "Art. 18" in page and "an extension of at most one year" in page
    assert "延长期限最长为1年" in page  # the Chinese text stays, in full


# --- the guide, the FAQ and the contact -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_guide_has_each_stage_with_its_articles_and_the_portals_settings(client, client_en, settings):
    settings.PUBLICITY_WORKING_DAYS = 7
    settings.SUPPLEMENT_FIX_WORKING_DAYS = 12
    page = html(client_en.get(reverse("guide")))
    for key in ("apply", "recommend", "formal_review", "expert_review", "site_inspection", "publicity", "approval",
                "construction", "operation"):
        assert f'id="stage-{key}"' in page, key
    assert "The window is 7 working days from the day after publication." in page
    assert "due within 12 working days" in page and "Construction lasts 24 months" in page
    assert f'href="{reverse("measures")}#art-13"' in page and f'href="{reverse("measures")}#art-10"' in page
    chinese = html(client.get(reverse("guide"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "公示期为自发布次日起7个工作日" in chinese and "第十三条" in chinese and "现场考察" in chinese


@pytest.mark.django_db
def test_faq_and_contact_show_the_configured_office(client_en, settings):
    settings.PORTAL_CONTACT_PHONE = "010-8226 0000"
    settings.PORTAL_CONTACT_EMAIL = "office@example.cn"
    settings.PORTAL_CONTACT_ADDRESS = ""
    settings.PUBLICITY_WORKING_DAYS = 5
    faq = html(client_en.get(reverse("faq")))
    assert "How do I object to an application under publicity?" in faq and "5 working days, counted from the day after" in faq
    assert f'href="{reverse("public:objection_lookup")}"' in faq
    contact = html(client_en.get(reverse("contact")))
    assert "Coordination office for State Quality &amp; Standards Laboratories" in contact
    assert "tel:010-8226 0000" in contact and "mailto:office@example.cn" in contact and "Address" not in contact
    settings.PORTAL_CONTACT_NAME = "国家质量标准实验室推进工作协调机制办公室"
    assert "国家质量标准实验室推进工作协调机制办公室" in html(client_en.get(reverse("contact")))


# --- templates to download -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_templates_are_pdfs_generated_from_the_portals_forms_and_rules(client):
    listing = html(client.get(reverse("downloads")))
    expected = {
        "dossier-outline": ["申报书提纲", "设施条件", "科研用房面积", "国家级科研项目", "项目名称", "第十二条"],
        "eligibility-checklist": ["申报条件自查表", "3,000", "5,000", "2,000", "任意3项"],
        "objection-form": ["异议书", "统一社会信用代码", "法定代表人", "身份证号码", "单位公章"],
    }
    for slug, words in expected.items():
        url = reverse("download", args=[slug])
        assert f'href="{url}"' in listing
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"] and ".pdf" in response["Content-Disposition"]
        text, fonts = pdf_text_and_fonts(response.content)
        compact = "".join(text.split())
        for word in words:
            assert "".join(word.split()) in compact, (slug, word)
        assert has_cjk_font(fonts)
        if slug == "objection-form":  # printed, signed and sealed: one sheet
            assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    assert client.get("/downloads/nothing.pdf").status_code == 404
