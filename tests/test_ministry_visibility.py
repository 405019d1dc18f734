"""Who sees what in the ministry stage: experts only what they declared no conflict on (Art. 9);
the public only what is under publicity or approved (Art. 13); objections only staff."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from applications.models import Application, Status
from evaluations.models import Laboratory
from kernel.transitions import TransitionConflict, run_transition
from labportal.journeys import score
from reviews import services
from reviews.models import Assignment, AssignmentStatus, Objection, Score
from tests.factories import (
    LocalHostFactory,
    UserFactory,
    applicant_of,
    miit_staff,
    on,
    provincial_body,
    recommender_of,
    with_consortium_member,
)

pytestmark = pytest.mark.django_db


def administrator():
    return UserFactory(role=Role.ADMINISTRATOR, organisation=None)


# --- experts (Art. 9) ------------------------------------------------------------------------------


def test_expert_sees_the_dossier_only_after_declaring_no_conflict_art9(journey):
    app, other = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.open_round([app, other])
    expert_user, bystander = journey.experts[:2]
    assignment = journey.assign(review_round, app, expert_user)
    assert not Application.objects.visible_to(expert_user).exists()  # assigned, not yet declared

    assignment = run_transition(assignment, "declare_no_conflict", expert_user)
    assert list(Application.objects.visible_to(expert_user)) == [app]
    assert not Application.objects.visible_to(bystander).exists()

    values = {c.pk: (80, "") for c in review_round.criteria_set.criteria.all()}
    services.save_scores(assignment, expert_user, values)
    run_transition(assignment, "submit_scores", expert_user)
    assert list(Application.objects.visible_to(expert_user)) == [app]  # still, once submitted


def test_expert_who_declares_a_conflict_does_not_see_the_dossier_art9(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    expert_user = journey.experts[0]
    assignment = journey.assign(review_round, app, expert_user)
    run_transition(assignment, "declare_conflict", expert_user, comment="同一课题组")
    assert not Application.objects.visible_to(expert_user).exists()


def test_expert_who_declared_then_declares_a_conflict_loses_sight_of_the_dossier_art9(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    expert_user = journey.experts[0]
    assignment = run_transition(journey.assign(review_round, app, expert_user), "declare_no_conflict", expert_user)
    assert Application.objects.visible_to(expert_user).exists()
    run_transition(assignment, "declare_conflict", expert_user, comment="后发现曾为该单位顾问")
    assert not Application.objects.visible_to(expert_user).exists()


def test_expert_withdrawn_by_staff_does_not_see_the_dossier_art9(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    expert_user = journey.experts[0]
    assignment = run_transition(journey.assign(review_round, app, expert_user), "declare_no_conflict", expert_user)
    run_transition(assignment, "withdraw", journey.staff, comment="调整评审专家")
    assert not Application.objects.visible_to(expert_user).exists()


def test_inactive_expert_sees_nothing(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    expert_user = journey.experts[0]
    run_transition(journey.assign(review_round, app, expert_user), "declare_no_conflict", expert_user)
    expert_user.is_active = False
    expert_user.save()
    assert not Application.objects.visible_to(expert_user).exists()
    assert not Assignment.objects.visible_to(expert_user).exists()
    assert not Score.objects.visible_to(expert_user).exists()


# --- the public (Art. 13) ----------------------------------------------------------------------------


def test_public_sees_only_applications_under_publicity_or_approved_art13(journey):
    passed = journey.formal_review_passed()
    inspected = journey.inspected()
    awaiting = journey.awaiting_approval()
    approved = journey.awaiting_approval()
    run_transition(approved, "approve", journey.staff)
    approved = run_transition(approved, "approve", miit_staff())
    rejected = journey.inspect(journey.at_site_inspection(), verdict="fail")
    under_notice = journey.inspected()
    journey.open_notice([under_notice])
    under_notice.refresh_from_db()

    states = {a.status for a in (passed, inspected, awaiting, approved, rejected, under_notice)}
    assert states == {Status.FORMAL_REVIEW_PASSED, Status.INSPECTED, Status.AWAITING_APPROVAL, Status.APPROVED,
                      Status.REJECTED, Status.PUBLICITY}
    assert set(Application.objects.public()) == {under_notice, approved}
    assert not Application.objects.visible_to(AnonymousUser()).exists()


# --- assignments, scores, objections per role ---------------------------------------------------------


@pytest.fixture
def round_with_two_experts(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    a = journey.assign(review_round, app, journey.experts[0])
    b = journey.assign(review_round, app, journey.experts[1])
    return app, a, b


def test_assignment_visible_to_each_role(journey, round_with_two_experts):
    app, a, b = round_with_two_experts
    assert list(Assignment.objects.visible_to(a.expert)) == [a]
    assert list(Assignment.objects.visible_to(b.expert)) == [b]
    assert not Assignment.objects.visible_to(journey.experts[2]).exists()
    assert set(Assignment.objects.visible_to(journey.staff)) == {a, b}
    assert set(Assignment.objects.visible_to(miit_staff())) == {a, b}
    assert set(Assignment.objects.visible_to(administrator())) == {a, b}
    for nobody in (applicant_of(app.host), recommender_of(provincial_body("provincial_samr", app.host.province)),
                   AnonymousUser()):
        assert not Assignment.objects.visible_to(nobody).exists()


def test_scores_are_never_visible_outside_the_committee_and_staff(journey, round_with_two_experts):
    app, a, _ = round_with_two_experts
    a = run_transition(a, "declare_no_conflict", a.expert)
    services.save_scores(a, a.expert, {c.pk: (80, "") for c in a.round.criteria_set.criteria.all()})
    assert Score.objects.visible_to(journey.staff).count() == 3
    for nobody in (applicant_of(app.host), recommender_of(provincial_body("provincial_miit", app.host.province)),
                   journey.experts[5], AnonymousUser()):
        assert not Score.objects.visible_to(nobody).exists()


def test_objection_visible_to_staff_only_art13(journey):
    with on(2026, 9, 21):
        app = journey.inspected()
        notice = journey.open_notice([app])
        objection = services.lodge_objection(Objection(
            notice=notice, application=app, objector_kind=Objection.ObjectorKind.PERSON, name="张三",
            id_number="11010519491231002X", contact="13800000000", grounds="材料不实",
        ))
    assert list(Objection.objects.visible_to(journey.staff)) == [objection]
    assert list(Objection.objects.visible_to(miit_staff())) == [objection]
    assert list(Objection.objects.visible_to(administrator())) == [objection]
    for nobody in (applicant_of(app.host), recommender_of(provincial_body("provincial_samr", app.host.province)),
                   journey.experts[0], AnonymousUser()):
        assert not Objection.objects.visible_to(nobody).exists()


# --- the laboratory ----------------------------------------------------------------------------------


def test_laboratory_visible_to_each_role(journey):
    app = journey.recommended()
    partner = with_consortium_member(app)
    app = journey.awaiting_approval(app)
    run_transition(app, "approve", journey.staff)
    run_transition(app, "approve", miit_staff())
    lab = Laboratory.objects.get()

    assert list(Laboratory.objects.visible_to(applicant_of(app.host))) == [lab]
    assert list(Laboratory.objects.visible_to(applicant_of(partner))) == [lab]
    assert not Laboratory.objects.visible_to(applicant_of(LocalHostFactory())).exists()
    assert list(Laboratory.objects.visible_to(journey.staff)) == [lab]
    assert list(Laboratory.objects.visible_to(miit_staff())) == [lab]
    assert list(Laboratory.objects.visible_to(administrator())) == [lab]
    assert list(Laboratory.objects.visible_to(recommender_of(provincial_body("provincial_samr", app.host.province)))) == [lab]
    other_province = "11" if app.host.province != "11" else "31"
    assert not Laboratory.objects.visible_to(recommender_of(provincial_body("provincial_samr", other_province))).exists()
    assert not Laboratory.objects.visible_to(journey.experts[0]).exists()
    assert not Laboratory.objects.visible_to(AnonymousUser()).exists()
    assert list(Laboratory.objects.public()) == [lab]


def test_expert_cannot_open_the_dossier_once_the_round_is_concluded_and_the_task_closed_art13(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    for expert in journey.experts[:2]:
        score(journey.assign(review_round, app, expert), 80)
    late = journey.assign(review_round, app, journey.experts[2])
    journey.take(review_round, "conclude", journey.staff, decisions={app.pk: ("advance", "")},
                 short_reason="第三位专家未按期声明")
    late.refresh_from_db()
    assert late.status == AssignmentStatus.LAPSED
    with pytest.raises(TransitionConflict):
        run_transition(late, "declare_no_conflict", late.expert)
    assert not Application.objects.visible_to(late.expert).exists()
