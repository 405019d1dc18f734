"""The tamper-evident audit trail (GB/T 22239-2019 8.1.4.3, level 3; GB/T 39786-2021): every transition and
security-relevant action writes one record, chained to the one before it by HMAC-SM3 (or HMAC-SHA-256); an edit,
a deletion or an insertion made in the database is found and named as the first broken link; records are never
changed through the portal; the retention purge keeps the chain verifiable."""

import datetime
import json
import threading
from importlib import import_module
from io import StringIO

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from applications.models import APPROVAL_DECISION, Attachment
from kernel import audit
from kernel.checks import audit_key, audit_settings
from kernel.models import AuditCheckpoint, AuditEntry, AuditRecordImmutable
from kernel.tasks import purge_audit, verify_audit
from kernel.transitions import run_transition
from reviews import services
from tests.factories import (
    ApplicationFactory,
    LocalHostFactory,
    UserFactory,
    applicant_of,
    complete_dossier,
    miit_staff,
    on,
    provincial_body,
    recommender_of,
    samr_staff,
)
from tests.test_settings import _check

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "pw-Secret-2026"


def chain(n, subject=None):
    """`n` records of a made-up action, oldest first."""
    return [audit.record("test_action", subject, comment=f"记录{i}", data={"i": i}) for i in range(n)]


def new_records(before):
    return list(AuditEntry.objects.filter(sequence__gt=before).order_by("sequence"))


def head_sequence():
    return AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- the chain --------------------------------------------------------------------------------------


def test_each_record_carries_its_sequence_the_previous_digest_and_an_hmac_sm3_of_all_its_fields(settings):
    first, second, third = chain(3)
    assert [second.sequence, third.sequence] == [first.sequence + 1, first.sequence + 2]
    assert (second.previous_digest, third.previous_digest) == (first.digest, second.digest)
    assert third.algorithm == "sm3" and len(third.digest) == 64

    # The digest is HMAC-SM3 under the configured key over every field, computed here independently.
    settings.AUDIT_HMAC_KEY = "k" * 40
    entry = audit.record("test_action", comment="独立核验", data={"k": "v"})
    payload = {
        "sequence": entry.sequence, "previous": third.digest, "at": entry.at.astimezone(datetime.UTC)
        .strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": None, "subject_type": "", "object_id": None,
        "action": "test_action", "source": "", "target": "", "comment": "独立核验", "article": "",
        "data": {"k": "v"}, "ip": "", "algorithm": "sm3",
    }
    mac = hmac.HMAC(b"k" * 40, hashes.SM3())
    mac.update(json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
    assert entry.digest == mac.finalize().hex()


def test_hmac_sha256_is_a_setting_and_a_chain_mixing_both_still_verifies(settings):
    sm3 = chain(1)[0]
    settings.AUDIT_HMAC_ALGORITHM = "sha256"
    sha = audit.record("test_action", comment="SHA-256")
    assert (sm3.algorithm, sha.algorithm) == ("sm3", "sha256") and sha.previous_digest == sm3.digest
    assert audit.verify().intact


def test_verification_of_an_untouched_chain_reports_intact_with_its_number_of_records():
    chain(4)
    result = audit.verify(chunk=3)  # read in chunks
    assert result.intact and result.count == AuditEntry.objects.count()
    assert str(result) == f"Audit chain intact: {result.count} records."


def test_a_record_costs_three_small_queries_lock_insert_and_advance_the_head(django_assert_num_queries):
    chain(1)
    with django_assert_num_queries(3):
        audit.record("test_action", comment="查询次数")


# --- tampering in the database is found ---------------------------------------------------------------


def test_sql_edit_of_an_entry_is_detected_as_the_first_broken_link():
    records = chain(5)
    edited = records[2]
    sql(f"UPDATE {AuditEntry._meta.db_table} SET comment = %s WHERE id = %s", "改过的意见", edited.pk)
    result = audit.verify(chunk=2)
    assert not result.intact
    assert (result.problem, result.entry_id, result.sequence) == ("edited", edited.pk, edited.sequence)
    assert f"Record {edited.pk} (sequence {edited.sequence})" in result.message and "edited" in result.message


def test_sql_edit_of_the_data_or_the_time_is_detected_too():
    records = chain(3)
    sql(f"UPDATE {AuditEntry._meta.db_table} SET at = at - interval '1 day' WHERE id = %s"
        if connection.vendor == "postgresql" else
        f"UPDATE {AuditEntry._meta.db_table} SET at = '2020-01-01 00:00:00' WHERE id = %s", records[0].pk)
    assert (audit.verify().problem, audit.verify().entry_id) == ("edited", records[0].pk)


def test_sql_delete_of_an_entry_is_detected_as_a_gap_naming_the_entry_after_it():
    records = chain(4)
    sql(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", records[1].pk)
    result = audit.verify()
    assert (result.problem, result.entry_id, result.sequence) == ("deleted", records[2].pk, records[2].sequence)
    assert f"sequence {records[1].sequence} to {records[1].sequence} are missing" in result.message


def test_sql_delete_of_the_newest_entries_is_detected_by_the_chain_head():
    records = chain(3)
    sql(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id IN (%s, %s)", records[1].pk, records[2].pk)
    result = audit.verify()
    assert (result.problem, result.sequence) == ("deleted", records[1].sequence)
    assert "newest records" in result.message


def test_sql_insert_of_a_forged_entry_is_detected():
    last = chain(2)[-1]
    sql(f"INSERT INTO {AuditEntry._meta.db_table} (transition, source_state, target_state, at, comment, article, data, "
        "sequence, previous_digest, digest, algorithm) VALUES ('approve', 'awaiting_approval', 'approved', %s, '', "
        "'Art. 7', '{}', %s, %s, %s, 'sm3')", timezone.now(), last.sequence + 1, last.digest, "f" * 64)
    forged = AuditEntry.objects.get(sequence=last.sequence + 1)
    result = audit.verify()
    assert (result.problem, result.entry_id) == ("edited", forged.pk)


def test_sql_renumbering_to_hide_a_deletion_is_detected_as_an_edit():
    records = chain(3)
    sql(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", records[1].pk)
    sql(f"UPDATE {AuditEntry._meta.db_table} SET sequence = %s, previous_digest = %s WHERE id = %s",
        records[1].sequence, records[0].digest, records[2].pk)
    result = audit.verify()
    assert (result.problem, result.entry_id) == ("edited", records[2].pk)


# --- nothing in the portal changes a record ---------------------------------------------------------------


def test_a_record_refuses_to_be_saved_again_or_deleted_and_so_do_querysets():
    entry = chain(1)[0]
    entry.comment = "改"
    with pytest.raises(AuditRecordImmutable):
        entry.save()
    with pytest.raises(AuditRecordImmutable):
        entry.delete()
    with pytest.raises(AuditRecordImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(comment="改")
    with pytest.raises(AuditRecordImmutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditRecordImmutable):
        AuditEntry.objects.bulk_create([AuditEntry(transition="x", sequence=10**9, digest="0")])
    assert AuditEntry.objects.get(pk=entry.pk).comment == "记录0" and audit.verify().intact


def test_the_admin_cannot_add_change_or_delete_audit_records_or_checkpoints(client):
    entry = chain(1)[0]
    root = User.objects.create_superuser("root", "root@example.cn", PASSWORD)
    client.force_login(root)
    for model in (AuditEntry, AuditCheckpoint):
        model_admin = admin.site._registry[model]
        request = type("Request", (), {"user": root})()
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
        assert model_admin.get_actions(request) == {}  # no bulk delete
    assert client.get(reverse("admin:labportal_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:labportal_auditentry_delete", args=[entry.pk])).status_code == 403
    assert client.post(reverse("admin:labportal_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    client.post(reverse("admin:labportal_auditentry_change", args=[entry.pk]), {"comment": "篡改"})
    assert AuditEntry.objects.get(pk=entry.pk).comment == "记录0"
    page = client.get(reverse("admin:labportal_auditentry_changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="action"' not in page and "Logged in" in page  # the superuser's own login, by its label


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_make_one_linear_chain():
    before = head_sequence()
    errors = []

    def write(worker):
        try:
            for i in range(5):
                audit.record("test_action", comment=f"{worker}-{i}")
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    records = new_records(before)
    assert [r.sequence for r in records] == list(range(before + 1, before + 21))
    assert all(r.previous_digest == p.digest for p, r in zip(records, records[1:]))
    assert audit.verify().intact


# --- the security actions, one record each ---------------------------------------------------------------


def test_login_writes_one_record_with_the_client_address(client):
    user = samr_staff()
    before = head_sequence()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    [entry] = new_records(before)
    assert (entry.transition, entry.actor, entry.subject, entry.client_ip) == ("login", user, user, "203.0.113.7")
    with translation.override("en"):
        assert str(entry.action_label) == "Logged in"


def test_failed_login_records_the_user_name_tried_and_never_the_password(client):
    user = samr_staff()
    before = head_sequence()
    client.post(reverse("login"), {"username": user.username, "password": "Secret-Guess-123"}, REMOTE_ADDR="198.51.100.9")
    client.post(reverse("login"), {"username": "nobody-here", "password": "Other-Guess-456"}, REMOTE_ADDR="198.51.100.9")
    known, unknown = new_records(before)
    assert (known.transition, known.subject, known.actor, known.data) == ("login_failed", user, None, {"username": user.username})
    assert (unknown.transition, unknown.content_type, unknown.object_id) == ("login_failed", None, None)
    assert unknown.data == {"username": "nobody-here"} and unknown.client_ip == "198.51.100.9"
    stored = json.dumps([[e.data, e.comment] for e in (known, unknown)], ensure_ascii=False)
    assert "Secret-Guess-123" not in stored and "Other-Guess-456" not in stored and "*" not in stored


def test_logout_writes_one_record(client):
    user = samr_staff()
    client.force_login(user)
    before = head_sequence()
    client.post(reverse("logout"))
    [entry] = new_records(before)
    assert (entry.transition, entry.actor) == ("logout", user)


def test_a_role_change_writes_one_record_naming_who_changed_what(client):
    user = UserFactory(role=Role.APPLICANT, organisation=LocalHostFactory())
    before = head_sequence()
    user.role, user.is_staff = Role.ADMINISTRATOR, True
    user.save()
    [entry] = new_records(before)
    assert (entry.transition, entry.subject) == ("change_permissions", user)
    assert entry.data == {"changes": {"role": ["applicant", "administrator"], "is_staff": [False, True]}}

    user.last_login = timezone.now()  # not a permission: no record
    user.save(update_fields=["last_login"])
    assert len(new_records(before)) == 1


def test_a_role_change_in_the_admin_is_recorded_as_the_administrators_act(client):
    root = User.objects.create_superuser("root", "root@example.cn", PASSWORD)
    target = UserFactory(role=Role.APPLICANT)
    client.force_login(root)
    page = client.get(reverse("admin:accounts_user_change", args=[target.pk]))
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None}
    data.update({"role": Role.EXPERT, "is_superuser": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00"})
    data.pop("groups", None), data.pop("user_permissions", None), data.pop("password", None)
    before = head_sequence()
    response = client.post(reverse("admin:accounts_user_change", args=[target.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    [entry] = [e for e in new_records(before) if e.transition == "change_permissions"]
    assert entry.actor == root and entry.data["changes"]["role"] == ["applicant", "expert"]
    assert entry.data["changes"]["is_superuser"] == [False, True] and entry.client_ip == "127.0.0.1"


def test_an_expert_assignment_writes_one_record(journey):
    application = journey.formal_review_passed()
    review_round = journey.open_round([application])
    expert = journey.experts[0]
    before = head_sequence()
    assignment = services.assign_expert(review_round, application, expert, journey.staff)
    [entry] = new_records(before)
    assert (entry.transition, entry.subject, entry.actor, entry.article) == ("assign_expert", assignment, journey.staff, "Art. 9")
    assert entry.data == {"round": review_round.pk, "application": application.pk, "expert": expert.pk}


def test_scores_saved_and_submitted_write_one_record_each(journey):
    application = journey.formal_review_passed()
    review_round = journey.open_round([application])
    assignment = journey.assign(review_round, application, journey.experts[0])
    assignment = run_transition(assignment, "declare_no_conflict", assignment.expert)
    criteria = list(review_round.criteria_set.criteria.order_by("pk"))
    before = head_sequence()
    services.save_scores(assignment, assignment.expert, {c.pk: (80, "") for c in criteria}, "初稿")
    [saved] = new_records(before)
    assert (saved.transition, saved.subject, saved.actor) == ("save_scores", assignment, assignment.expert)
    assert saved.data == {"scores": {str(c.pk): "80" for c in criteria}}
    before = saved.sequence
    run_transition(assignment, "submit_scores", assignment.expert)
    [submitted] = new_records(before)
    assert (submitted.transition, submitted.source_state, submitted.target_state) == ("submit_scores", "accepted", "submitted")


def test_an_upload_and_a_dossier_download_write_one_record_each_and_stay_out_of_the_history(client):
    app = complete_dossier()
    applicant = app.created_by
    app = run_transition(app, "submit", applicant)
    before = head_sequence()
    from django.core.files.base import ContentFile

    attachment = Attachment.objects.create(application=app, file=ContentFile(PDF, name="upload"), original_name="证明.pdf",
                                           content_type="application/pdf", size=len(PDF), sha256="0" * 64,
                                           uploaded_by=applicant)
    [upload] = new_records(before)
    assert (upload.transition, upload.subject, upload.actor, upload.data["name"]) == ("upload", app, applicant, "证明.pdf")

    client.force_login(applicant)
    before = head_sequence()
    response = client.get(reverse("applications:attachment", args=[app.pk, attachment.pk]))
    b"".join(response.streaming_content)
    [download] = [e for e in new_records(before) if e.transition != "login"]
    assert (download.transition, download.subject, download.actor) == ("download", app, applicant)
    assert download.data == {"file": "证明.pdf", "attachment": attachment.pk, "sha256": "0" * 64}
    assert download.client_ip == "127.0.0.1"

    # The dossier's history shows its transitions, not who downloaded or uploaded what.
    assert [e.transition for e in AuditEntry.objects.for_object(app).timeline()] == ["submit"]
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    assert 'data-history="submit"' in page and 'data-history="download"' not in page


def test_an_export_writes_one_record_naming_the_list_and_its_filters(client):
    host = LocalHostFactory()
    user = applicant_of(host)
    ApplicationFactory(host=host)
    client.force_login(user)
    before = head_sequence()
    response = client.get(reverse("applications:list"), {"export": "csv", "q": "机器人"})
    b"".join(response.streaming_content)
    [entry] = new_records(before)
    assert (entry.transition, entry.actor, entry.content_type) == ("export", user, None)
    assert entry.data["format"] == "csv" and entry.data["filters"] == "q=%E6%9C%BA%E5%99%A8%E4%BA%BA"


def test_a_sign_off_writes_one_record_beside_the_transition(journey):
    app = journey.awaiting_approval()
    samr = journey.staff
    before = head_sequence()
    run_transition(app, "approve", samr, comment="同意")
    sign_off, transition = new_records(before)
    assert (sign_off.transition, sign_off.subject, sign_off.actor, sign_off.article) == ("sign_off", app, samr, "Art. 7")
    assert sign_off.data == {"decision": APPROVAL_DECISION, "ministry": "samr"}
    assert (transition.transition, transition.source_state) == ("approve", "awaiting_approval")
    miit = miit_staff()
    before = transition.sequence
    run_transition(app, "approve", miit)
    assert [e.transition for e in new_records(before) if e.subject == app] == ["sign_off", "approve"]


def test_a_transition_through_a_page_records_the_client_address(client):
    app = complete_dossier()
    client.force_login(app.created_by)
    client.post(reverse("applications:transition", args=[app.pk, "submit"]), REMOTE_ADDR="192.0.2.44")
    entry = AuditEntry.objects.for_object(app).get(transition="submit")
    assert entry.client_ip == "192.0.2.44"


def test_committee_changes_are_recorded_by_whoever_makes_them(journey):
    committee = journey.committee
    member = committee.members.order_by("pk").first()
    before = head_sequence()
    member.delete()
    [entry] = new_records(before)
    assert (entry.transition, entry.subject, entry.data["change"]) == ("change_committee", committee, "removed")


# --- retention ----------------------------------------------------------------------------------------


def test_a_retention_period_under_six_months_is_refused_by_a_system_check(settings):
    settings.AUDIT_RETENTION_DAYS = 182
    assert [e.id for e in audit_settings(None)] == ["labportal.E101"]
    settings.AUDIT_RETENTION_DAYS = 183
    assert audit_settings(None) == []
    settings.AUDIT_HMAC_ALGORITHM = "md5"
    assert [e.id for e in audit_settings(None)] == ["labportal.E102"]


def test_production_refuses_to_start_without_an_audit_key_and_the_deploy_check_refuses_a_short_one(settings):
    result = _check(AUDIT_HMAC_KEY=None)
    assert result.returncode != 0 and "AUDIT_HMAC_KEY" in result.stderr
    settings.AUDIT_HMAC_KEY = "short"
    assert [e.id for e in audit_key(None)] == ["labportal.E103"]
    settings.AUDIT_HMAC_KEY = "k" * 32
    assert audit_key(None) == []


def test_purge_deletes_records_past_retention_and_verification_starts_from_its_checkpoint(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    with on(2025, 1, 10):
        old = chain(3)
    with on(2025, 8, 1):
        recent = chain(2)
    with on(2026, 3, 1):
        purged = audit.purge()
    assert purged >= 3 and not AuditEntry.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert AuditEntry.objects.filter(pk__in=[r.pk for r in recent]).count() == 2
    checkpoint = AuditCheckpoint.objects.get(kind=AuditCheckpoint.Kind.PURGE)
    assert (checkpoint.sequence, checkpoint.digest) == (old[-1].sequence, old[-1].digest)
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.transition == "purge_audit" and entry.data["through_sequence"] == old[-1].sequence
    result = audit.verify()
    assert result.intact and result.start == old[-1].sequence and result.count == 3  # two recent + the purge

    # Everything after the checkpoint is still checked.
    sql(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", recent[0].pk)
    assert (audit.verify().problem, audit.verify().entry_id) == ("deleted", recent[1].pk)


def test_an_altered_purge_checkpoint_is_detected(settings):
    with on(2024, 1, 10):
        chain(2)
    with on(2026, 3, 1):
        audit.purge()
    sql(f"UPDATE {AuditCheckpoint._meta.db_table} SET sequence = sequence + 1 WHERE kind = 'purge'")
    assert audit.verify().problem == "checkpoint"


def test_purge_keeps_a_tampered_range_as_evidence(settings):
    with on(2024, 1, 10):
        old = chain(3)
    sql(f"UPDATE {AuditEntry._meta.db_table} SET comment = 'x' WHERE id = %s", old[1].pk)
    with on(2026, 3, 1), pytest.raises(audit.AuditRecordBroken):
        audit.purge()
    assert AuditEntry.objects.filter(pk__in=[r.pk for r in old]).count() == 3


def test_the_purge_task_and_command_and_the_verify_command(settings):
    with on(2024, 1, 10):
        chain(2)
    with on(2026, 3, 1):
        assert purge_audit.delay().get()["purged"] >= 2
    out = StringIO()
    call_command("purge_audit", stdout=out)
    assert out.getvalue().strip() == "purged=0"
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chain intact" in out.getvalue()
    last = chain(1)[0]
    sql(f"UPDATE {AuditEntry._meta.db_table} SET comment = 'x' WHERE id = %s", last.pk)
    with pytest.raises(CommandError, match=f"Record {last.pk} "):
        call_command("verify_audit")


# --- the staff page -------------------------------------------------------------------------------------


def test_the_check_page_is_for_staff_and_names_the_first_broken_record(client, settings):
    records = chain(3)
    staff = samr_staff()
    client.force_login(staff)
    home = client.get(reverse("home")).content.decode()
    assert reverse("audit_verification") in home
    page = client.get(reverse("audit_verification"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="audit-unchecked"' in page  # the page never walks the chain itself
    client.post(reverse("audit_verification"))  # "Check now": the task (eager here) records its outcome
    page = client.get(reverse("audit_verification"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="audit-intact"' in page and "records verified" in page and str(staff) in page
    assert audit.last_check().actor == staff

    sql(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", records[1].pk)
    page = client.get(reverse("audit_verification"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="audit-intact"' in page  # still the last outcome, until the chain is checked again
    settings.LANGUAGE_CODE = "en"  # the task words the outcome in the portal's language
    verify_audit()  # the nightly check
    page = client.get(reverse("audit_verification"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="audit-broken"' in page and f"Record {records[2].pk} (sequence {records[2].sequence})" in page
    assert "by the system" in page

    for outsider in (applicant_of(LocalHostFactory()), recommender_of(provincial_body("provincial_samr", "11"))):
        client.force_login(outsider)
        assert client.get(reverse("audit_verification")).status_code == 403
    client.logout()
    assert client.get(reverse("audit_verification")).status_code == 302


# --- the migration chains the records written before the chain ------------------------------------------


def test_the_migration_chains_existing_records_so_verification_reports_intact():
    """Migration 0009's function, run on rows as the 0008 state has them (written before the chain: no sequence
    and no digest yet), numbers them in order of id and chains them."""
    state = MigrationExecutor(connection).loader.project_state(("labportal", "0009_audit_chain")).apps
    OldEntry, OldCheckpoint = state.get_model("labportal", "AuditEntry"), state.get_model("labportal", "AuditCheckpoint")
    OldCheckpoint.objects.all().delete()
    user_type = state.get_model("contenttypes", "ContentType").objects.get(app_label="accounts", model="user")
    for i in range(5):  # the NOT NULL of migration 0010 is in force here: a placeholder sequence, replaced
        OldEntry.objects.create(content_type=user_type, object_id=i + 1, transition="submit", source_state="draft",
                                target_state="submitted", comment=f"旧记录{i}", data={"n": i}, sequence=10**6 + i)
    import_module("kernel.migrations.0010_chain_existing_audit_records").chain(state, None)
    result = audit.verify()
    assert result.intact and result.count == 5
    assert list(AuditEntry.objects.order_by("pk").values_list("sequence", flat=True)) == [1, 2, 3, 4, 5]
    audit.record("test_action")  # new records continue the chain
    assert audit.verify().intact and audit.verify().count == 6


def test_purge_command_refuses_a_day_after_today():
    """`purge_audit --as-of` a future day would delete records still within the retention period."""
    chain(2)
    with pytest.raises(CommandError, match="later than today"):
        call_command("purge_audit", "--as-of", (timezone.localdate() + datetime.timedelta(days=1)).isoformat())
    assert AuditEntry.objects.count() >= 2
