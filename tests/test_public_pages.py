"""The public pages (no login, Art. 13): publicity notices, real-name objections during the window
only, a throttle against floods, and the approved construction list (批准建设名单) with its PDF."""

import datetime
import io
import uuid
from html import escape
from urllib.parse import quote

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import OrganisationKind
from applications.choices import Field
from applications.models import Application, Status
from kernel import documents, throttle
from kernel.models import Document
from kernel.transitions import run_transition
from reviews.models import Objection, PublicityNotice
from reviews.services import publicity_end
from tests.factories import (
    LocalHostFactory,
    at,
    complete_dossier,
    credit_code,
    ministry_staff,
    prepared,
    resident_id,
    wrong_check_digit,
)
from tests.shared_rows import class_fixtures

MONDAY = datetime.date(2026, 3, 2)  # notices of these tests are published on this day, for 5 working days
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WINDOW_MESSAGE = "Objections are accepted only while the publicity window is open"


@pytest.fixture(autouse=True)
def _clean_cache_and_clock(settings):
    """A fresh throttle for every test, on a fixed Monday in Beijing. The cache is emptied by giving
    each test its own key prefix: `cache.clear()` would FLUSHDB the Redis that CI shares between
    parallel workers (and Celery)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-public-{uuid.uuid4().hex}"}}
    with at(MONDAY):
        yield


def person(application, **overrides):
    data = {
        "objector_kind": "person", "name": "王小明", "id_number": resident_id(), "contact": "13800000000",
        "application": application.pk, "grounds": "该单位申报的仪器设备原值与实际不符。", "declaration": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def organisation(application, seal=None, **overrides):
    data = {
        "objector_kind": "organisation", "organisation_name": "某某检测技术有限公司", "credit_code": credit_code(),
        "legal_representative": "赵六",
        "contact": "legal@example.cn", "application": application.pk, "grounds": "申报材料中的标准并非其主导制定。",
        "declaration": "on",
    }
    if seal is not None:
        data["seal_scan"] = seal
    data.update(overrides)
    return data


def object_url(notice):
    return reverse("public:object", args=[notice.pk])


# --- reading: anonymous, only what is under publicity or approved -------------------------------


def two_under_one_notice(journey):
    """Two inspected applications under one notice published on MONDAY for 5 working days: ids."""
    with at(MONDAY):
        first = journey.inspected(name_zh="甲质量国家质量标准实验室")
        second = journey.inspected(name_zh="乙质量国家质量标准实验室")
        notice = journey.open_notice([first, second], starts_on=MONDAY, working_days=5)
    assert notice.starts_on == MONDAY and notice.ends_on == publicity_end(MONDAY, 5).date
    return notice.pk, first.pk, second.pk


class TestUnderOneNotice:
    """Objections to one notice, its applications made once for the class (`two_under_one_notice`)."""

    shared, journey = class_fixtures(two_under_one_notice)

    @pytest.fixture
    def under_notice(self, db, shared):
        notice, first, second = shared[1]
        return (PublicityNotice.objects.get(pk=notice), Application.objects.get(pk=first),
                Application.objects.get(pk=second))

    @pytest.mark.django_db
    def test_anonymous_reads_open_notices_with_window_and_public_data_only_art13(self, client_en, journey, under_notice):
        notice, first, second = under_notice
        response = client_en.get(reverse("public:notices"))
        assert response.status_code == 200
        page = response.content.decode()
        assert notice.title in page
        for app in (first, second):
            assert app.name_zh in page and app.host.name in page and escape(app.name_en) in page
        assert "High-end manufacturing" in page and "Jiangsu" in page
        assert MONDAY.isoformat() in page and notice.ends_on.isoformat() in page
        assert "5 working days" in page
        # Nothing of the dossier beyond name, host, field and province.
        assert first.summary not in page and first.host_commitment not in page and "60,000,000" not in page

        detail = client_en.get(notice.get_absolute_url()).content.decode()
        assert first.name_zh in detail and second.name_zh in detail
        assert f'{object_url(notice)}?application={first.pk}' in detail

    @pytest.mark.django_db
    def test_applications_not_under_open_publicity_never_appear_art13(self, client_en, journey, under_notice):
        notice, shown, _second = under_notice
        draft = complete_dossier(name_zh="草稿质量国家质量标准实验室")
        recommended = journey.recommended(name_zh="推荐质量国家质量标准实验室")
        rejected = journey.inspected(name_zh="驳回质量国家质量标准实验室")
        rejected = run_transition(rejected, "reject", journey.staff, comment="现场考察后复核不符合条件")
        assert rejected.status == Status.REJECTED
        # An application whose notice has closed (window over, no objection) leaves the public pages until approved.
        earlier = journey.inspected(name_zh="已结束公示质量国家质量标准实验室")
        closed_notice = journey.open_notice([earlier], starts_on=MONDAY - datetime.timedelta(days=14), title="上一批公示")
        closed_notice = journey.close_after_window(closed_notice)
        earlier.refresh_from_db()
        assert earlier.status == Status.AWAITING_APPROVAL

        pages = "".join(
            client_en.get(url).content.decode()
            for url in (reverse("public:notices"), notice.get_absolute_url(), reverse("public:approved"))
        )
        assert shown.name_zh in pages
        for hidden in (draft, recommended, rejected, earlier):
            assert hidden.name_zh not in pages, hidden.status
        assert closed_notice.title not in pages
        assert client_en.get(closed_notice.get_absolute_url()).status_code == 404
        assert client_en.get(object_url(closed_notice)).status_code == 404

    @pytest.mark.django_db
    def test_notice_page_offers_objections_only_during_the_window_art13(self, client_en, under_notice):
        notice, first, _second = under_notice
        with at(MONDAY - datetime.timedelta(days=1)):
            page = client_en.get(notice.get_absolute_url()).content.decode()
            assert "Lodge an objection" not in page and "objections are accepted from that day" in page
        with at(notice.ends_on, hour=23):
            page = client_en.get(notice.get_absolute_url()).content.decode()
            assert "Lodge an objection" in page
        with at(notice.ends_on + datetime.timedelta(days=1)):
            page = client_en.get(notice.get_absolute_url()).content.decode()
            assert "Lodge an objection" not in page and "The window has closed" in page
            form_page = client_en.get(object_url(notice)).content.decode()
            assert 'data-testid="objection-form"' not in form_page and "The window has closed" in form_page

    # --- objections: real name only ------------------------------------------------------------------

    @pytest.mark.django_db
    def test_person_with_valid_id_lodges_objection_and_gets_reference_art13(self, client_en, under_notice,
                                                                           django_capture_on_commit_callbacks):
        notice, first, _second = under_notice
        form_page = client_en.get(object_url(notice) + f"?application={first.pk}")
        assert form_page.status_code == 200 and form_page.context["form"]["application"].value() == first.pk
        number = resident_id()
        assert number.endswith("X")
        with django_capture_on_commit_callbacks(execute=True):
            response = client_en.post(object_url(notice), person(first, id_number=number.lower()))
        assert response.status_code == 302
        objection = Objection.objects.get()
        assert (objection.notice, objection.application, objection.name, objection.id_number) == (notice, first, "王小明", number)
        assert objection.status == "open" and not objection.seal_scan

        receipt = client_en.get(response["Location"])
        assert receipt.status_code == 200
        assert objection.receipt_number == f"2026-GS{notice.pk:02d}-0001"
        assert receipt.context["receipt_number"] == objection.receipt_number
        assert f'data-testid="receipt-number">{objection.receipt_number}<' in receipt.content.decode()
        assert "What happens next" in receipt.content.decode()
        assert reverse("public:objection_lookup") in receipt.content.decode()

    @pytest.mark.django_db
    def test_receipt_is_only_for_the_sender(self, client, under_notice):
        notice, _first, _second = under_notice
        assert client.get(reverse("public:object_received", args=[notice.pk])).status_code == 302

    @pytest.mark.django_db
    def test_wrong_check_digit_refused_on_id_number_art13(self, client_en, under_notice):
        notice, first, _second = under_notice
        response = client_en.post(object_url(notice), person(first, id_number=wrong_check_digit(resident_id())))
        assert response.status_code == 200
        assert "check digit" in " ".join(response.context["form"].errors["id_number"])
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    def test_missing_name_is_anonymous_and_refused_art13(self, client_en, under_notice):
        notice, first, _second = under_notice
        response = client_en.post(object_url(notice), person(first, name=""))
        errors = response.context["form"].errors
        assert list(errors) == ["name"]
        assert "anonymous objections are not accepted" in errors["name"][0] and "Art. 13" in errors["name"][0]
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    def test_anonymous_objection_with_no_identity_at_all_refused_art13(self, client_en, under_notice):
        notice, first, _second = under_notice
        response = client_en.post(object_url(notice), person(first, name="", id_number="", contact=""))
        assert set(response.context["form"].errors) == {"name", "id_number", "contact"}
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    def test_organisation_without_seal_refused_art13(self, client_en, under_notice):
        notice, first, _second = under_notice
        response = client_en.post(object_url(notice), organisation(first))
        assert list(response.context["form"].errors) == ["seal_scan"]
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    def test_organisation_seal_that_is_a_renamed_text_file_refused_by_content_art13(self, client_en, under_notice):
        notice, first, _second = under_notice
        fake = SimpleUploadedFile("公章.pdf", "这不是扫描件，只是文字。".encode(), content_type="application/pdf")
        response = client_en.post(object_url(notice), organisation(first, seal=fake))
        assert "whatever its name says" in " ".join(response.context["form"].errors["seal_scan"])
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    def test_organisation_seal_must_be_image_or_pdf_art13(self, client_en, under_notice):
        import zipfile

        notice, first, _second = under_notice
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
        docx = SimpleUploadedFile("seal.docx", buffer.getvalue())
        response = client_en.post(object_url(notice), organisation(first, seal=docx))
        assert "PDF, PNG or JPEG" in " ".join(response.context["form"].errors["seal_scan"])
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    @pytest.mark.parametrize("content", [PNG, PDF], ids=["png", "pdf"])
    def test_organisation_with_seal_scan_lodges_objection_art13(self, client_en, under_notice, content):
        notice, _first, second = under_notice
        seal = SimpleUploadedFile("../../etc/seal.txt", content)
        evidence = SimpleUploadedFile("证据.pdf", PDF)
        response = client_en.post(object_url(notice), organisation(second, seal=seal, evidence=evidence))
        assert response.status_code == 302, response.context["form"].errors
        objection = Objection.objects.get()
        assert objection.objector_kind == "organisation" and objection.application == second
        assert objection.legal_representative == "赵六" and objection.name == "" and objection.id_number == ""
        # Stored privately under a name of the portal's choosing, typed by content.
        assert objection.seal_scan.name.startswith("private/objections/") and "etc" not in objection.seal_scan.name
        assert objection.seal_scan.name.endswith(".png" if content == PNG else ".pdf")
        assert objection.evidence.name.endswith(".pdf")

    @pytest.mark.django_db
    def test_objection_to_an_application_of_another_notice_refused(self, client_en, journey, under_notice):
        notice, _first, _second = under_notice
        other = journey.inspected(name_zh="丙质量国家质量标准实验室")
        journey.open_notice([other], starts_on=MONDAY, title="另一批公示")
        response = client_en.post(object_url(notice), person(other))
        assert list(response.context["form"].errors) == ["application"]
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    def test_objection_form_requires_the_declaration(self, client_en, under_notice):
        notice, first, _second = under_notice
        response = client_en.post(object_url(notice), person(first, declaration=None))
        assert list(response.context["form"].errors) == ["declaration"]
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    @pytest.mark.parametrize("when", ["before", "after"])
    def test_objection_outside_the_window_refused_with_window_message_art13(self, client_en, under_notice, when):
        notice, first, _second = under_notice
        day = notice.starts_on - datetime.timedelta(days=1) if when == "before" else notice.ends_on + datetime.timedelta(days=1)
        with at(day, hour=0):
            response = client_en.post(object_url(notice), person(first))
        assert response.status_code == 200
        page = response.content.decode()
        assert WINDOW_MESSAGE in page and notice.starts_on.isoformat() in page and notice.ends_on.isoformat() in page
        assert 'data-testid="objection-form"' not in page
        assert not Objection.objects.exists()

    @pytest.mark.django_db
    def test_objection_late_on_the_last_day_of_the_window_accepted_art13(self, client_en, under_notice):
        notice, first, _second = under_notice
        with at(notice.ends_on, hour=23):
            response = client_en.post(object_url(notice), person(first))
        assert response.status_code == 302
        assert Objection.objects.count() == 1

    # --- throttle ------------------------------------------------------------------------------------

    @pytest.mark.django_db
    def test_throttle_answers_429_after_the_limit_per_address(self, client_en, settings, under_notice):
        settings.OBJECTIONS_PER_HOUR_PER_ADDRESS = 2
        notice, first, second = under_notice
        assert client_en.post(object_url(notice), person(first), REMOTE_ADDR="203.0.113.7").status_code == 302
        assert client_en.post(object_url(notice), person(second), REMOTE_ADDR="203.0.113.7").status_code == 302
        refused = client_en.post(object_url(notice), person(first, name="第三次"), REMOTE_ADDR="203.0.113.7")
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert 'data-testid="throttled"' in refused.content.decode() and "Too many submissions" in refused.content.decode()
        assert Objection.objects.count() == 2
        # Another address is not affected; the same one may submit again in the next hour.
        assert client_en.post(object_url(notice), person(first), REMOTE_ADDR="198.51.100.1").status_code == 302
        with at(MONDAY, hour=11):
            assert client_en.post(object_url(notice), person(first), REMOTE_ADDR="203.0.113.7").status_code == 302
        assert Objection.objects.count() == 4


def test_throttle_hit_counts_per_key_and_window():
    assert [throttle.hit("k", 3, 60) for _ in range(4)] == [True, True, True, False]
    assert throttle.hit("other", 3, 60)
    assert not throttle.hit("zero", 0, 60)
    assert 0 < throttle.retry_after(60) <= 60


def test_client_ip_trusts_forwarded_for_only_behind_configured_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert throttle.client_ip(request) == "10.0.0.2"
    settings.THROTTLE_TRUSTED_PROXIES = 1
    assert throttle.client_ip(request) == "203.0.113.9"


# --- the approved construction list --------------------------------------------------------------


def pdf_text(content):
    return "".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def approved_world_rows(journey):
    """Two approved labs (2026 Jiangsu high-end manufacturing; 2027 Guangdong biomedicine), one awaiting approval and
    one under publicity: ids."""
    with at(MONDAY):
        first = journey.approved_application(name_zh="甲批准质量国家质量标准实验室", name_en_subject="Robot Quality")
        second = journey.approved_application(
            name_zh="乙批准质量国家质量标准实验室", field=Field.BIOMEDICINE, host=LocalHostFactory(province="44"),
            approved_on=datetime.date(2027, 1, 5),
        )
        pending = journey.inspected(name_zh="待批准质量国家质量标准实验室")
        notice = journey.open_notice([pending], starts_on=MONDAY - datetime.timedelta(days=14))
        journey.close_after_window(notice)
        under = journey.inspected(name_zh="公示中质量国家质量标准实验室")
        journey.open_notice([under], starts_on=MONDAY)
    return first.pk, second.pk, pending.pk, under.pk


class TestTheApprovedList:
    """The approved construction list, its laboratories made once for the class (`approved_world_rows`)."""

    shared, journey = class_fixtures(approved_world_rows)

    @pytest.fixture
    def approved_world(self, db, shared):
        return [Application.objects.get(pk=pk) for pk in shared[1]]

    @pytest.mark.django_db
    def test_approved_list_shows_approved_labs_only_art13(self, client_en, approved_world):
        first, second, pending, under = approved_world
        response = client_en.get(reverse("public:approved"))
        assert response.status_code == 200
        page = response.content.decode()
        lab = first.laboratory
        for text in (lab.name_zh, escape(lab.name_en), first.host.name, "High-end manufacturing", "Jiangsu",
                     lab.approved_on.isoformat(), lab.construction_end.isoformat()):
            assert text in page
        assert second.name_zh in page and "Guangdong" in page
        assert pending.name_zh not in page and under.name_zh not in page
        assert page.count('data-testid="approved-row"') == 2

    @pytest.mark.django_db
    def test_approved_list_single_ministry_signoff_is_not_approval_art7(self, client_en, journey):
        app = journey.inspected(name_zh="单签质量国家质量标准实验室")
        journey.close_after_window(journey.open_notice([app], starts_on=MONDAY - datetime.timedelta(days=14)))
        app.refresh_from_db()
        run_transition(app, "approve", journey.staff, comment="同意")
        assert app.name_zh not in client_en.get(reverse("public:approved")).content.decode()
        run_transition(app, "approve", ministry_staff(OrganisationKind.MIIT), comment="同意")
        assert app.name_zh in client_en.get(reverse("public:approved")).content.decode()

    @pytest.mark.django_db
    @pytest.mark.parametrize("query, expected", [
        ({"field": Field.BIOMEDICINE}, {"乙"}),
        ({"province": "32"}, {"甲"}),
        ({"year": "2026"}, {"甲"}),
        ({"year": "2027", "province": "44"}, {"乙"}),
        ({"year": "2027", "province": "32"}, set()),
        ({}, {"甲", "乙"}),
    ])
    def test_approved_list_filters_by_field_province_and_year(self, client, approved_world, query, expected):
        response = client.get(reverse("public:approved"), query)
        shown = {a.name_zh[0] for a in response.context["applications"]}
        assert shown == expected

    @pytest.mark.django_db
    def test_approved_list_pdf_has_the_labs_and_a_chinese_file_name_art13(self, client, approved_world,
                                                                           django_capture_on_commit_callbacks):
        first, second, pending, _under = approved_world
        response, content = prepared(client, django_capture_on_commit_callbacks, reverse("public:approved_pdf"))
        assert response["Content-Type"] == "application/pdf"
        assert f"filename*=UTF-8''{quote('国家质量标准实验室批准建设名单.pdf')}" in response["Content-Disposition"]
        reader = pypdf.PdfReader(io.BytesIO(content))
        text = pdf_text(content)
        assert first.name_zh in text and second.name_zh in text and pending.name_zh not in text
        fonts = {
            str(font["/BaseFont"]) for page in reader.pages
            for font in (page["/Resources"].get("/Font") or {}).values()
        }
        assert any("Noto-Sans-CJK-SC" in f for f in fonts), fonts

        filtered, content = prepared(client, django_capture_on_commit_callbacks, reverse("public:approved_pdf"),
                                     {"year": "2027"})
        assert quote("国家质量标准实验室批准建设名单（2027）.pdf") in filtered["Content-Disposition"]
        text = pdf_text(content)
        assert second.name_zh in text and first.name_zh not in text

    @pytest.mark.django_db
    def test_approved_list_pdf_is_rendered_by_a_worker_once_for_a_crowd_art13(self, client_en, approved_world,
                                                                                django_capture_on_commit_callbacks):
        """The first visitor finds the list being prepared and queues its rendering; those who come before it is ready
        see the same page and queue nothing; the page polls and turns into the download."""
        url = reverse("public:approved_pdf")
        with django_capture_on_commit_callbacks() as queued:
            first = client_en.get(url)
            others = [Client().get(url) for _ in range(3)]  # anonymous, in Chinese
        assert len(queued) == 1  # one rendering for four visitors
        assert b"being prepared" in first.content
        [document] = Document.objects.filter(kind="approved_list")
        for response in (first, *others):
            assert response.status_code == 200 and b'data-state="pending"' in response.content
            assert "Content-Disposition" not in response
            assert reverse("documents:status", args=[document.pk]).encode() in response.content  # it polls
        documents.render(document.pk)  # the worker
        response = Client().get(url)
        assert response["Content-Disposition"].startswith("attachment;") and response["X-Document-SHA256"] == \
            Document.objects.get(pk=document.pk).sha256
        assert approved_world[0].name_zh in pdf_text(b"".join(response.streaming_content))

    @pytest.mark.django_db
    def test_approved_list_pdf_is_served_stored_until_the_list_changes_art13(self, client, journey, approved_world,
                                                                              django_capture_on_commit_callbacks):
        """An unchanged list is the stored file, rendered by nobody again; a new approval, or a laboratory's new name,
        is a new file; a year's list is a file of its own."""
        url = reverse("public:approved_pdf")
        _, before = prepared(client, django_capture_on_commit_callbacks, url)
        with django_capture_on_commit_callbacks() as queued:
            again, stored = prepared(client, django_capture_on_commit_callbacks, url)
        assert queued == [] and stored == before and Document.objects.filter(kind="approved_list").count() == 1

        third = journey.approved_application(name_zh="丙批准质量国家质量标准实验室")
        _, changed = prepared(client, django_capture_on_commit_callbacks, url)
        assert third.name_zh in pdf_text(changed) and third.name_zh not in pdf_text(before)

        lab = third.laboratory
        lab.name_zh = "丙更名质量国家质量标准实验室"
        lab.save()
        _, renamed = prepared(client, django_capture_on_commit_callbacks, url)
        assert lab.name_zh in pdf_text(renamed)
        prepared(client, django_capture_on_commit_callbacks, url, {"year": "2027"})
        with django_capture_on_commit_callbacks() as queued:  # an invalid filter is ignored: the whole list, stored
            prepared(client, django_capture_on_commit_callbacks, url, {"year": "2027", "field": "no-such-field"})
        assert queued == []
        assert Document.objects.filter(kind="approved_list", state=Document.State.READY).count() == 4


# --- query counts and the navigation ---------------------------------------------------------------


@pytest.mark.django_db
def test_notice_list_query_count_does_not_grow_with_rows(client, journey, django_assert_max_num_queries):
    for i in range(3):
        apps = [journey.inspected() for _ in range(2)]
        journey.open_notice(apps, starts_on=MONDAY, title=f"第{i + 1}批公示")
    with django_assert_max_num_queries(4):
        response = client.get(reverse("public:notices"))
    assert response.content.decode().count('data-testid="notice-application"') == 6
    notice = response.context["notices"][0]
    with django_assert_max_num_queries(4):  # one of them for its issued document (Art. 13)
        assert client.get(notice.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_approved_list_query_count_does_not_grow_with_rows(client, journey, django_assert_max_num_queries):
    for _ in range(3):
        journey.approved_application()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("public:approved"), {"year": "2026"})
    assert response.content.decode().count('data-testid="approved-row"') == 3


@pytest.mark.django_db
def test_public_links_in_the_navigation_for_everyone(client_en):
    page = client_en.get(reverse("public:notices")).content.decode()
    assert f'href="{reverse("public:notices")}"' in page and f'href="{reverse("public:approved")}"' in page
    assert "No publicity notice is open at present." in page
