"""Personal information (PIPL Art. 51; GB/T 35273): an objector's resident ID card number is kept encrypted in its
column (SM4-GCM, or AES-256-GCM as a setting; `kernel.crypto`), found by a keyed blind index, shown masked to
everyone, and shown whole only by the one audited staff action that needs it."""

import datetime
import importlib
import io
import types
import uuid

import pytest
import rules
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from kernel import crypto
from kernel.formatting import mask_contact
from kernel.models import AuditEntry
from reviews.models import Objection
from tests.factories import UserFactory, applicant_of, at, credit_code, expert, resident_id

MONDAY = datetime.date(2026, 3, 2)
NUMBER = resident_id("11010519491231002")  # 11010519491231002X
MASKED = NUMBER[:6] + "********" + NUMBER[-4:]
LOOKUP = reverse("public:objection_lookup")
KEY_A = "a" * 16 + "-first-pii-key-for-the-tests-0123456789"
KEY_B = "b" * 16 + "-second-pii-key-for-the-tests-987654321"


@pytest.fixture(autouse=True)
def _on_a_monday(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-pii-{uuid.uuid4().hex}"}}
    with at(MONDAY):
        yield


@pytest.fixture
def notice(journey):
    return journey.open_notice([journey.inspected(name_zh="甲质量国家质量标准实验室")], starts_on=MONDAY, working_days=5)


def lodge(client, notice, number=NUMBER, **extra):
    data = {"objector_kind": "person", "name": "王小明", "id_number": number, "contact": "13812345678",
            "application": notice.applications.get().pk, "grounds": "仪器设备原值与实际不符。", "declaration": "on", **extra}
    response = client.post(reverse("public:object", args=[notice.pk]), data, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302, response.context["form"].errors
    return Objection.objects.latest("pk")


def stored(objection):
    """The columns as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_number_index FROM reviews_objection WHERE id = %s", [objection.pk])
        return cursor.fetchone()


def look_up(client, receipt_number, identity):
    return client.post(LOOKUP, {"receipt_number": receipt_number, "identity": identity}, REMOTE_ADDR="203.0.113.50")


def reveal_url(objection):
    return reverse("reviews:objection_reveal", args=[objection.pk])


# --- stored encrypted --------------------------------------------------------------------------------------


def test_id_number_not_stored_in_plaintext_pipl(client_en, notice):
    objection = lodge(client_en, notice, number=NUMBER.lower())  # 11010519491231002x: stored normalised
    raw, index = stored(objection)
    assert NUMBER not in raw and NUMBER.lower() not in raw and NUMBER[6:14] not in raw  # not even the birth date
    assert raw.startswith("pii1:sm4:")  # SM4-GCM by default, the algorithm recorded with the value
    assert len(index) == 64 and NUMBER not in index
    assert Objection.objects.get(pk=objection.pk).id_number == NUMBER  # read back whole through the field


def test_existing_plain_numbers_are_encrypted_by_the_migration(client_en, notice):
    objection = lodge(client_en, notice)
    with connection.cursor() as cursor:  # a row as it was before the migration
        cursor.execute("UPDATE reviews_objection SET id_number = %s, id_number_index = '' WHERE id = %s", [NUMBER, objection.pk])

    migration = importlib.import_module("reviews.migrations.0011_objection_id_number_encrypted")
    migration.encrypt_id_numbers(apps, types.SimpleNamespace(connection=connection))
    migration.encrypt_id_numbers(apps, types.SimpleNamespace(connection=connection))  # run twice: encrypted once

    raw, index = stored(objection)
    assert NUMBER not in raw and crypto.is_encrypted(raw) and index
    assert Objection.objects.get(pk=objection.pk).id_number == NUMBER
    assert Objection.objects.by_receipt(objection.receipt_number, NUMBER) == objection


def test_each_value_has_its_own_nonce_and_is_bound_to_its_column():
    column = b"reviews_objection.id_number"
    first, second = crypto.encrypt(NUMBER, column), crypto.encrypt(NUMBER, column)
    assert first != second  # equal numbers do not show as equal
    assert crypto.decrypt(first, column) == NUMBER
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(first, b"accounts_user.phone")  # moved to another column
    body = first.rsplit(":", 1)[1]
    altered = first[: -len(body)] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(altered, column)
    with pytest.raises(Exception, match="Unsupported lookup"):
        list(Objection.objects.filter(id_number=NUMBER))  # never compared in SQL: use the blind index


def test_switching_cipher_setting_keeps_old_rows_readable(client_en, notice, settings):
    settings.PII_ENCRYPTION_KEY = KEY_A
    with_sm4 = lodge(client_en, notice)
    settings.PII_CIPHER = "aes"
    with_aes = lodge(client_en, notice, number=resident_id("11010519800101001"))
    assert stored(with_sm4)[0].startswith("pii1:sm4:") and stored(with_aes)[0].startswith("pii1:aes:")
    assert Objection.objects.get(pk=with_sm4.pk).id_number == NUMBER
    assert Objection.objects.by_receipt(with_sm4.receipt_number, NUMBER) == with_sm4  # its HMAC-SM3 index still found
    assert Objection.objects.by_receipt(with_aes.receipt_number, resident_id("11010519800101001")) == with_aes

    call_command("rotate_pii_key", stdout=io.StringIO())
    assert stored(with_sm4)[0].startswith("pii1:aes:")
    assert Objection.objects.by_receipt(with_sm4.receipt_number, NUMBER) == with_sm4


def test_a_rotated_key_reads_old_rows_until_rotate_pii_key_rewrites_them(client_en, notice, settings):
    settings.PII_ENCRYPTION_KEY = KEY_A
    objection = lodge(client_en, notice)
    written_with_a = stored(objection)

    settings.PII_ENCRYPTION_KEY, settings.PII_ENCRYPTION_OLD_KEYS = KEY_B, [KEY_A]
    assert Objection.objects.get(pk=objection.pk).id_number == NUMBER
    assert Objection.objects.by_receipt(objection.receipt_number, NUMBER) == objection
    call_command("rotate_pii_key", stdout=io.StringIO())
    raw, index = stored(objection)
    assert raw.split(":")[2] == crypto.key_id(KEY_B) != written_with_a[0].split(":")[2] and index != written_with_a[1]

    settings.PII_ENCRYPTION_OLD_KEYS = []  # the old key may go once every row is rewritten
    assert Objection.objects.get(pk=objection.pk).id_number == NUMBER
    assert Objection.objects.by_receipt(objection.receipt_number, NUMBER) == objection
    settings.PII_ENCRYPTION_KEY = KEY_A  # a value no configured key opens fails loudly, never reads as empty
    with pytest.raises(crypto.DecryptionError, match=crypto.key_id(KEY_B)):
        Objection.objects.get(pk=objection.pk)


def test_production_requires_its_own_pii_key(settings):
    settings.PII_ENCRYPTION_KEY = ""
    assert [e.id for e in crypto.check_deploy_settings()] == ["labportal.E113"]
    settings.PII_ENCRYPTION_KEY, settings.PII_CIPHER = "too-short", "des"
    assert {e.id for e in crypto.check_settings()} == {"labportal.E111", "labportal.E112"}
    settings.PII_ENCRYPTION_KEY, settings.PII_CIPHER = KEY_A, "aes"
    assert crypto.check_settings() == [] and crypto.check_deploy_settings() == []


# --- the objector's look-up ----------------------------------------------------------------------------


def test_objector_lookup_by_blind_index(client_en, notice):
    objection = lodge(client_en, notice)
    assert stored(objection)[1] == crypto.blind_index(NUMBER, "reviews_objection.id_number")

    page = look_up(client_en, objection.receipt_number, " " + NUMBER.lower() + " ")
    body = page.content.decode()
    assert page.context["objection"] == objection
    assert f'data-testid="lookup-id-number">{MASKED}<' in body and NUMBER not in body  # their own number, masked
    assert "no-store" in page["Cache-Control"]
    assert look_up(client_en, objection.receipt_number, resident_id("11010519800101001")).context["objection"] is None
    # An organisation is looked up by its credit code, which the blind index of a person never matches.
    organisation = Objection.objects.by_receipt(objection.receipt_number, credit_code())
    assert organisation is None


# --- the one staff action that shows it ----------------------------------------------------------------


def test_reveal_by_staff_is_audited_and_not_cached(client_en, notice, staff):
    objection = lodge(client_en, notice)
    client_en.force_login(staff)
    notice_page = client_en.get(notice.get_staff_url()).content.decode()
    assert MASKED in notice_page and NUMBER not in notice_page and reveal_url(objection) in notice_page

    form = client_en.get(reveal_url(objection))
    assert form.status_code == 200 and MASKED in form.content.decode() and NUMBER not in form.content.decode()
    refused = client_en.post(reveal_url(objection), {"reason": "  "})
    assert NUMBER not in refused.content.decode() and refused.context["form"].errors["reason"]
    assert not AuditEntry.objects.filter(transition="reveal_id_number").exists()

    shown = client_en.post(reveal_url(objection), {"reason": "向公安机关核实异议人身份"})
    assert f'data-testid="revealed-id-number">{NUMBER}<' in shown.content.decode()
    assert "no-store" in shown["Cache-Control"] and "private" in shown["Cache-Control"]
    entry = AuditEntry.objects.for_object(objection).get(transition="reveal_id_number")
    assert (entry.actor, entry.comment) == (staff, "向公安机关核实异议人身份")
    assert entry.data["receipt_number"] == objection.receipt_number and NUMBER not in str(entry.data)
    # Back on the notice page, the number is masked again.
    assert NUMBER not in client_en.get(notice.get_staff_url()).content.decode()
    # The audit log names the action in words.
    client_en.force_login(UserFactory(is_superuser=True, is_staff=True))
    log = client_en.get(reverse("admin:labportal_auditentry_changelist"), {"transition": "reveal_id_number"})
    assert "Showed the full ID card number" in log.content.decode() and NUMBER not in log.content.decode()


def test_applicant_and_expert_cannot_reveal(client_en, notice, staff):
    person = lodge(client_en, notice)
    organisation = lodge(client_en, notice, objector_kind="organisation", name="", id_number="",
                         organisation_name="某检测公司", credit_code=credit_code(), legal_representative="王五",
                         seal_scan=_seal())
    administrator = UserFactory(role=Role.ADMINISTRATOR, is_staff=True)
    for user in (applicant_of(person.application.host), expert(), administrator):
        client_en.force_login(user)
        assert client_en.get(reveal_url(person)).status_code == 403
        assert client_en.post(reveal_url(person), {"reason": "想看看"}).status_code == 403
        assert not rules.test_rule("reviews.may_reveal_id_number", user, person)
    # Administrators read the objections (masked) but have no reveal link.
    client_en.force_login(administrator)
    page = client_en.get(notice.get_staff_url()).content.decode()
    assert MASKED in page and reveal_url(person) not in page
    # Staff have nothing to reveal for an organisation's objection.
    client_en.force_login(staff)
    assert client_en.post(reveal_url(organisation), {"reason": "核实"}).status_code == 403
    assert not AuditEntry.objects.filter(transition="reveal_id_number").exists()


def _seal():
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile("seal.pdf", pdf, content_type="application/pdf")


# --- masked everywhere else ----------------------------------------------------------------------------


def test_api_and_export_show_masked(client_en, notice, staff):
    """No list export or PDF carries objections (the notices' export counts them); the API and the admin mask."""
    objection = lodge(client_en, notice)
    client_en.force_login(staff)
    listed = client_en.get("/api/objections/").json()["results"][0]
    assert listed["id_number"] == MASKED and NUMBER not in str(listed)
    assert NUMBER not in client_en.get(f"/api/objections/{objection.pk}/").content.decode()

    client_en.force_login(UserFactory(is_superuser=True, is_staff=True))
    change = client_en.get(reverse("admin:reviews_objection_change", args=[objection.pk])).content.decode()
    assert MASKED in change and NUMBER not in change
    assert "138****5678" in change and "13812345678" not in change  # the admin does not call the objector


def test_mask_contact_keeps_what_tells_contacts_apart():
    assert mask_contact("13812345678") == "138****5678"
    assert mask_contact("+86 138-1234-5678") == "861****5678"
    assert mask_contact("zhang.san@example.cn") == "z***@example.cn"
    assert mask_contact("") == "—"
