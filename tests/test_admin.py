"""The Django admin holds every model of the portal's apps, with translated names, a branded header and a
readable audit log (labels, not codes); every changelist loads for the superuser in a number of queries
that does not grow with its rows; a status (FSM field) can never be changed through the admin."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django_fsm import FSMFieldMixin

from accounts.api_tokens import issue
from accounts.models import Organisation, OrganisationKind, Role, User
from applications.models import Application, Attachment, ConsortiumMember, Status
from evaluations.models import ChangeKind, ChangeReport, ExtensionRequest, Laboratory
from kernel import audit
from kernel.models import AuditCheckpoint, AuditEntry, CalendarFeedToken, Deadline, Notification, ReminderSent
from kernel.transitions import run_transition
from reviews.models import CommitteeStatus, ExpertCommittee, Position
from tests.demo import the_demo

PORTAL_APPS = ("labportal", "accounts", "applications", "reviews", "evaluations")
PAGE = 20
MAX_QUERIES = 16  # session, user, count(s), the page, filters' choices and prefetches: a constant


def _more_rows_of_what_the_demo_has_few_of():
    """Rows the seeded demo has fewer than 3 of, so that every changelist shows several rows."""
    admin_user = User.objects.get(username="samr_staff")
    users = list(User.objects.order_by("pk")[:3])
    for user in users:
        CalendarFeedToken.objects.create(user=user, token=f"token-{user.pk}")
        issue(user, "数据导出脚本")
        Notification.objects.create(recipient=user, subject="材料已提交", url="/")
    deadlines = list(Deadline.objects.order_by("pk")[:3])
    for deadline, user in zip(deadlines, users):
        ReminderSent.objects.create(deadline=deadline, recipient=user, days_before=7)
    hosts = list(Organisation.objects.filter(kind=OrganisationKind.HOST).order_by("pk")[:4])
    application = Application.objects.exclude(status=Status.DRAFT).order_by("pk").first()
    for host in hosts:
        if host.pk != application.host_id:
            ConsortiumMember.objects.get_or_create(application=application, organisation=host, defaults={"role": "成员单位"})
    for n in range(3):
        Attachment.objects.create(application=application, file=f"private/applications/x/{n}", original_name=f"附件{n}.pdf",
                                  content_type="application/pdf", size=100, sha256="0" * 64, uploaded_by=admin_user)
        ExpertCommittee.objects.create(name=f"第{n + 2}届专家委员会（筹备）")
    for lab in Laboratory.objects.order_by("pk")[:3]:
        ExtensionRequest.objects.create(laboratory=lab, months=6, reason="设备到货延迟", filed_on=timezone.localdate(),
                                        filed_by=admin_user)
        ChangeReport.objects.create(laboratory=lab, kind=ChangeKind.RESTRUCTURE, description="研究单元调整", filed_by=admin_user)
    for name in ("审核组", "数据管理组", "运维组"):
        Group.objects.create(name=name)
    mark = AuditCheckpoint(kind=AuditCheckpoint.Kind.PURGE, sequence=0, digest="")  # "nothing purged yet": harmless
    mark.mac = audit.seal(mark)
    mark.save()
    experts = list(User.objects.filter(role=Role.EXPERT, committee_memberships=None)[:2]) or [
        User.objects.create(username=f"expert-x{n}", role=Role.EXPERT) for n in range(2)]
    committee = ExpertCommittee.objects.get(status=CommitteeStatus.ACTIVE)
    for member, incoming in zip(committee.members.filter(position=Position.MEMBER)[:2], experts):
        run_transition(committee, "replace_member", admin_user, "因工作调动辞去委员职务", member=member, incoming=incoming)


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded demo plus a few rows, once for the class, dropped after it."""
    with django_db_blocker.unblock(), the_demo(tmp_path_factory.mktemp("admin_media")):
        _more_rows_of_what_the_demo_has_few_of()
        yield User.objects.create_superuser("root", "root@example.cn", "pw-Secret-2026")


@pytest.fixture
def as_root(client, world):
    client.force_login(world)
    return client


def registered():
    return sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)


def portal_models():
    return [m for app in PORTAL_APPS for m in apps.get_app_config(app).get_models()]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_model_of_the_portals_apps_is_in_the_admin_with_a_translated_name():
    missing = [m._meta.label for m in portal_models() if m not in admin.site._registry]
    assert missing == []
    for model in portal_models():
        assert str(model._meta.verbose_name) != model.__name__.lower(), model
        for field in model._meta.concrete_fields:
            if not field.auto_created:
                assert isinstance(field.verbose_name, Promise), f"{model.__name__}.{field.name} has no translated label"


def test_status_fields_are_read_only_in_every_admin():
    request = type("Request", (), {"user": None})()
    for model, model_admin in registered():
        fsm = {f.name for f in model._meta.fields if isinstance(f, FSMFieldMixin)}
        assert fsm <= set(model_admin.get_readonly_fields(request)), model._meta.label


@pytest.mark.django_db  # each test in a savepoint of the class's transaction; also makes pytest-django create the test database
@pytest.mark.usefixtures("world")
class TestAdminPages:
    def test_branded_header_and_index_in_chinese_and_english(self, as_root):
        page = as_root.get(reverse("admin:index")).content.decode()
        assert "国家质量标准实验室管理平台 · 管理后台" in page and "操作记录" in page and "异议" in page
        as_root.cookies.load({"django_language": "en"})
        page = as_root.get(reverse("admin:index")).content.decode()
        assert "State Quality &amp; Standards Laboratory Management Platform · Administration" in page
        assert "Audit records" in page

    def test_every_changelist_loads_in_queries_that_do_not_grow_with_its_rows(self, as_root):
        too_few = []
        for model, model_admin in registered():
            url = changelist(model)
            counts, kinds = {}, {}
            as_root.get(url)  # what a process looks up once (content types) is not a cost of the rows
            for per_page in (1, PAGE):
                model_admin.list_per_page = per_page
                try:
                    with CaptureQueriesContext(connection) as queries:
                        response = as_root.get(url)
                finally:
                    del model_admin.list_per_page
                assert response.status_code == 200, model._meta.label
                rows = response.context["cl"].result_list
                counts[per_page] = len(queries)
                # Records about any kind of object (audit, deadlines, sign-offs) fetch their objects' names
                # with one query per kind of object on the page, whatever the number of rows.
                kinds[per_page] = len({row.content_type_id for row in rows}) if hasattr(model, "content_type_id") else 0
            if len(rows) < 2:
                too_few.append(model._meta.label)
            assert counts[PAGE] - counts[1] == kinds[PAGE] - kinds[1], (model._meta.label, counts, kinds, len(rows))
            assert counts[PAGE] <= MAX_QUERIES, (model._meta.label, counts)
        # Every changelist was measured with several rows on the page (a cost per row would show).
        assert [label for label in too_few if label.split(".")[0] in PORTAL_APPS] == []

    def test_audit_list_shows_labels_not_codes_in_beijing_time(self, as_root, django_assert_max_num_queries):
        entry = AuditEntry.objects.filter(transition="submit", source_state=Status.DRAFT, content_type__model="application") \
            .order_by("-pk").first()
        application = Application.objects.get(pk=entry.object_id)
        with django_assert_max_num_queries(MAX_QUERIES):
            response = as_root.get(changelist(AuditEntry), {"action": "submit"})
        page = response.content.decode()
        row = re.search(rf'<tr>(?:(?!</tr>).)*申报: {re.escape(application.name_zh)}(?:(?!</tr>).)*</tr>', page, re.S).group(0)
        assert 'field-action">提交推荐单位<' in row
        assert 'field-from_state">草稿<' in row and 'field-to_state">已提交，待推荐<' in row
        assert 'field-cited_article">第十三条<' in row
        local = timezone.localtime(entry.at)
        assert f"{local.year}年{local.month}月{local.day}日 {local.hour:02d}:{local.minute:02d}" in row
        assert 'field-action">submit<' not in page and 'field-to_state">submitted<' not in page

        as_root.cookies.load({"django_language": "en"})
        page = as_root.get(changelist(AuditEntry), {"action": "submit"}).content.decode()
        assert 'field-action">Submit to recommender<' in page and 'field-cited_article">Art. 13<' in page
        assert 'field-to_state">Submitted, awaiting recommendation<' in page

    def test_audit_list_names_any_kind_of_object_in_queries_that_do_not_grow_with_its_records(self, as_root):
        """A page of the audit log names each record's object: objects whose names read related rows (an opinion is
        named by its recommender and laboratory, a committee member by the expert) come with those rows, in one
        query per kind of object on the page, however many records each kind has (issue 16: 108 queries a page)."""
        kinds = [m for m in portal_models() if m not in (AuditEntry, AuditCheckpoint)
                 and m._meta.pk.get_internal_type() in ("AutoField", "BigAutoField")]
        objects = {m: list(m._default_manager.order_by("pk")[:2]) for m in kinds}
        objects = {m: pair for m, pair in objects.items() if len(pair) == 2}
        assert len(objects) >= len(kinds) - 2  # every kind of object but a couple the demo has fewer of
        model_admin = admin.site._registry[AuditEntry]
        counts = {}
        model_admin.list_per_page = 4 * len(objects)
        try:
            for records in (1, 2):
                for pair in objects.values():
                    audit.record("download", pair[records - 1], data={"file": "报告.pdf"})
                with CaptureQueriesContext(connection) as queries:
                    response = as_root.get(changelist(AuditEntry), {"action": "download"})
                shown = {(row.content_type_id, row.object_id) for row in response.context["cl"].result_list}
                assert len(shown) >= records * len(objects)
                counts[records] = len(queries)
        finally:
            del model_admin.list_per_page
        assert counts[2] == counts[1]

    def test_audit_records_cannot_be_added_changed_or_deleted(self, as_root):
        entry = AuditEntry.objects.order_by("pk").first()
        assert as_root.get(reverse("admin:labportal_auditentry_add")).status_code == 403
        assert as_root.get(reverse("admin:labportal_auditentry_delete", args=[entry.pk])).status_code == 403
        url = reverse("admin:labportal_auditentry_change", args=[entry.pk])
        page = as_root.get(url).content.decode()
        assert 'name="_save"' not in page
        as_root.post(url, {"comment": "篡改"})
        entry.refresh_from_db()
        assert entry.comment != "篡改"

    def test_a_status_cannot_be_changed_through_the_admin(self, as_root):
        application = Application.objects.filter(status=Status.SUBMITTED).order_by("pk").first()
        url = reverse("admin:applications_application_change", args=[application.pk])
        form = as_root.get(url).context["adminform"].form
        assert "status" not in form.fields
        data = {name: form.initial.get(name, "") for name in form.fields}
        data.update({"status": Status.APPROVED, "research_directions": '["standards"]'})
        for prefix in ("preliminary_reviews",):
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        as_root.post(url, {k: v for k, v in data.items() if v is not None})
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED
        assert not AuditEntry.objects.for_object(application).filter(target_state=Status.APPROVED).exists()
