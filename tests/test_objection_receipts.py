"""Objection receipts (Art. 13 publicity): a formatted receipt number per notice, the objector's own look-up
of the status with that number and their ID card number or credit code (throttled), and ID card numbers
masked wherever staff see them (PIPL); the full number stays in the database only."""

import datetime
import importlib
import uuid

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kernel.formatting import mask_identifier
from kernel.transitions import run_transition
from reviews.identity import validate_credit_code
from reviews.models import Objection, ObjectionStatus
from tests.factories import UserFactory, at, credit_code, resident_id

MONDAY = datetime.date(2026, 3, 2)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
LOOKUP = reverse("public:objection_lookup")
NO_MATCH = "No objection matches this receipt number"


@pytest.fixture(autouse=True)
def _fresh_throttle_on_a_monday(settings):
    """Each test its own throttle counters (a key prefix, never a FLUSHDB of the shared Redis), on MONDAY."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-receipts-{uuid.uuid4().hex}"}}
    with at(MONDAY):
        yield


@pytest.fixture
def notice(journey):
    apps_ = [journey.inspected(name_zh="甲质量国家质量标准实验室"), journey.inspected(name_zh="乙质量国家质量标准实验室")]
    return journey.open_notice(apps_, starts_on=MONDAY, working_days=5)


def lodge_as_person(client, notice, number=None, **extra):
    application = notice.applications.order_by("pk").first()
    data = {"objector_kind": "person", "name": "王小明", "id_number": number or resident_id(), "contact": "13800000000",
            "application": application.pk, "grounds": "仪器设备原值与实际不符。", "declaration": "on", **extra}
    response = client.post(reverse("public:object", args=[notice.pk]), data, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302, response.context["form"].errors
    return Objection.objects.latest("pk")


def look_up(client, receipt_number, identity, address="203.0.113.50"):
    return client.post(LOOKUP, {"receipt_number": receipt_number, "identity": identity}, REMOTE_ADDR=address)


# --- the receipt number ----------------------------------------------------------------------------


def test_receipt_numbers_run_per_notice_in_the_order_lodged_art13(client_en, journey, notice):
    first = lodge_as_person(client_en, notice)
    second = lodge_as_person(client_en, notice, number=resident_id("11010519800101001"))
    other_notice = journey.open_notice([journey.inspected(name_zh="丙质量国家质量标准实验室")], starts_on=MONDAY)
    third = lodge_as_person(client_en, other_notice)

    assert first.receipt_number == f"2026-GS{notice.pk:02d}-0001"
    assert second.receipt_number == f"2026-GS{notice.pk:02d}-0002"
    assert third.receipt_number == f"2026-GS{other_notice.pk:02d}-0001"
    # The sender sees the number on the receipt page, with the way to follow the objection.
    receipt = client_en.get(reverse("public:object_received", args=[other_notice.pk])).content.decode()
    assert f'data-testid="receipt-number">{third.receipt_number}<' in receipt and LOOKUP in receipt


def test_existing_objections_are_numbered_by_the_migration_in_the_order_lodged(client_en, notice):
    first = lodge_as_person(client_en, notice)
    second = lodge_as_person(client_en, notice, number=resident_id("11010519800101001"))
    Objection.objects.filter(pk=first.pk).update(receipt_number="before-1")
    Objection.objects.filter(pk=second.pk).update(receipt_number="before-2")

    migration = importlib.import_module("reviews.migrations.0005_objection_receipt_number")
    migration.number_existing_objections(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.receipt_number, second.receipt_number) == (
        f"2026-GS{notice.pk:02d}-0001", f"2026-GS{notice.pk:02d}-0002")


# --- the objector's look-up ------------------------------------------------------------------------


def test_objector_follows_the_objection_from_received_to_dismissed_with_the_result_art13(client_en, journey, notice):
    number = resident_id()
    objection = lodge_as_person(client_en, notice, number=number)

    received = look_up(client_en, objection.receipt_number.lower(), number.lower())  # typed in any case
    assert received.status_code == 200
    page = received.content.decode()
    assert 'data-testid="lookup-result"' in page and objection.application.name_zh in page and notice.title in page
    assert 'data-testid="lookup-status">Being examined<' in page and "Result of the handling" not in page

    run_transition(objection, "dismiss", journey.staff, comment="经核查，所述仪器原值与审计报告一致，异议不成立。")
    decided = look_up(client_en, objection.receipt_number, number).content.decode()
    assert 'data-testid="lookup-status">Dismissed<' in decided
    assert "Decided: Dismissed" in decided and "2026-03-02" in decided
    assert "所述仪器原值与审计报告一致" in decided and "goes on to approval by SAMR and MIIT" in decided


def test_a_sustained_objection_shows_that_it_rejects_the_application_art13(client_en, journey, notice):
    number = resident_id()
    objection = lodge_as_person(client_en, notice, number=number)
    run_transition(objection, "sustain", journey.staff, comment="经核实，申报数据不实。")
    page = look_up(client_en, objection.receipt_number, number).content.decode()
    assert 'data-testid="lookup-status">Sustained<' in page and "rejects the application concerned" in page


def test_an_organisation_follows_its_objection_with_its_credit_code_art13(client_en, notice):
    code = credit_code()
    assert validate_credit_code(code.lower()) == code
    application = notice.applications.order_by("pk").first()
    response = client_en.post(reverse("public:object", args=[notice.pk]), {
        "objector_kind": "organisation", "organisation_name": "某某检测技术有限公司", "credit_code": code.lower(),
        "legal_representative": "赵六", "contact": "legal@example.cn", "application": application.pk,
        "grounds": "标准并非其主导制定。", "declaration": "on", "seal_scan": SimpleUploadedFile("seal.pdf", PDF),
    })
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.credit_code == code

    page = look_up(client_en, objection.receipt_number, code).content.decode()
    assert 'data-testid="lookup-status">Being examined<' in page
    # The legal representative's name is no key to the objection.
    assert NO_MATCH in look_up(client_en, objection.receipt_number, "赵六").content.decode()


def test_an_organisation_with_a_wrong_credit_code_is_refused_naming_the_field_art13(client_en, notice):
    application = notice.applications.order_by("pk").first()
    wrong = credit_code()[:17] + ("0" if credit_code()[17] != "0" else "1")
    response = client_en.post(reverse("public:object", args=[notice.pk]), {
        "objector_kind": "organisation", "organisation_name": "某某检测技术有限公司", "credit_code": wrong,
        "legal_representative": "赵六", "contact": "legal@example.cn", "application": application.pk,
        "grounds": "标准并非其主导制定。", "declaration": "on", "seal_scan": SimpleUploadedFile("seal.pdf", PDF),
    })
    assert response.status_code == 200
    assert "check character is wrong" in " ".join(response.context["form"].errors["credit_code"])
    assert not Objection.objects.exists()


def test_a_wrong_id_number_or_receipt_number_reveals_nothing(client_en, notice):
    number = resident_id()
    objection = lodge_as_person(client_en, notice, number=number)
    for receipt_number, identity in (
        (objection.receipt_number, resident_id("11010519800101001")),  # another person's valid number
        (f"2026-GS{notice.pk:02d}-0002", number),  # a number not given out
        (objection.receipt_number, ""),
    ):
        page = look_up(client_en, receipt_number, identity).content.decode()
        assert 'data-testid="lookup-result"' not in page and objection.application.name_zh not in page
    assert NO_MATCH in look_up(client_en, objection.receipt_number, resident_id("11010519800101001")).content.decode()


def test_the_lookup_reads_only_a_posted_form_never_numbers_in_the_url(client_en, notice):
    number = resident_id()
    objection = lodge_as_person(client_en, notice, number=number)
    page = client_en.get(LOOKUP, {"receipt_number": objection.receipt_number, "identity": number}).content.decode()
    assert 'data-testid="lookup-form"' in page and 'method="post"' in page
    assert 'data-testid="lookup-result"' not in page


def test_lookups_are_throttled_per_address_429(client_en, settings, notice):
    settings.OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS = 2
    number = resident_id()
    objection = lodge_as_person(client_en, notice, number=number)
    assert look_up(client_en, objection.receipt_number, "110105198001010010").status_code == 200
    assert look_up(client_en, objection.receipt_number, "110105198001010029").status_code == 200
    refused = look_up(client_en, objection.receipt_number, number)  # even the right number, once over the limit
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert 'data-testid="throttled"' in refused.content.decode() and objection.application.name_zh not in refused.content.decode()
    assert look_up(client_en, objection.receipt_number, number, address="198.51.100.9").status_code == 200
    with at(MONDAY, hour=11):
        assert look_up(client_en, objection.receipt_number, number).status_code == 200


# --- ID card numbers masked for staff (PIPL) -------------------------------------------------------


def test_mask_identifier_keeps_the_region_and_the_last_four():
    assert mask_identifier("110105194912310021") == "110105********0021"
    assert mask_identifier("11010519491231002X") == "110105********002X"
    assert mask_identifier("1234") == "**34"
    assert mask_identifier("") == "—"


def test_staff_pages_and_admin_show_the_id_number_masked_and_the_database_keeps_it_whole(client, notice):
    number = resident_id()
    objection = lodge_as_person(client, notice, number=number)
    masked = number[:6] + "********" + number[-4:]
    assert Objection.objects.get(pk=objection.pk).id_number == number

    pipeline_staff = notice.opened_by
    client.force_login(pipeline_staff)
    staff_page = client.get(notice.get_staff_url()).content.decode()
    assert masked in staff_page and number not in staff_page and objection.receipt_number in staff_page

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    changelist = client.get(reverse("admin:reviews_objection_changelist")).content.decode()
    change = client.get(reverse("admin:reviews_objection_change", args=[objection.pk])).content.decode()
    for page in (changelist, change):
        assert masked in page and number not in page and objection.receipt_number in page
    assert objection.status == ObjectionStatus.OPEN
