"""Expert review (专家评审, Art. 9, 13): opening a round, conflicts of interest, blind scoring, the
aggregate, concluding the round; and site inspection (现场考察)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Role
from applications.models import Status
from kernel.models import AuditEntry, Notification
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from labportal.journeys import criteria_set, score
from reviews import services
from reviews.models import (
    Assignment,
    AssignmentStatus,
    CriteriaSet,
    Criterion,
    ReviewRound,
    RoundEntry,
    RoundStatus,
    Score,
    SiteInspection,
)
from tests.factories import (
    UserFactory,
    activate,
    add_member,
    applicant_of,
    committee,
    expert,
    provincial_body,
    recommender_of,
    samr_staff,
    with_consortium_member,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- opening a round ------------------------------------------------------------------------------


def test_open_round_moves_applications_to_expert_review_art13(journey):
    apps = [journey.formal_review_passed(), journey.formal_review_passed()]
    review_round = journey.open_round(apps)
    assert review_round.status == RoundStatus.OPEN
    assert set(review_round.entries.values_list("application_id", "outcome")) == {
        (a.pk, RoundEntry.Outcome.PENDING) for a in apps}
    for app in apps:
        app.refresh_from_db()
        assert app.status == Status.EXPERT_REVIEW
        entry = AuditEntry.objects.for_object(app).last()
        assert (entry.transition, entry.actor, entry.article) == ("start_expert_review", journey.staff, "Art. 13")


def test_open_round_refuses_an_application_that_has_not_passed_formal_review_art13(journey):
    ready, not_ready = journey.formal_review_passed(), journey.recommended()
    with pytest.raises(RuleViolation) as exc:
        journey.open_round([ready, not_ready])
    assert (exc.value.field, exc.value.article) == ("applications", "Art. 13")
    assert str(not_ready) in exc.value.rule_message
    ready.refresh_from_db()
    assert ready.status == Status.FORMAL_REVIEW_PASSED  # nothing half-done
    assert not ReviewRound.objects.exists()


def test_open_round_refuses_criteria_whose_weights_do_not_add_up_to_100(journey):
    app = journey.formal_review_passed()
    seeded = CriteriaSet.objects.get(name="申报评审指标（第十二条）")
    assert seeded.weight_error() is None
    criterion = seeded.criteria.order_by("order").first()
    criterion.weight -= 1
    criterion.save()
    with pytest.raises(RuleViolation) as exc:
        services.open_round("第一轮", journey.committee, seeded, [app], journey.staff)
    assert exc.value.field == "criteria_set"
    assert "99" in exc.value.rule_message
    app.refresh_from_db()
    assert app.status == Status.FORMAL_REVIEW_PASSED


def test_open_round_refuses_criteria_made_for_another_purpose(journey):
    app = journey.formal_review_passed()
    acceptance = criteria_set(purpose=CriteriaSet.Purpose.ACCEPTANCE)
    with pytest.raises(RuleViolation) as exc:
        services.open_round("第一轮", journey.committee, acceptance, [app], journey.staff)
    assert exc.value.field == "criteria_set"


def test_open_round_refuses_a_draft_committee_art9(journey):
    app = journey.formal_review_passed()
    with pytest.raises(RuleViolation) as exc:
        services.open_round("第一轮", committee(15), journey.criteria, [app], journey.staff)
    assert (exc.value.field, exc.value.article) == ("committee", "Art. 9")


def test_open_round_refuses_an_empty_batch(journey):
    with pytest.raises(RuleViolation) as exc:
        journey.open_round([])
    assert exc.value.field == "applications"


def test_only_staff_open_rounds_and_assign(journey):
    app = journey.formal_review_passed()
    applicant = applicant_of(app.host)
    with pytest.raises(PermissionDenied):
        services.open_round("第一轮", journey.committee, journey.criteria, [app], applicant)
    review_round = journey.open_round([app])
    with pytest.raises(PermissionDenied):
        services.assign_expert(review_round, app, journey.experts[0], journey.experts[1])
    assert not review_round.assignments.exists()


# --- conflicts of interest (Art. 9) -------------------------------------------------------------------


@pytest.fixture
def conflicted(journey):
    """An application with a consortium member, a 17-member committee including one expert of the host
    and one of the consortium member, and an open round."""
    app = journey.formal_review_passed()
    partner = with_consortium_member(app)
    obj = committee(15, fields=["other_field"])
    host_expert = add_member(obj, expert(organisation=app.host), fields=[app.field])
    partner_expert = add_member(obj, expert(organisation=partner), fields=[app.field])
    journey.committee = activate(obj, journey.staff)
    return app, host_expert, partner_expert, journey.open_round([app])


def test_expert_of_the_host_cannot_be_assigned_art9(journey, conflicted):
    app, host_expert, _, review_round = conflicted
    with pytest.raises(RuleViolation) as exc:
        journey.assign(review_round, app, host_expert)
    assert (exc.value.field, exc.value.article) == ("expert", "Art. 9")
    assert "Conflict of interest" in exc.value.rule_message
    assert not Assignment.objects.exists()


def test_expert_of_a_consortium_member_cannot_be_assigned_art9(journey, conflicted):
    app, _, partner_expert, review_round = conflicted
    with pytest.raises(RuleViolation) as exc:
        journey.assign(review_round, app, partner_expert)
    assert (exc.value.field, exc.value.article) == ("expert", "Art. 9")
    assert not Assignment.objects.exists()


def test_suggested_experts_never_lists_conflicted_experts_art9(journey, conflicted):
    app, host_expert, partner_expert, review_round = conflicted
    suggested = [m.expert for m in services.suggested_experts(review_round, app)]
    assert len(suggested) == 15
    assert host_expert not in suggested and partner_expert not in suggested


def test_suggested_experts_lists_field_matching_experts_first_and_not_those_assigned_art9(journey):
    app = journey.formal_review_passed()
    obj = committee(15, fields=["other_field"])
    in_field = [add_member(obj, fields=[app.field, "other_field"]), add_member(obj, fields=[app.field])]
    journey.committee = activate(obj, journey.staff)
    review_round = journey.open_round([app])
    suggested = [m.expert for m in services.suggested_experts(review_round, app)]
    assert len(suggested) == 17
    assert set(suggested[:2]) == set(in_field)
    journey.assign(review_round, app, in_field[0])
    suggested = [m.expert for m in services.suggested_experts(review_round, app)]
    assert in_field[0] not in suggested
    assert suggested[0] == in_field[1]


def test_expert_outside_the_committee_cannot_be_assigned_art9(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    with pytest.raises(RuleViolation) as exc:
        journey.assign(review_round, app, expert())
    assert (exc.value.field, exc.value.article) == ("expert", "Art. 9")


def test_expert_is_assigned_once_per_application(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    journey.assign(review_round, app, journey.experts[0])
    with pytest.raises(RuleViolation) as exc:
        journey.assign(review_round, app, journey.experts[0])
    assert exc.value.field == "expert"
    assert review_round.assignments.count() == 1


def test_application_outside_the_round_cannot_be_assigned(journey):
    app, other = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.open_round([app])
    with pytest.raises(RuleViolation) as exc:
        journey.assign(review_round, other, journey.experts[0])
    assert exc.value.field == "application"


def test_assignment_notifies_the_expert(journey, django_capture_on_commit_callbacks):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    with django_capture_on_commit_callbacks(execute=True):
        assignment = journey.assign(review_round, app, journey.experts[0])
    assert Notification.objects.filter(recipient=journey.experts[0], url=assignment.get_absolute_url()).count() == 1


def test_declared_conflict_withdraws_the_scores_and_asks_staff_for_a_replacement_art9(
    journey, django_capture_on_commit_callbacks,
):
    other_staff = samr_staff()
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    first = journey.experts[0]
    assignment = score(journey.assign(review_round, app, first), 70, submit=False)
    assert assignment.scores.count() == 3
    with pytest.raises(RuleViolation) as exc:
        run_transition(assignment, "declare_conflict", first)  # the reason is required
    assert exc.value.field == "comment"
    with django_capture_on_commit_callbacks(execute=True):
        assignment = run_transition(assignment, "declare_conflict", first, comment="曾参与该申报书编写")
    assert assignment.status == AssignmentStatus.CONFLICT
    assert assignment.declared_at is not None
    assert not Score.objects.filter(assignment=assignment).exists()
    notified = Notification.objects.filter(url=review_round.get_absolute_url())
    assert set(notified.values_list("recipient_id", flat=True)) == {journey.staff.pk, other_staff.pk}
    assert "曾参与该申报书编写" in notified.first().body
    entry = AuditEntry.objects.for_object(assignment).last()
    assert (entry.transition, entry.article, entry.actor) == ("declare_conflict", "Art. 9", first)
    # The expert is no longer suggested; a replacement is.
    suggested = [m.expert for m in services.suggested_experts(review_round, app)]
    assert first not in suggested
    replacement = journey.assign(review_round, app, suggested[0])
    assert replacement.status == AssignmentStatus.ASSIGNED


def test_only_the_assigned_expert_declares(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    assignment = journey.assign(review_round, app, journey.experts[0])
    for user in (journey.experts[1], journey.staff):
        with pytest.raises(PermissionDenied):
            run_transition(assignment, "declare_no_conflict", user)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


# --- scoring ------------------------------------------------------------------------------------------


@pytest.fixture
def accepted(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    assignment = journey.assign(review_round, app, journey.experts[0])
    return run_transition(assignment, "declare_no_conflict", journey.experts[0])


def criteria_of(assignment):
    return list(assignment.round.criteria_set.criteria.order_by("order"))


def test_draft_scores_are_saved_and_replaced(accepted):
    who = accepted.expert
    c1, c2, c3 = criteria_of(accepted)
    services.save_scores(accepted, who, {c1.pk: ("90", "设施先进"), c2.pk: ("", "")}, "初稿")
    assert list(accepted.scores.values_list("criterion_id", "value", "comment")) == [(c1.pk, Decimal("90"), "设施先进")]
    services.save_scores(accepted, who, {c1.pk: (85.5, ""), c2.pk: (70, ""), c3.pk: (60, "")}, "定稿")
    accepted.refresh_from_db()
    assert accepted.overall_comment == "定稿"
    assert dict(accepted.scores.values_list("criterion_id", "value")) == {
        c1.pk: Decimal("85.5"), c2.pk: Decimal("70"), c3.pk: Decimal("60")}
    # 85.5 × 40% + 70 × 30% + 60 × 30%
    assert accepted.weighted_total == Decimal("73.2")


@pytest.mark.parametrize("bad", [101, "100.01", -1, "abc", "NaN", "Infinity"])
def test_scores_outside_0_to_100_are_refused_and_nothing_is_saved(accepted, bad):
    c1, c2, _ = criteria_of(accepted)
    with pytest.raises(RuleViolation) as exc:
        services.save_scores(accepted, accepted.expert, {c1.pk: (80, ""), c2.pk: (bad, "")})
    assert exc.value.field == f"criterion_{c2.pk}"
    assert not accepted.scores.exists()


def test_scores_at_0_and_100_are_accepted(accepted):
    c1, c2, _ = criteria_of(accepted)
    services.save_scores(accepted, accepted.expert, {c1.pk: (0, ""), c2.pk: (100, "")})
    assert sorted(accepted.scores.values_list("value", flat=True)) == [Decimal(0), Decimal(100)]


def test_criterion_of_another_set_is_refused(accepted):
    foreign = Criterion.objects.exclude(criteria_set=accepted.round.criteria_set).first()
    with pytest.raises(RuleViolation) as exc:
        services.save_scores(accepted, accepted.expert, {foreign.pk: (80, "")})
    assert exc.value.field == "scores"


def test_only_the_assigned_expert_scores(journey, accepted):
    c1 = criteria_of(accepted)[0]
    for user in (journey.experts[1], journey.staff):
        with pytest.raises(PermissionDenied):
            services.save_scores(accepted, user, {c1.pk: (80, "")})
    assert not accepted.scores.exists()


def test_no_scoring_before_declaring_no_conflict_art9(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    assignment = journey.assign(review_round, app, journey.experts[0])
    with pytest.raises(RuleViolation):
        services.save_scores(assignment, assignment.expert, {criteria_of(assignment)[0].pk: (80, "")})
    assert not assignment.scores.exists()


def test_submitting_with_a_missing_criterion_is_refused(accepted):
    c1, c2, c3 = criteria_of(accepted)
    services.save_scores(accepted, accepted.expert, {c1.pk: (80, ""), c2.pk: (80, "")})
    with pytest.raises(RuleViolation) as exc:
        run_transition(accepted, "submit_scores", accepted.expert)
    assert exc.value.field == "scores"
    assert c3.title in exc.value.rule_message
    accepted.refresh_from_db()
    assert accepted.status == AssignmentStatus.ACCEPTED and accepted.submitted_at is None
    services.save_scores(accepted, accepted.expert, {c3.pk: (80, "")})
    accepted = run_transition(accepted, "submit_scores", accepted.expert)
    assert accepted.status == AssignmentStatus.SUBMITTED and accepted.submitted_at is not None


def test_submitted_scores_cannot_be_changed(accepted):
    values = {c.pk: (80, "") for c in criteria_of(accepted)}
    services.save_scores(accepted, accepted.expert, values)
    accepted = run_transition(accepted, "submit_scores", accepted.expert)
    with pytest.raises(RuleViolation):
        services.save_scores(accepted, accepted.expert, {criteria_of(accepted)[0].pk: (10, "")})
    assert set(accepted.scores.values_list("value", flat=True)) == {Decimal(80)}


# --- blind scoring --------------------------------------------------------------------------------------


def test_blind_scoring_an_expert_sees_others_scores_only_after_submitting_art13(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    expert_a, expert_b, expert_c = journey.experts[:3]
    b = score(journey.assign(review_round, app, expert_b), 90)  # submitted
    a = score(journey.assign(review_round, app, expert_a), 70, submit=False)  # draft
    c = score(journey.assign(review_round, app, expert_c), 50, submit=False)  # draft

    def seen_by(user):
        return set(Score.objects.visible_to(user).values_list("assignment_id", flat=True))

    assert seen_by(expert_a) == {a.pk}
    assert seen_by(expert_b) == {b.pk}  # b submitted; nobody else has
    a = run_transition(a, "submit_scores", expert_a)
    assert seen_by(expert_a) == {a.pk, b.pk}  # c's draft stays private
    assert seen_by(expert_c) == {c.pk}
    assert seen_by(journey.staff) == {a.pk, b.pk, c.pk}
    assert seen_by(applicant_of(app.host)) == set()
    assert seen_by(recommender_of(provincial_body("provincial_samr", app.host.province))) == set()


def test_blind_scoring_is_per_application(journey):
    app1, app2 = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.open_round([app1, app2])
    expert_a, expert_b = journey.experts[:2]
    score(journey.assign(review_round, app1, expert_a), 70)  # a submitted on app1 only
    b1 = score(journey.assign(review_round, app1, expert_b), 80)
    b2 = score(journey.assign(review_round, app2, expert_b), 85)
    score(journey.assign(review_round, app2, expert_a), 60, submit=False)
    seen = set(Score.objects.visible_to(expert_a).values_list("assignment_id", flat=True))
    assert b1.pk in seen and b2.pk not in seen


def test_assignment_visible_to(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    expert_a, expert_b = journey.experts[:2]
    a = journey.assign(review_round, app, expert_a)
    b = journey.assign(review_round, app, expert_b)
    assert list(Assignment.objects.visible_to(expert_a)) == [a]
    assert set(Assignment.objects.visible_to(journey.staff)) == {a, b}
    assert not Assignment.objects.visible_to(applicant_of(app.host)).exists()


# --- the aggregate ----------------------------------------------------------------------------------------


def test_aggregate_mean_spread_count_deviation_and_ranking_art13(journey):
    app1, app2 = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.open_round([app1, app2])
    e = journey.experts
    for expert_user, value in zip(e[:3], (80, 82, 60)):
        score(journey.assign(review_round, app1, expert_user), value)
    for expert_user, value in zip(e[3:5], (86, 84)):
        score(journey.assign(review_round, app2, expert_user), value)
    journey.assign(review_round, app2, e[5])  # not yet declared
    score(journey.assign(review_round, app2, e[6]), 10, submit=False)  # a draft does not count

    first, second = services.round_results(review_round)
    assert (first.application, first.rank, second.application, second.rank) == (app2, 1, app1, 2)

    assert second.count == 3
    assert second.mean == Decimal("74.00")
    assert second.spread == Decimal("22.00")
    totals = {t.assignment.expert.pk: (t.total, t.deviates) for t in second.totals}
    # 60 is 21 points from the others' mean 81; 80 is 9 from 71, 82 is 12 from 70.
    assert totals == {e[0].pk: (Decimal("80.00"), False), e[1].pk: (Decimal("82.00"), False),
                      e[2].pk: (Decimal("60.00"), True)}
    assert {str(t.assignment.expert) for t in second.totals} == {str(expert) for expert in e[:3]}  # named as users are
    assert second.flagged and second.pending == 0
    assert second.stdev == Decimal("9.93")

    assert (first.count, first.mean, first.spread, first.pending, first.flagged) == (
        2, Decimal("85.00"), Decimal("2.00"), 2, False)


def test_aggregate_uses_the_weights(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    assignment = journey.assign(review_round, app, journey.experts[0])
    assignment = run_transition(assignment, "declare_no_conflict", assignment.expert)
    c1, c2, c3 = criteria_of(assignment)  # weights 40, 30, 30
    services.save_scores(assignment, assignment.expert, {c1.pk: (100, ""), c2.pk: (50, ""), c3.pk: (70, "")})
    run_transition(assignment, "submit_scores", assignment.expert)
    (result,) = services.round_results(review_round)
    assert result.mean == Decimal("76.00")  # 40 + 15 + 21
    assert result.spread == Decimal("0.00") and not result.flagged


def test_aggregate_of_an_unscored_application_is_unranked(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    journey.assign(review_round, app, journey.experts[0])
    (result,) = services.round_results(review_round)
    assert (result.count, result.mean, result.spread, result.rank, result.pending) == (0, None, None, None, 1)


def test_aggregate_query_count_does_not_grow_with_the_round(journey, django_assert_max_num_queries):
    apps = [journey.formal_review_passed() for _ in range(3)]
    review_round = journey.scored_round(apps, values=(70, 80, 90))
    with django_assert_max_num_queries(4):  # entries, the criteria's weights, assignments with their sums, experts
        ranked = services.rank_round(review_round)
        assert [r.count for r in ranked] == [3, 3, 3]
        assert all(r.application.host for r in ranked)  # the host's name, read as a value
    with django_assert_max_num_queries(5):  # and the entries as models, with their applications and hosts
        results = services.round_results(review_round)
        assert [r.count for r in results] == [3, 3, 3]
        assert all(r.application.host.name for r in results)


# --- concluding the round ----------------------------------------------------------------------------------


@pytest.fixture
def scored(journey):
    app1, app2 = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.scored_round([app1, app2], values=(80, 82))
    return review_round, app1, app2


def statuses(*apps):
    for app in apps:
        app.refresh_from_db()
    return [app.status for app in apps]


def test_conclude_needs_a_decision_for_every_application_art13(journey, scored):
    review_round, app1, app2 = scored
    with pytest.raises(RuleViolation) as exc:
        journey.conclude(review_round, {app1.pk: ("advance", "")})
    assert (exc.value.field, exc.value.article) == ("decisions", "Art. 13")
    assert str(app2) in exc.value.rule_message
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.OPEN
    assert statuses(app1, app2) == [Status.EXPERT_REVIEW, Status.EXPERT_REVIEW]


def test_conclude_reject_needs_a_reason_and_nothing_is_half_done_art13(journey, scored):
    review_round, app1, app2 = scored
    with pytest.raises(RuleViolation) as exc:
        journey.conclude(review_round, {app1.pk: ("advance", ""), app2.pk: ("reject", "  ")})
    assert (exc.value.field, exc.value.article) == ("decisions", "Art. 13")
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.OPEN
    assert statuses(app1, app2) == [Status.EXPERT_REVIEW, Status.EXPERT_REVIEW]
    assert set(review_round.entries.values_list("outcome", flat=True)) == {RoundEntry.Outcome.PENDING}
    assert not AuditEntry.objects.for_object(app1).filter(transition="advance_to_site_inspection").exists()


def test_conclude_refused_while_the_only_expert_has_not_submitted_even_with_a_reason_art13(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    score(journey.assign(review_round, app, journey.experts[0]), 80, submit=False)
    for reason in ("", "专家因病无法完成评审"):
        with pytest.raises(RuleViolation) as exc:
            run_transition(review_round, "conclude", journey.staff, decisions={app.pk: ("advance", "")}, short_reason=reason)
        assert (exc.value.field, exc.value.article) == ("short_reason", "Art. 13")
    assert statuses(app) == [Status.EXPERT_REVIEW]


def test_conclude_refuses_an_unknown_decision(journey, scored):
    review_round, app1, app2 = scored
    with pytest.raises(RuleViolation):
        journey.conclude(review_round, {app1.pk: ("advance", ""), app2.pk: ("postpone", "")})
    assert statuses(app1, app2) == [Status.EXPERT_REVIEW, Status.EXPERT_REVIEW]


def test_conclude_advances_and_rejects_with_the_reason_in_the_audit_art13(journey, scored):
    review_round, app1, app2 = scored
    review_round = journey.conclude(review_round, {str(app1.pk): ("advance", "综合排名第一"), app2.pk: ("reject", "研究能力不足")})
    assert review_round.status == RoundStatus.CONCLUDED and review_round.concluded_at is not None
    assert statuses(app1, app2) == [Status.SITE_INSPECTION, Status.REJECTED]
    rejection = AuditEntry.objects.for_object(app2).last()
    assert (rejection.transition, rejection.target_state, rejection.comment, rejection.actor, rejection.article) == (
        "reject", "rejected", "研究能力不足", journey.staff, "Art. 13")
    advance = AuditEntry.objects.for_object(app1).last()
    assert (advance.transition, advance.target_state) == ("advance_to_site_inspection", "site_inspection")
    assert dict(review_round.entries.values_list("application_id", "outcome")) == {
        app1.pk: RoundEntry.Outcome.ADVANCED, app2.pk: RoundEntry.Outcome.REJECTED}
    assert review_round.entries.get(application=app2).reason == "研究能力不足"
    # A concluded round takes no more scores or assignments.
    with pytest.raises(TransitionConflict):
        journey.conclude(review_round, {})
    with pytest.raises(RuleViolation):
        journey.assign(review_round, app1, journey.experts[5])


def test_withdrawn_application_needs_no_decision(journey, scored):
    review_round, app1, app2 = scored
    run_transition(app2, "withdraw", applicant_of(app2.host))
    review_round = journey.conclude(review_round, {app1.pk: ("advance", "")})
    assert review_round.status == RoundStatus.CONCLUDED
    assert statuses(app1, app2) == [Status.SITE_INSPECTION, Status.WITHDRAWN]


def test_only_staff_conclude(journey, scored):
    review_round, app1, app2 = scored
    with pytest.raises(PermissionDenied):
        run_transition(review_round, "conclude", journey.experts[0], decisions={app1.pk: ("advance", ""), app2.pk: ("advance", "")})


def test_internal_steps_are_not_bare_actions(journey, scored):
    _, app1, _ = scored
    with pytest.raises(TransitionConflict):
        run_transition(app1, "advance_to_site_inspection", journey.staff)
    assert statuses(app1) == [Status.EXPERT_REVIEW]


# --- site inspection ---------------------------------------------------------------------------------------


def test_site_inspection_pass_moves_to_inspected_art13(journey):
    app = journey.at_site_inspection()
    inspection = services.record_site_inspection(
        app, journey.staff, team="王五、赵六", visited_on=timezone.localdate(), findings="场地与设备与申报一致",
        verdict=SiteInspection.Verdict.PASS,
    )
    assert statuses(app) == [Status.INSPECTED]
    assert inspection.recorded_by == journey.staff and inspection.application == app
    entry = AuditEntry.objects.for_object(app).last()
    assert (entry.transition, entry.target_state, entry.comment) == ("record_inspection", "inspected", "场地与设备与申报一致")


def test_site_inspection_fail_rejects_art13(journey):
    app = journey.inspect(journey.at_site_inspection(), verdict=SiteInspection.Verdict.FAIL, findings="场地面积不实")
    assert app.status == Status.REJECTED
    assert AuditEntry.objects.for_object(app).last().target_state == "rejected"


def test_site_inspection_only_at_that_stage_and_nothing_half_saved(journey):
    app = journey.formal_review_passed()
    with pytest.raises(TransitionConflict):
        journey.inspect(app)
    assert not SiteInspection.objects.exists()
    assert statuses(app) == [Status.FORMAL_REVIEW_PASSED]


def test_site_inspection_only_by_staff(journey):
    app = journey.at_site_inspection()
    with pytest.raises(PermissionDenied):
        services.record_site_inspection(app, applicant_of(app.host), team="某", visited_on=timezone.localdate(),
                                        findings="某", verdict=SiteInspection.Verdict.PASS)
    assert not SiteInspection.objects.exists()


def test_expert_without_an_organisation_is_still_suggested_art9(journey):
    app = journey.formal_review_passed()
    obj = committee(15)
    independent = add_member(obj, UserFactory(role=Role.EXPERT, organisation=None), fields=[app.field])
    add_member(obj)
    journey.committee = activate(obj, journey.staff)
    review_round = journey.open_round([app])
    assert services.suggested_experts(review_round, app)[0].expert == independent
    assert journey.assign(review_round, app, independent).expert == independent


def test_open_round_with_an_application_listed_twice_enters_it_once(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app, app])
    assert list(review_round.entries.values_list("application_id", flat=True)) == [app.pk]
    assert statuses(app) == [Status.EXPERT_REVIEW]


def test_unknown_criterion_key_is_refused(accepted):
    with pytest.raises(RuleViolation) as exc:
        services.save_scores(accepted, accepted.expert, {"not-a-number": (80, "")})
    assert exc.value.field == "scores"
