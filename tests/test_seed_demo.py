"""`manage.py seed_demo`: accounts for every role, an expert committee, an application in every state
from draft to approved, all reached through the real transitions and services; idempotent."""

from io import StringIO
from types import SimpleNamespace

import pypdf
import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, Role, User
from applications.deadlines import SUPPLEMENT_FIX
from applications.models import (
    APPROVAL_DECISION,
    CALL_LIST_DECISION,
    Application,
    Attachment,
    Call,
    CallStatus,
    PreliminaryReview,
    Revision,
    Status,
)
from evaluations import services
from evaluations.models import (
    CONFIRM_ACCEPTANCE,
    DELIST,
    TERMINATE,
    AcceptanceApplication,
    AcceptanceVerdict,
    AnnualReport,
    ChangeReport,
    ChangeStatus,
    Evaluation,
    EvaluationResult,
    ExtensionRequest,
    ExtensionStatus,
    Laboratory,
    LabStatus,
    ReportOutput,
)
from evaluations.services import reports_due
from kernel import documents
from kernel.models import AuditEntry, Deadline, Document, Notification, SignOff
from kernel.signoffs import signoffs
from kernel.transitions import available_transitions
from reviews.deadlines import PUBLICITY_WINDOW
from reviews.identity import validate_resident_id
from reviews.models import (
    Assignment,
    AssignmentStatus,
    CommitteeMember,
    CommitteeStatus,
    ExpertCommittee,
    FormalReview,
    FormalReviewItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Position,
    PublicityNotice,
    ReviewRound,
    RoundEntry,
    RoundStatus,
    Score,
    SiteInspection,
)
from reviews.replacements import vacancies
from reviews.services import conflicted_organisation_ids, round_results, suggested_experts
from tests.demo import the_demo

MODELS = (
    Organisation, User, Application, Attachment, PreliminaryReview, Revision, AuditEntry, Notification, Deadline,
    FormalReview, ExpertCommittee, CommitteeMember, ReviewRound, RoundEntry, Assignment, Score, SiteInspection,
    PublicityNotice, Objection, Laboratory, SignOff, AcceptanceApplication, AnnualReport, ReportOutput,
    ExtensionRequest, ChangeReport, Evaluation,
)
EXPERTS = ["expert"] + [f"expert{n:02d}" for n in range(2, 16)]
OPEN_ROUND = f"{timezone.localdate().year}年第一批专家评审"
PILOT_ROUND = f"{timezone.localdate().year}年试点批次专家评审"
NOTICE_CLOSED = f"{timezone.localdate().year}年拟批准建设国家质量标准实验室名单公示（第一批）"


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def user(username):
    return User.objects.get(username=username)


def app_named(name_zh):
    return Application.objects.get(name_zh=name_zh)


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded demo for the checks of a class (tests.demo.the_demo: seeded once for the run, on PostgreSQL): what
    the seeding printed and queued, and the folder of its uploads, never the developer's var/media."""
    media_root = str(tmp_path_factory.mktemp("seeded_media"))
    with django_db_blocker.unblock(), the_demo(media_root) as seeding:
        yield SimpleNamespace(media_root=media_root, output=seeding.output, queued=seeding.queued)


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
class TestSeededDemo:
    """What the seeded demo holds: each check reads the database seeded once for the class (the check of
    idempotence seeds it again, rolled back after it)."""

    def test_seed_demo_covers_every_state_and_role_and_is_idempotent(self, seeded, django_capture_on_commit_callbacks,
                                                                     monkeypatch):
        """The demo as the first seeding left it (`seeded`: on an empty database, committed), then seeded again."""
        first_output, queued = seeded.output, list(seeded.queued)  # each issued document's rendering, queued at commit
        monkeypatch.setattr(documents, "_enqueue", queued.append)
        first = counts()
        with django_capture_on_commit_callbacks(execute=True):
            second_output = seed()

        assert counts() == first  # nothing created twice, laboratories and their reports included
        assert sorted(queued) == sorted(Document.objects.issued().values_list("pk", flat=True))  # each once
        assert first["Laboratory"] == 15
        assert Laboratory.objects.values("name_zh").distinct().count() == 15
        assert "Created 32 demo accounts." in first_output
        assert "Created and activated 3 terms of the expert committee" in first_output
        assert "Created 33 demo applications." in first_output
        assert "Created 15 demo laboratories." in first_output
        assert "nothing changed" in second_output
        assert "Created" not in second_output
        statuses = set(Application.objects.values_list("status", flat=True))
        assert statuses == set(Status.values)
        roles = set(User.objects.values_list("role", flat=True))
        assert roles == set(Role.values)
        for model in (ExpertCommittee, ReviewRound, Assignment, PublicityNotice, Objection, Laboratory, SignOff):
            assert first[model.__name__] > 0, model
        for username in ("applicant", "applicant_central", "applicant_qiantang", "samr_js", "miit_js", "recommender_moe",
                         "samr_staff", "miit_staff", "expert", "admin"):
            assert f"| {username} " in first_output
        for username in ("applicant", "samr_staff", "miit_staff", "expert", "expert02", "expert15", "admin"):
            account = user(username)
            assert account.full_name and account.email
            assert authenticate(username=username, password="demo12345") == account
        assert all(f"{username} " in first_output for username in EXPERTS)  # the compact committee listing
        assert user("admin").is_superuser
        assert first["Notification"] > 0  # the transitions really notified (inbox), after commit

    def test_seeded_states_were_reached_through_audited_transitions(self):
        for app in Application.objects.exclude(status=Status.DRAFT):
            timeline = list(AuditEntry.objects.for_object(app).timeline())
            assert timeline, app
            assert timeline[-1].target_state == app.status
            assert all(entry.actor_id and entry.article for entry in timeline)
        first, second, current = ExpertCommittee.objects.order_by("term_start")
        for ended in (first, second):  # expired by the deadline sweep the day after its term
            assert [e.target_state for e in AuditEntry.objects.for_object(ended).timeline()] == [
                CommitteeStatus.ACTIVE, CommitteeStatus.EXPIRED]
        assert [e.target_state for e in AuditEntry.objects.for_object(current).timeline()] == [CommitteeStatus.ACTIVE]
        submitted = Assignment.objects.filter(status=AssignmentStatus.SUBMITTED).first()
        assert [e.target_state for e in AuditEntry.objects.for_object(submitted).timeline()] == [
            AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED]

    def test_seeded_committee_is_active_with_a_valid_composition_art9(self):
        committee = ExpertCommittee.objects.get(name="第三届国家质量标准实验室专家技术委员会")
        assert committee.status == CommitteeStatus.ACTIVE
        assert committee.is_usable()
        assert list(ExpertCommittee.objects.filter(status=CommitteeStatus.ACTIVE)) == [committee]
        assert committee.composition_errors() == []
        assert committee.term_end == committee.term_start + relativedelta(years=2)  # Civil Code Art. 201-202
        members = list(committee.members.select_related("expert__organisation"))
        positions = sorted(m.position for m in members)
        assert positions.count(Position.CHAIR) == 1
        assert positions.count(Position.VICE_CHAIR) == 3
        assert positions.count(Position.MEMBER) == 11
        assert sorted(m.expert.username for m in members) == sorted(EXPERTS)
        assert all(m.expert.role == Role.EXPERT and m.fields for m in members)
        # Experts come from expert institutions, or from 西江生命科学研究院, a research institute (a host, since
        # only hosts may join a consortium, Art. 5) that applies for nothing itself but joins a consortium.
        assert {m.expert.organisation.kind for m in members} == {OrganisationKind.EXPERT_POOL, OrganisationKind.HOST}
        applying = set(Application.objects.values_list("host", flat=True))
        assert not applying & {m.expert.organisation_id for m in members}
        assert {m.expert.organisation.name for m in members if m.expert.organisation.kind == OrganisationKind.HOST} == {
            "西江生命科学研究院"
        }

    def test_seeded_open_round_expert_and_blind_scoring_art9(self):
        expert = user("expert")
        review_round = ReviewRound.objects.get(title=OPEN_ROUND)
        assert review_round.status == RoundStatus.OPEN
        apps = list(Application.objects.filter(round_entries__round=review_round))
        assert len(apps) == 2 and {a.status for a in apps} == {Status.EXPERT_REVIEW}
        for app in apps:
            assignments = list(review_round.assignments.filter(application=app).exclude(status=AssignmentStatus.DECLINED)
                               .select_related("expert"))
            assert len(assignments) == 3
            assert any(a.status == AssignmentStatus.SUBMITTED and a.expert != expert for a in assignments)
            assert not {a.expert.organisation_id for a in assignments} & conflicted_organisation_ids(app)

        assert all(c.bands for c in review_round.criteria_set.criteria.all())  # 评分细则 beside each criterion
        [declined] = review_round.assignments.filter(status=AssignmentStatus.DECLINED)
        [vacancy] = vacancies(review_round, [a.pk for a in apps])  # the round page proposes its replacement
        assert vacancy.left == declined and vacancy.proposal is not None

        mine = {a.status: a for a in Assignment.objects.visible_to(expert)}
        assert set(mine) == {AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED}
        draft = mine[AssignmentStatus.ACCEPTED]
        assert 0 < draft.scores.count() < review_round.criteria_set.criteria.count()
        # The dossier opens only after declaring no conflict; others' scores stay hidden until one's own are submitted.
        assert list(Application.objects.visible_to(expert)) == [draft.application]
        visible_scores = Score.objects.visible_to(expert)
        assert set(visible_scores.values_list("assignment__expert", flat=True)) == {expert.pk}
        assert Score.objects.filter(assignment__application=draft.application).exclude(assignment__expert=expert).exists()

        # The consortium member's experts are never offered for the cell-therapy application.
        cell = app_named("细胞治疗产品质量国家质量标准实验室")
        consortium_experts = set(User.objects.filter(organisation__name="西江生命科学研究院").values_list("pk", flat=True))
        assert len(consortium_experts) == 2
        assert not consortium_experts & {m.expert_id for m in suggested_experts(review_round, cell)}

    def test_seeded_concluded_round_advanced_and_rejected_art13(self):
        review_round = ReviewRound.objects.get(title=PILOT_ROUND)
        assert review_round.status == RoundStatus.CONCLUDED
        results = round_results(review_round)
        assert [r.count for r in results] == [3] * 6
        assert any(r.flagged for r in results)  # one expert deviates strongly on one application
        outcomes = {r.application.name_zh: (r.entry.outcome, r.entry.reason) for r in results}
        outcome, reason = outcomes.pop("特种工程塑料国家质量标准实验室")
        assert outcome == RoundEntry.Outcome.REJECTED and reason
        assert app_named("特种工程塑料国家质量标准实验室").status == Status.REJECTED
        assert {o for o, _reason in outcomes.values()} == {RoundEntry.Outcome.ADVANCED}
        assert app_named("新一代移动通信设备质量国家质量标准实验室").status == Status.SITE_INSPECTION
        inspected = app_named("第三代半导体材料质量国家质量标准实验室")
        assert inspected.status == Status.INSPECTED
        inspection = inspected.site_inspections.get()
        assert inspection.verdict == SiteInspection.Verdict.PASS and inspection.report

    def test_seeded_formal_review_outcomes_art13(self):
        items = set(str(pk) for pk in FormalReviewItem.objects.filter(active=True).values_list("pk", flat=True))
        passed = FormalReview.objects.filter(outcome=FormalReview.Outcome.PASSED)
        assert passed.count() == 23  # 9 in the ministry stage, 14 of the labs' cohorts
        assert all(set(r.checks) == items and all(r.checks.values()) for r in passed)
        supplement = Application.objects.get(status=Status.SUPPLEMENT_REQUESTED)
        assert supplement.host.name == "江苏省智能制造质量研究院"
        review = supplement.formal_reviews.get()
        assert review.outcome == FormalReview.Outcome.SUPPLEMENT and review.comment and not all(review.checks.values())
        deadline = Deadline.objects.for_object(supplement).open().get(kind=SUPPLEMENT_FIX.code)
        assert deadline.due_date > timezone.localdate()
        rejected = Application.objects.get(status=Status.FORMAL_REJECTED)
        assert rejected.formal_reviews.get().outcome == FormalReview.Outcome.REJECTED

    def test_seeded_publicity_and_objections_art13(self):
        today = timezone.localdate()
        notice = PublicityNotice.objects.get(status=NoticeStatus.OPEN, subject=PublicityNotice.Subject.APPLICATIONS)
        assert notice.starts_on <= today <= notice.ends_on and notice.accepts_objections()
        assert list(notice.applications.values_list("status", flat=True)) == [Status.PUBLICITY]
        objections = {o.status: o for o in notice.objections.all()}
        assert set(objections) == {ObjectionStatus.OPEN, ObjectionStatus.DISMISSED}
        person = objections[ObjectionStatus.OPEN]
        assert person.objector_kind == Objection.ObjectorKind.PERSON
        assert validate_resident_id(person.id_number) == person.id_number
        assert objections[ObjectionStatus.DISMISSED].resolution
        assert Deadline.objects.for_object(notice).open().filter(kind=PUBLICITY_WINDOW.code).exists()

        scheduled = PublicityNotice.objects.get(status=NoticeStatus.SCHEDULED)  # dated ahead: not public yet
        assert scheduled.starts_on > today and not PublicityNotice.objects.public().filter(pk=scheduled.pk).exists()
        assert list(scheduled.applications.values_list("status", flat=True)) == [Status.INSPECTED]
        assert Deadline.objects.for_object(scheduled).open().get().due_date == scheduled.starts_on

        closed = PublicityNotice.objects.get(title=NOTICE_CLOSED)
        assert closed.status == NoticeStatus.CLOSED
        assert closed.ends_on < today and closed.closed_at
        assert sorted(closed.applications.values_list("status", flat=True)) == [Status.APPROVED, Status.AWAITING_APPROVAL]
        assert set(Application.objects.public().values_list("status", flat=True)) == {Status.PUBLICITY, Status.APPROVED}

    def test_seeded_dual_sign_off_and_laboratory_art7(self):
        waiting = Application.objects.get(status=Status.AWAITING_APPROVAL)
        assert list(signoffs(waiting, APPROVAL_DECISION).values_list("ministry", flat=True)) == [SignOff.Ministry.SAMR]
        assert "approve" in {t.name for t in available_transitions(waiting, user("miit_staff"))}
        assert "approve" not in {t.name for t in available_transitions(waiting, user("samr_staff"))}
        assert Application.objects.awaiting(user("miit_staff")).filter(pk=waiting.pk).exists()
        assert not Laboratory.objects.filter(application=waiting).exists()

        approved = app_named("工程机械可靠性国家质量标准实验室")
        assert approved.status == Status.APPROVED
        assert sorted(signoffs(approved, APPROVAL_DECISION).values_list("ministry", flat=True)) == ["miit", "samr"]
        lab = Laboratory.objects.get(application=approved)
        assert lab.status == LabStatus.CONSTRUCTION and lab.name_zh == approved.name_zh
        assert lab.construction_end == lab.construction_start + relativedelta(months=24)

    def test_seeded_local_recommendation_needed_both_provincial_bodies_art10(self):
        local = Application.objects.get(status=Status.RECOMMENDED, host__level="local")
        decided = local.preliminary_reviews.filter(round=local.revision_count)
        assert sorted(decided.values_list("recommender__kind", "decision")) == [
            ("provincial_miit", "recommended"), ("provincial_samr", "recommended")]
        waiting = app_named("智能传感器质量国家质量标准实验室")
        assert waiting.status == Status.SUBMITTED
        assert sorted(waiting.reviews_of_round().values_list("recommender__kind", "decision")) == [
            ("provincial_miit", "pending"), ("provincial_samr", "recommended")]
        central = Application.objects.get(status=Status.RECOMMENDED, host__level="central")
        assert list(central.preliminary_reviews.values_list("recommender__name", flat=True)) == ["教育部"]

    def test_seeded_submitted_dossiers_pass_eligibility_art12(self):
        for app in Application.objects.exclude(status=Status.DRAFT):
            assert app.eligibility.passed, (app, [line.message for line in app.eligibility.failures])
        draft = Application.objects.get(status=Status.DRAFT)
        assert draft.missing_for_submission()  # half-filled

    def test_seeded_attachment_is_a_real_pdf_checked_by_content(self, seeded, settings):
        settings.MEDIA_ROOT = seeded.media_root
        attachment = Attachment.objects.get()
        assert attachment.content_type == "application/pdf"
        with attachment.file.open("rb") as handle:
            reader = pypdf.PdfReader(handle)
            assert len(reader.pages) == 1

    def test_seeded_visibility_follows_routing(self):
        visible = set(Application.objects.visible_to(user("samr_js")).values_list("host__province", flat=True))
        assert visible == {"32"}
        moe = set(Application.objects.visible_to(user("recommender_moe")).values_list("host__name", flat=True))
        assert moe == {"华夏理工大学", "北辰理工大学"}
        staff = Application.objects.visible_to(user("samr_staff"))
        assert not staff.filter(status__in=[Status.DRAFT, Status.WITHDRAWN]).exists()
        soe_labs = Laboratory.objects.visible_to(user("applicant_soe")).values_list("name_zh", flat=True)
        assert sorted(soe_labs) == ["工程机械可靠性国家质量标准实验室", "海洋工程装备质量国家质量标准实验室",
                                    "高档数控机床精度国家质量标准实验室"]
        assert list(Laboratory.objects.visible_to(user("applicant_central")).values_list("name_zh", flat=True)) == [
            "轨道交通装备质量国家质量标准实验室"]

    # --- dates that tell a believable story ------------------------------------------------------

    def test_seeded_rounds_are_scored_by_the_committee_whose_term_covers_them_art9(self):
        """Each round was opened, scored and concluded within the two-year term of its committee, and the terms
        follow one another: the labs' old rounds by 第一届 and 第二届, whose terms ended, the recent ones by 第三届."""
        terms = list(ExpertCommittee.objects.order_by("term_start"))
        assert [c.name[:3] for c in terms] == ["第一届", "第二届", "第三届"]
        for earlier, later in zip(terms, terms[1:]):
            assert earlier.status == CommitteeStatus.EXPIRED and earlier.term_end < later.term_start
            assert (later.term_start - earlier.term_end).days <= 1
        used = set()
        for review_round in ReviewRound.objects.select_related("committee"):
            term = (review_round.committee.term_start, review_round.committee.term_end)
            moments = [review_round.opened_at, review_round.concluded_at,
                       *review_round.assignments.values_list("declared_at", flat=True),
                       *review_round.assignments.values_list("submitted_at", flat=True)]
            for moment in filter(None, moments):
                assert term[0] <= timezone.localtime(moment).date() <= term[1], (review_round, moment)
            used.add(review_round.committee.name[:3])
        assert used == {"第一届", "第二届", "第三届"}

    def test_seeded_calls_a_past_one_with_its_whole_history_and_an_open_one_art13(self):
        today = timezone.localdate()
        current = Call.objects.accepting(today).get()
        assert current.applications.filter(status=Status.DRAFT).exists() and current.quotas.exists()
        assert current.applications.exclude(status=Status.DRAFT).count() >= 10
        past = Call.objects.filter(status=CallStatus.CONCLUDED)
        assert past.count() == 3
        for call in past:
            assert call.closes_on < today and call.construction_list.exists()
            assert set(call.construction_list.values_list("status", flat=True)) == {Status.APPROVED}
            assert call.rounds.exists() and call.notices.exists()
            signed = AuditEntry.objects.for_object(call).timeline().values_list("transition", flat=True)
            assert list(signed) == ["sign_opening", "sign_opening", "propose_list", "sign_list", "sign_list"]
        assert not Application.objects.exclude(call__in=[current, *past]).exists()

    def test_seeded_five_year_old_lab_has_a_history_dated_when_it_happened(self):
        lab = Laboratory.objects.get(name_zh="轨道交通装备质量国家质量标准实验室")
        five_years_ago = timezone.localdate() - relativedelta(years=5)
        entries = [*AuditEntry.objects.for_object(lab.application).timeline(), *AuditEntry.objects.for_object(lab).timeline()]
        moments = [timezone.localtime(entry.at) for entry in entries]
        assert moments == sorted(moments) and moments[0].date() < five_years_ago
        approval = [entry for entry in entries if entry.transition == "approve_listed"][-1]  # with its call's list
        assert timezone.localtime(approval.at).date() == lab.approved_on  # the lab was born when MIIT signed
        started = [entry for entry in entries if entry.target_state == LabStatus.OPERATING][0]
        assert timezone.localtime(started.at).date() == lab.operation_started_on
        app = lab.application
        assert timezone.localtime(app.revisions.get().submitted_at).date() < five_years_ago
        review = app.preliminary_reviews.get()
        assert app.submitted_at < review.decided_at < app.formal_reviews.get().at < approval.at
        for report in lab.annual_reports.all():  # each filed shortly before it was due
            assert timezone.localtime(report.submitted_at).date() <= report.due_on
        # The inbox messages of the approval went out then, not today.
        told = Notification.objects.filter(url__contains=app.get_absolute_url()).order_by("created_at").first()
        assert told is not None and timezone.localtime(told.created_at).date() < five_years_ago
        now = timezone.now()
        assert not AuditEntry.objects.filter(at__gt=now).exists() and not Notification.objects.filter(created_at__gt=now).exists()

    def test_seeded_current_intake_happened_over_recent_months(self):
        """This year's applications were submitted, recommended and reviewed weeks apart, in that order."""
        today = timezone.localdate()
        for app in Application.objects.exclude(status=Status.DRAFT).filter(laboratory__isnull=True):
            days = [timezone.localtime(entry.at).date() for entry in AuditEntry.objects.for_object(app).timeline()]
            assert days == sorted(days) and today - relativedelta(months=7) < days[0] < today, app
            if len(days) > 1:
                assert days[-1] > days[0], app
        inspected = SiteInspection.objects.select_related("application").get(application__name_zh__startswith="第三代半导体")
        assert inspected.visited_on < timezone.localtime(inspected.recorded_at).date() <= today

    def test_seeded_failed_acceptance_claims_no_completed_goal_art18(self):
        terminated = Laboratory.objects.get(status=LabStatus.TERMINATED)
        statements = terminated.acceptance_applications.get().goal_statements
        assert len(statements) == 4  # one for each goal of the build plan (Art. 17)
        assert not any(s["achieved"].startswith("已完成") for s in statements), statements
        passed = Laboratory.objects.get(status=LabStatus.ACCEPTANCE_PUBLICITY).acceptance_applications.get()
        assert all(s["achieved"].startswith("已完成") for s in passed.goal_statements)

    # --- the laboratory stage (Art. 14-31) -------------------------------------------------------

    def test_seeded_labs_cover_every_lab_state_through_audited_transitions(self):
        assert set(Laboratory.objects.values_list("status", flat=True)) == set(LabStatus.values)
        for lab in Laboratory.objects.exclude(status=LabStatus.CONSTRUCTION):
            timeline = list(AuditEntry.objects.for_object(lab).timeline())
            assert timeline and timeline[-1].target_state == lab.status, lab
            assert all(entry.actor_id and entry.article for entry in timeline), lab
        for lab in Laboratory.objects.all():  # each born of an application both ministries approved (Art. 7), by
            app = lab.application             # itself or with its call's construction list (Art. 13)
            approvals = signoffs(app, APPROVAL_DECISION).values_list("ministry", flat=True)
            listed = signoffs(app.call, CALL_LIST_DECISION).filter(
                object_id__in=app.construction_lists.values("pk")).values_list("ministry", flat=True)
            assert sorted(approvals) == ["miit", "samr"] or sorted(listed) == ["miit", "samr"]
            assert lab.construction_end == lab.construction_start + relativedelta(months=24)

    def test_seeded_lab_clocks_are_dated_in_the_past_yet_none_is_overdue_art18_26(self):
        today = timezone.localdate()
        lab_deadlines = Deadline.objects.filter(content_type__model="laboratory")
        assert not lab_deadlines.open().filter(due_date__lt=today).exists()  # the sweep finds nothing to lapse
        operating = Laboratory.objects.get(name_zh="轨道交通装备质量国家质量标准实验室")
        assert operating.approved_on < operating.construction_end <= operating.operation_started_on
        assert operating.operation_started_on < today - relativedelta(years=3)
        reports = list(operating.annual_reports.order_by("kind", "period").values_list("kind", "period"))
        assert reports == [("construction", 1), ("construction", 2),
                           ("operation", 1), ("operation", 2), ("operation", 3)]

    def test_seeded_construction_reports_and_extension_art18(self):
        today = timezone.localdate()
        due_soon = Laboratory.objects.get(name_zh="动力电池安全国家质量标准实验室")
        assert due_soon.status == LabStatus.CONSTRUCTION and not due_soon.annual_reports.exists()
        deadline = reports_due(due_soon)[AnnualReport.Kind.CONSTRUCTION]
        assert today < deadline.due_date <= today + relativedelta(days=30)
        filed = Laboratory.objects.get(name_zh="高档数控机床精度国家质量标准实验室")
        report = filed.annual_reports.get()
        assert report.kind == AnnualReport.Kind.CONSTRUCTION and report.acknowledged_at
        extension = filed.extension_requests.get()
        assert extension.status == ExtensionStatus.REQUESTED and extension.months == 6
        assert {t.name for t in available_transitions(extension, user("samr_staff"))} == {"grant", "refuse"}

    def test_seeded_acceptance_stage_art18_19(self):
        awaiting_round = Laboratory.objects.get(status=LabStatus.ACCEPTANCE_REVIEW)
        assert awaiting_round.acceptance_applications.get().verdict == ""
        assert not awaiting_round.application.round_entries.filter(round__criteria_set__purpose="acceptance").exists()
        rectifying = Laboratory.objects.get(status=LabStatus.RECTIFYING)
        assert rectifying.acceptance_applications.get().verdict == AcceptanceVerdict.RECTIFY
        clocks = Deadline.objects.for_object(rectifying).open()
        assert clocks.filter(kind="laboratory.acceptance_rectification").exists()  # six months (Art. 19)
        confirming = Laboratory.objects.get(status=LabStatus.ACCEPTANCE_CONFIRMATION)
        assert list(signoffs(confirming, CONFIRM_ACCEPTANCE).values_list("ministry", flat=True)) == ["samr"]
        assert "confirm_acceptance" in {t.name for t in available_transitions(confirming, user("miit_staff"))}
        assert "confirm_acceptance" not in {t.name for t in available_transitions(confirming, user("samr_staff"))}
        publicised = Laboratory.objects.get(status=LabStatus.ACCEPTANCE_PUBLICITY)
        notice = publicised.application.publicity_notices.get(subject=PublicityNotice.Subject.ACCEPTANCE)
        assert notice.status == NoticeStatus.OPEN and notice.accepts_objections()
        terminated = Laboratory.objects.get(status=LabStatus.TERMINATED)
        assert terminated.acceptance_applications.get().verdict == AcceptanceVerdict.FAIL
        assert not Laboratory.objects.public().filter(pk=terminated.pk).exists()

    def test_seeded_operation_and_evaluation_art23_to_27(self):
        operating = Laboratory.objects.get(name_zh="高分子分离膜材料国家质量标准实验室")
        assert operating.status == LabStatus.OPERATING and operating.latest_result == EvaluationResult.QUALIFIED
        outputs = ReportOutput.objects.filter(report__laboratory=operating, report__kind=AnnualReport.Kind.OPERATION)
        assert outputs.exists() and all(output.credits_lab() for output in outputs)  # Art. 23
        change = operating.change_reports.get()
        assert change.status == ChangeStatus.SUBMITTED
        assert "accept" in {t.name for t in available_transitions(change, user("miit_staff"))}
        assert Laboratory.objects.get(latest_result=EvaluationResult.EXCELLENT).status == LabStatus.OPERATING
        rectifying = Laboratory.objects.get(status=LabStatus.EVALUATION_RECTIFYING)
        assert rectifying.latest_result == EvaluationResult.UNQUALIFIED
        evaluating = Laboratory.objects.get(status=LabStatus.EVALUATING)
        assert evaluating.evaluations.get().result == ""
        round_ = ReviewRound.objects.get(entries__application=evaluating.application, status=RoundStatus.OPEN)
        assignments = list(round_.assignments.select_related("expert"))
        assert len(assignments) == 2 and {a.status for a in assignments} == {AssignmentStatus.ASSIGNED}
        assert "expert" in {a.expert.username for a in assignments}
        assert Evaluation.objects.filter(result=EvaluationResult.EXCELLENT).count() == 1

    def test_seeded_delisting_signed_by_both_ministries_art25(self):
        delisted = Laboratory.objects.get(status=LabStatus.DELISTED)
        assert sorted(signoffs(delisted, DELIST).values_list("ministry", flat=True)) == ["miit", "samr"]
        assert not Deadline.objects.for_object(delisted).open().exists()
        assert not Laboratory.objects.public().filter(pk=delisted.pk).exists()
        assert delisted.proposals.get().statement_at  # proposed, answered by the host, then signed

    def test_seeded_decisions_issued_their_numbered_documents_art10_13_19_25_27(self, seeded, settings):
        settings.MEDIA_ROOT = seeded.media_root
        kinds = set(Document.objects.issued().values_list("kind", flat=True))
        assert kinds == {"call_notice", "recommendation_letter", "publicity_notice", "construction_list_approval",
                         "acceptance_opinion", "evaluation_notice", "unqualified_notice", "termination_decision",
                         "delisting_decision"}
        for issuer, year in set(Document.objects.issued().values_list("issuer", "year")):  # gapless per issuer and year
            serials = sorted(Document.objects.filter(issuer=issuer, year=year).values_list("serial", flat=True))
            assert serials == list(range(1, len(serials) + 1)), (issuer, year)
        # a local dossier's letters come from both provincial bodies, each under its own 机关代字 (Art. 10)
        letters = Document.objects.filter(kind="recommendation_letter", issuer_name__startswith="江苏省")
        assert {number[:4] for number in letters.values_list("number", flat=True)} == {"苏市监质", "苏工信函"}
        delisted = Laboratory.objects.get(status=LabStatus.DELISTED)
        [decision] = documents.issued_for(delisted.proposals.get(), "delisting_decision")
        assert decision.issued_on == timezone.localdate(signoffs(delisted, DELIST).last().signed_at)  # dated then
        rendered = documents.render(decision.pk)  # what the worker does with it
        with rendered.file.open("rb") as handle:
            text = "".join("".join(page.extract_text() or "" for page in pypdf.PdfReader(handle).pages).split())
        assert delisted.name_zh in text and "第二十五条" in text

    def test_seeded_proposals_wait_for_the_host_or_the_second_ministry_art19_25(self):
        proposed = Laboratory.objects.get(status=LabStatus.DELISTING_PROPOSED)
        proposal = proposed.proposals.get()
        assert proposal.accepts_statement() and Laboratory.objects.public().filter(pk=proposed.pk).exists()
        assert services.may_make_statement(proposed, user("applicant_xicheng"))
        assert {t.name for t in available_transitions(proposed, user("samr_staff"))} == {"withdraw_proposal"}
        half_signed = Laboratory.objects.get(status=LabStatus.TERMINATION_PROPOSED)
        assert half_signed.proposals.get().attachments.count() == 2
        assert list(signoffs(half_signed, TERMINATE).values_list("ministry", flat=True)) == ["samr"]
        assert "sign_termination" in {t.name for t in available_transitions(half_signed, user("miit_staff"))}

    def test_each_demo_account_home_page_shows_something_to_do(self, client):
        lab = {lab.name_zh: lab for lab in Laboratory.objects.all()}
        vaccine = Assignment.objects.get(expert__username="expert", round__criteria_set__purpose="evaluation")
        expected = {
            "applicant": [reverse("labs:file_report", args=[lab["动力电池安全国家质量标准实验室"].pk]),
                          reverse("applications:detail", args=[app_named("增材制造质量国家质量标准实验室").pk])],
            "applicant_soe": ['data-testid="file-report"'],
            "samr_js": [reverse("applications:detail", args=[app_named("工业机器人质量国家质量标准实验室").pk])],
            "miit_js": [reverse("applications:detail", args=[app_named("智能传感器质量国家质量标准实验室").pk])],
            "samr_staff": [lab["高档数控机床精度国家质量标准实验室"].get_absolute_url() + "#extensions",
                           lab["高分子分离膜材料国家质量标准实验室"].get_absolute_url() + "#changes",
                           'data-testid="acceptance-awaiting"'],
            "miit_staff": ['data-testid="confirmation-awaiting"', lab["工业互联网安全国家质量标准实验室"].get_absolute_url(),
                           reverse("applications:detail", args=[app_named("先进焊接与连接工艺质量国家质量标准实验室").pk])],
            "expert": [reverse("experts:assignment", args=[vaccine.pk])],
            "admin": [reverse("admin:index")],
        }
        for username, needles in expected.items():
            client.force_login(user(username))
            html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
            for needle in needles:
                assert needle in html, (username, needle)
        # SAMR has confirmed: the confirmation waits on MIIT's home page only (Art. 19).
        client.force_login(user("samr_staff"))
        assert 'data-testid="confirmation-awaiting"' not in client.get(reverse("home")).content.decode()

    def test_home_to_do_sections_query_count_does_not_grow_with_labs(self, client, django_assert_max_num_queries):
        def queries(username):
            client.force_login(user(username))
            with CaptureQueriesContext(connection) as captured:
                client.get(reverse("home"))
            return len(captured)

        # One lab with one report due, three labs with three: the same number of queries.
        assert queries("applicant") == queries("applicant_soe")
        client.force_login(user("samr_staff"))
        with django_assert_max_num_queries(12):
            client.get(reverse("home"))
