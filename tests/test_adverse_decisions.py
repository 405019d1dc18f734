"""Decisions that end a laboratory (Art. 18, 19, 25, 27) at their edges: the host's written statement period
counted in working days, the ministries' signatures only once it is heard, a withdrawal voiding the signatures
given, who is told what, and the migration of a removal one ministry had signed under the old rule; the refusal
of an acceptance confirmation (Art. 19); a period ending on a rest day running to the next working day (Civil
Code Art. 203)."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from accounts.models import Role, User
from evaluations import services as lab_services
from evaluations.deadlines import STATEMENT_WINDOW
from evaluations.models import (
    CONFIRM_ACCEPTANCE,
    DELIST,
    EvaluationResult,
    Laboratory,
    LabStatus,
    ProposalGrounds,
    ProposalOutcome,
)
from evaluations.progress import staff_action
from kernel.deadlines import sweep
from kernel.formatting import format_date
from kernel.models import AuditEntry, Deadline, Notification, SignOff
from kernel.rules import RuleViolation
from kernel.signoffs import signoffs
from kernel.transitions import TransitionConflict, run_transition
from kernel.workdays import add_working_days, is_working_day, working_days_between
from labportal.journeys import evaluation_criteria
from reviews.models import CriteriaSet, Criterion, EvaluationDimension
from tests.factories import on

pytestmark = pytest.mark.django_db
D = datetime.date


def operating_lab(journey):
    with on(2025, 6, 2):
        return journey.lab_in(LabStatus.OPERATING)


def proposed_on(journey, day, lab=None):
    lab = lab or operating_lab(journey)
    with on(day.year, day.month, day.day):
        return run_transition(lab, "propose_delisting", journey.staff, comment="提供虚假材料")


def test_statement_period_is_counted_in_working_days_over_a_holiday_art25(journey):
    lab = proposed_on(journey, D(2026, 4, 28))  # the Labour Day holiday (1-5 May 2026) lies in the period
    proposal = lab.proposals.get()
    assert proposal.statement_due == add_working_days(D(2026, 4, 28), settings.ADVERSE_STATEMENT_WORKING_DAYS).date
    assert is_working_day(proposal.statement_due)
    assert working_days_between(D(2026, 4, 28), [proposal.statement_due])[proposal.statement_due] == 10
    assert (proposal.statement_due - D(2026, 4, 28)).days > 14  # more than two calendar weeks, for the holiday
    window = Deadline.objects.for_object(lab).get(kind=STATEMENT_WINDOW.code)
    assert (window.due_date, window.state) == (proposal.statement_due, Deadline.State.OPEN)


def test_statement_accepted_on_its_last_day_refused_the_day_after_art25(journey):
    lab = proposed_on(journey, D(2026, 3, 2))
    due = lab.proposals.get().statement_due
    late = proposed_on(journey, D(2026, 3, 2))
    with on(due.year, due.month, due.day):
        lab = journey.statement(lab, "最后一日提交。")
    assert lab.proposals.get().statement_at is not None
    assert Deadline.objects.for_object(lab).get(kind=STATEMENT_WINDOW.code).state == Deadline.State.MET
    after = due + datetime.timedelta(days=1)
    with on(after.year, after.month, after.day), pytest.raises(RuleViolation) as refused:
        journey.statement(late, "逾期提交。")
    assert (refused.value.field, refused.value.article) == ("statement", "Art. 25")
    assert late.proposals.get().statement_at is None


def test_ministries_sign_only_after_the_statement_or_its_period_art25(journey):
    lab = proposed_on(journey, D(2026, 3, 2))
    due = lab.proposals.get().statement_due
    with on(due.year, due.month, due.day), pytest.raises(TransitionConflict):  # the host may still answer today
        run_transition(lab, "sign_delisting", journey.staff, comment="同意")
    after = due + datetime.timedelta(days=1)
    with on(after.year, after.month, after.day):
        lab = run_transition(lab, "sign_delisting", journey.staff, comment="未陈述，同意")
        lab = run_transition(lab, "sign_delisting", journey.miit, comment="同意")
    assert lab.status == LabStatus.DELISTED and lab.proposals.get().statement == ""


def test_withdrawal_voids_the_signatures_and_a_new_proposal_needs_both_again_art25(journey):
    lab = journey.statement(proposed_on(journey, D(2026, 3, 2)), on=D(2026, 3, 3))
    with on(2026, 3, 3):
        lab = run_transition(lab, "sign_delisting", journey.staff, comment="同意")
        with pytest.raises(RuleViolation):
            run_transition(lab, "withdraw_proposal", journey.miit)  # a reason is required
        lab = run_transition(lab, "withdraw_proposal", journey.miit, comment="证据不足，撤回")
    assert lab.status == LabStatus.OPERATING and lab in Laboratory.objects.public()
    assert not signoffs(lab, DELIST).exists()
    assert lab.proposals.get().outcome == ProposalOutcome.WITHDRAWN
    assert Deadline.objects.for_object(lab).get(kind=STATEMENT_WINDOW.code).state == Deadline.State.MET

    lab = journey.statement(proposed_on(journey, D(2026, 4, 1), lab), on=D(2026, 4, 1))
    with on(2026, 4, 2):
        lab = run_transition(lab, "sign_delisting", journey.staff, comment="补充证据后同意")  # SAMR signs anew
        assert lab.status == LabStatus.DELISTING_PROPOSED
        lab = run_transition(lab, "sign_delisting", journey.miit, comment="同意")
    assert lab.status == LabStatus.DELISTED
    assert [p.outcome for p in lab.proposals.order_by("pk")] == [ProposalOutcome.WITHDRAWN, ProposalOutcome.DECIDED]


def test_host_is_told_the_proposal_and_its_deadline_and_ministries_hear_of_the_statement_art25(
        journey, django_capture_on_commit_callbacks):
    lab = operating_lab(journey)
    host = journey.host_user(lab)
    with django_capture_on_commit_callbacks(execute=True):
        lab = proposed_on(journey, D(2026, 3, 2), lab)
    due = lab.proposals.get().statement_due
    [told] = Notification.objects.filter(recipient=host)
    with translation.override(settings.LANGUAGE_CODE):
        assert format_date(due) in told.body and "提供虚假材料" in told.body
    assert Notification.objects.filter(recipient=journey.miit).count() == 1  # the other ministry hears of it too
    with django_capture_on_commit_callbacks(execute=True):
        journey.statement(lab, "我单位陈述如下。", on=D(2026, 3, 3))
    assert Notification.objects.filter(recipient=journey.miit).count() == 2
    assert not Notification.objects.filter(recipient=host).exclude(pk=told.pk).exists()  # no receipt to the host


def test_a_removal_one_ministry_signed_under_the_old_rule_becomes_a_proposal_open_to_the_host_art25(journey):
    lab = operating_lab(journey)
    SignOff.objects.create(content_type=ContentType.objects.get_for_model(lab), object_id=lab.pk, decision=DELIST,
                           ministry="samr", signed_by=journey.staff, comment="提供虚假材料")
    migration = importlib.import_module("evaluations.migrations.0005_half_signed_removals_become_proposals")
    migration.forwards(apps, None)
    lab.refresh_from_db()
    assert lab.status == LabStatus.DELISTING_PROPOSED
    proposal = lab.proposals.get()
    assert (proposal.grounds, proposal.reason, proposal.proposed_by, proposal.resume_status) == (
        ProposalGrounds.MISCONDUCT, "提供虚假材料", journey.staff, LabStatus.OPERATING)
    assert not signoffs(lab, DELIST).exists()  # both sign afresh, after the host's statement
    assert proposal.accepts_statement()
    [entry] = AuditEntry.objects.for_object(lab).filter(transition="propose_delisting")
    assert (entry.source_state, entry.target_state, entry.actor, entry.article) == (
        "operating", "delisting_proposed", journey.staff, "Art. 25")


# --- Art. 19: either ministry may refuse to confirm an acceptance ---------------------------------------


def test_either_ministry_may_refuse_to_confirm_an_acceptance_with_a_reason_art19(journey, english):
    with on(2026, 3, 2):
        lab = journey.lab_in(LabStatus.ACCEPTANCE_CONFIRMATION)
        lab = run_transition(lab, "confirm_acceptance", journey.staff, comment="确认")
        with pytest.raises(RuleViolation) as refused:
            run_transition(lab, "refuse_acceptance", journey.miit)
        assert (refused.value.field, refused.value.article) == ("comment", "Art. 19")
        lab = run_transition(lab, "refuse_acceptance", journey.miit, comment="验收报告与建设计划目标不符，请专家复议")
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW  # back to the expert committee
    assert not signoffs(lab, CONFIRM_ACCEPTANCE).exists()  # a new pass needs both confirmations again
    assert staff_action(lab, journey.staff)[0] == "Open an acceptance round"


def test_a_confirmed_acceptance_can_no_longer_be_refused_art19(journey):
    with on(2026, 3, 2):
        lab = journey.confirm_acceptance(journey.lab_in(LabStatus.ACCEPTANCE_CONFIRMATION))
        assert lab.acceptance_confirmed
        with pytest.raises(TransitionConflict):
            run_transition(lab, "refuse_acceptance", journey.miit, comment="再议")


# --- Civil Code Art. 203: a period ending on a rest day runs to the next working day -------------------------


def test_rectification_ending_on_a_holiday_runs_to_the_next_working_day_before_termination_is_proposed_art19(journey):
    with on(2026, 4, 1):
        lab = journey.lab_in(LabStatus.RECTIFYING)  # six months: to 1 October 2026, National Day
    window = Deadline.objects.for_object(lab).get(kind="laboratory.acceptance_rectification")
    assert window.due_date == D(2026, 10, 1) and not is_working_day(window.due_date)
    next_working = window.due_date + datetime.timedelta(days=1)
    while not is_working_day(next_working):
        next_working += datetime.timedelta(days=1)
    day = window.due_date + datetime.timedelta(days=1)
    while day <= next_working:  # through the holiday and the whole next working day: still running
        with on(day.year, day.month, day.day):
            sweep(as_of=day)
        lab.refresh_from_db()
        assert lab.status == LabStatus.RECTIFYING, day
        day += datetime.timedelta(days=1)
    with on(day.year, day.month, day.day):
        sweep(as_of=day)
    lab.refresh_from_db()
    assert lab.status == LabStatus.TERMINATION_PROPOSED
    window.refresh_from_db()
    assert window.state == Deadline.State.MISSED


def test_a_period_ending_on_a_working_day_lapses_the_day_after_art19(journey):
    with on(2026, 3, 2):
        lab = journey.lab_in(LabStatus.RECTIFYING)  # to 2 September 2026, a Wednesday
    with on(2026, 9, 2):
        sweep(as_of=D(2026, 9, 2))
    lab.refresh_from_db()
    assert lab.status == LabStatus.RECTIFYING
    with on(2026, 9, 3):
        sweep(as_of=D(2026, 9, 3))
    lab.refresh_from_db()
    assert lab.status == LabStatus.TERMINATION_PROPOSED


# --- Art. 26-27: the four dimensions, the unqualified result told to the parties ------------------------------


def test_evaluation_round_needs_a_criterion_for_each_of_the_four_dimensions_art26(journey, english):
    with on(2025, 6, 2):
        lab = journey.lab_in(LabStatus.OPERATING)
    partial = CriteriaSet.objects.create(name="缺一维度", purpose=CriteriaSet.Purpose.EVALUATION)
    for order, (dimension, weight) in enumerate((("research", 40), ("team", 30), ("openness", 30)), 1):
        Criterion.objects.create(criteria_set=partial, title=dimension, dimension=dimension, weight=weight, order=order)
    with on(2026, 3, 2), pytest.raises(RuleViolation) as refused:
        lab_services.open_lab_round("综合评价", journey.committee, partial, [lab], journey.staff)
    assert (refused.value.field, refused.value.article) == ("criteria_set", "Art. 26")
    assert "Contribution to quality and standards" in str(refused.value)
    Criterion.objects.filter(criteria_set=partial, dimension="openness").update(weight=10)
    Criterion.objects.create(criteria_set=partial, title="贡献", dimension="contribution", weight=20, order=4)
    with on(2026, 3, 2):
        review_round = lab_services.open_lab_round("综合评价", journey.committee, partial, [lab], journey.staff)
    assert review_round.entries.count() == 1
    default = evaluation_criteria()
    assert set(default.criteria.values_list("dimension", flat=True)) == set(EvaluationDimension.values)


def test_unqualified_result_is_told_to_the_recommenders_and_both_ministries_art27(journey,
                                                                                   django_capture_on_commit_callbacks):
    with on(2025, 6, 2):
        lab = journey.lab_in(LabStatus.OPERATING)
    with on(2026, 3, 2), django_capture_on_commit_callbacks(execute=True):
        lab = journey.evaluation_result(lab, EvaluationResult.UNQUALIFIED)
    recommenders = list(User.objects.filter(role=Role.RECOMMENDER, is_active=True,
                                            organisation__preliminary_reviews__application=lab.application).distinct())
    assert recommenders
    for party in (*recommenders, journey.miit, journey.host_user(lab)):
        assert Notification.objects.filter(recipient=party, url=lab.get_absolute_url()).exists(), party
