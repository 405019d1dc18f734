"""`manage.py seed_demo`: accounts for every role, an expert committee, an application in every state
from draft to approved, all reached through the real transitions and services; idempotent."""

from io import StringIO

import pypdf
import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, Role, User
from applications.models import APPROVAL_DECISION, Application, Attachment, PreliminaryReview, Revision, Status
from evaluations.models import LabStatus, Laboratory
from labportal.models import AuditEntry, Deadline, Notification, SignOff
from labportal.signoffs import signoffs
from labportal.transitions import available_transitions
from reviews.deadlines import PUBLICITY_WINDOW, SUPPLEMENT_FIX
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
from reviews.services import conflicted_organisation_ids, round_results, suggested_experts

MODELS = (
    Organisation, User, Application, Attachment, PreliminaryReview, Revision, AuditEntry, Notification, Deadline,
    FormalReview, ExpertCommittee, CommitteeMember, ReviewRound, RoundEntry, Assignment, Score, SiteInspection,
    PublicityNotice, Objection, Laboratory, SignOff,
)
EXPERTS = ["expert"] + [f"expert{n:02d}" for n in range(2, 16)]
OPEN_ROUND = f"{timezone.localdate().year}年第一批专家评审"


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
    """One seeded database for the read-only checks of a class, rolled back after it (seeding takes seconds).
    Its uploads go to a folder of its own (returned), never the developer's var/media."""
    media_root = str(tmp_path_factory.mktemp("seeded_media"))
    with override_settings(MEDIA_ROOT=media_root), django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield media_root
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_seed_demo_covers_every_state_and_role_and_is_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first_output = seed()
    first = counts()
    with django_capture_on_commit_callbacks(execute=True):
        second_output = seed()

    assert counts() == first
    assert "Created 32 demo accounts." in first_output
    assert "Created and activated the expert committee" in first_output
    assert "Created 19 demo applications." in first_output
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


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
class TestSeededDemo:
    """What the seeded demo holds: each check reads the database seeded once for the class."""

    def test_seeded_states_were_reached_through_audited_transitions(self):
        for app in Application.objects.exclude(status=Status.DRAFT):
            timeline = list(AuditEntry.objects.for_object(app).timeline())
            assert timeline, app
            assert timeline[-1].target_state == app.status
            assert all(entry.actor_id and entry.article for entry in timeline)
        committee = ExpertCommittee.objects.get()
        assert [e.target_state for e in AuditEntry.objects.for_object(committee).timeline()] == [CommitteeStatus.ACTIVE]
        submitted = Assignment.objects.filter(status=AssignmentStatus.SUBMITTED).first()
        assert [e.target_state for e in AuditEntry.objects.for_object(submitted).timeline()] == [
            AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED]

    def test_seeded_committee_is_active_with_a_valid_composition_art9(self):
        committee = ExpertCommittee.objects.get(name="第一届国家质量标准实验室专家技术委员会")
        assert committee.status == CommitteeStatus.ACTIVE
        assert committee.is_usable()
        assert committee.composition_errors() == []
        assert committee.term_end == committee.term_start + relativedelta(years=2, days=-1)
        members = list(committee.members.select_related("expert__organisation"))
        positions = sorted(m.position for m in members)
        assert positions.count(Position.CHAIR) == 1
        assert positions.count(Position.VICE_CHAIR) == 3
        assert positions.count(Position.MEMBER) == 11
        assert sorted(m.expert.username for m in members) == sorted(EXPERTS)
        assert all(m.expert.role == Role.EXPERT and m.fields for m in members)
        assert {m.expert.organisation.kind for m in members} == {OrganisationKind.EXPERT_POOL}
        hosts = set(Organisation.objects.filter(kind=OrganisationKind.HOST).values_list("pk", flat=True))
        assert not hosts & {m.expert.organisation_id for m in members}

    def test_seeded_open_round_expert_and_blind_scoring_art9(self):
        expert = user("expert")
        review_round = ReviewRound.objects.get(title=OPEN_ROUND)
        assert review_round.status == RoundStatus.OPEN
        apps = list(Application.objects.filter(round_entries__round=review_round))
        assert len(apps) == 2 and {a.status for a in apps} == {Status.EXPERT_REVIEW}
        for app in apps:
            assignments = list(review_round.assignments.filter(application=app).select_related("expert"))
            assert len(assignments) == 3
            assert any(a.status == AssignmentStatus.SUBMITTED and a.expert != expert for a in assignments)
            assert not {a.expert.organisation_id for a in assignments} & conflicted_organisation_ids(app)

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
        review_round = ReviewRound.objects.get(status=RoundStatus.CONCLUDED)
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
        assert passed.count() == 9
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
        notice = PublicityNotice.objects.get(status=NoticeStatus.OPEN)
        assert notice.starts_on <= today <= notice.ends_on and notice.accepts_objections()
        assert list(notice.applications.values_list("status", flat=True)) == [Status.PUBLICITY]
        objections = {o.status: o for o in notice.objections.all()}
        assert set(objections) == {ObjectionStatus.OPEN, ObjectionStatus.DISMISSED}
        person = objections[ObjectionStatus.OPEN]
        assert person.objector_kind == Objection.ObjectorKind.PERSON
        assert validate_resident_id(person.id_number) == person.id_number
        assert objections[ObjectionStatus.DISMISSED].resolution
        assert Deadline.objects.for_object(notice).open().filter(kind=PUBLICITY_WINDOW.code).exists()

        closed = PublicityNotice.objects.get(status=NoticeStatus.CLOSED)
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

        approved = Application.objects.get(status=Status.APPROVED)
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
        settings.MEDIA_ROOT = seeded
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
        assert Laboratory.objects.visible_to(user("applicant_soe")).count() == 1
        assert not Laboratory.objects.visible_to(user("applicant_central")).exists()
