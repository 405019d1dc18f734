"""The operation and evaluation rules of a laboratory at their edges (Art. 23-27, 31) and who sees a lab:
outputs credit the lab (Art. 23), changes are reported and re-reviewed (Art. 24), a removal for misconduct
is proposed, answered and signed by both ministries (Art. 25), the triennial evaluation and its rectification (Art. 26-27),
and `Laboratory.objects.visible_to` / `public()`. Every lab is built the real way (`labportal.journeys`)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from evaluations import services as lab_services
from evaluations.deadlines import (
    ANNUAL_OPERATION_REPORT,
    CONSTRUCTION_PERIOD,
    EVALUATION_DUE,
    EVALUATION_RECTIFICATION,
)
from evaluations.models import (
    AcceptanceVerdict,
    AnnualReport,
    ChangeKind,
    ChangeReport,
    ChangeStatus,
    EvaluationResult,
    Laboratory,
    LabStatus,
    ProposalGrounds,
    ProposalOutcome,
    ReportOutput,
)
from kernel.deadlines import sweep
from kernel.formatting import format_date
from kernel.models import AuditEntry, Deadline, Notification
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from labportal.journeys import acceptance_criteria, evaluation_criteria
from reviews.models import Assignment, CriteriaSet
from tests.factories import LocalHostFactory, applicant_of, on, samr_staff, with_consortium_member

pytestmark = pytest.mark.django_db
D = datetime.date
UNQUALIFIED, QUALIFIED, EXCELLENT = EvaluationResult.UNQUALIFIED, EvaluationResult.QUALIFIED, EvaluationResult.EXCELLENT


def clock(lab, definition, state=Deadline.State.OPEN):
    return Deadline.objects.for_object(lab).get(kind=definition.code, state=state)


def has_open(lab, definition):
    return Deadline.objects.for_object(lab).open().filter(kind=definition.code).exists()


def audit(obj, transition):
    return list(AuditEntry.objects.for_object(obj).filter(transition=transition).order_by("pk"))


def messages_titled(subject, **values):
    """The notifications titled `subject` (a msgid) filled with `values` (dates formatted), in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {k: format_date(v) if isinstance(v, datetime.date) else v for k, v in values.items()}
        return Notification.objects.filter(subject=translation.gettext(subject) % values)


def operating_since_june_9_2026(journey):
    with on(2026, 6, 9):
        lab = journey.operating()
    assert lab.operation_started_on == D(2026, 6, 9)
    return lab


def evaluated(journey, lab, result, year, month, day):
    with on(year, month, day):
        return journey.evaluation_result(lab, result)


# --- the comprehensive evaluation (Art. 26-28) ----------------------------------------------------


def test_evaluation_clock_runs_every_three_years_from_the_start_of_operation_art26(journey):
    lab = operating_since_june_9_2026(journey)
    assert clock(lab, EVALUATION_DUE).due_date == D(2029, 6, 9)
    lab = evaluated(journey, lab, QUALIFIED, 2029, 4, 20)  # opened after the 90-day reminder, before the due day
    assert lab.status == LabStatus.OPERATING
    assert clock(lab, EVALUATION_DUE, Deadline.State.MET).due_date == D(2029, 6, 9)
    assert clock(lab, EVALUATION_DUE).due_date == D(2032, 6, 9)  # the next cycle, counted from the start
    lab = evaluated(journey, lab, QUALIFIED, 2032, 7, 1)  # a late one
    assert clock(lab, EVALUATION_DUE).due_date == D(2035, 6, 9)


def test_unqualified_gives_six_months_to_rectify_art27(journey, django_capture_on_commit_callbacks):
    lab = operating_since_june_9_2026(journey)
    with django_capture_on_commit_callbacks(execute=True):
        lab = evaluated(journey, lab, UNQUALIFIED, 2026, 7, 1)
    assert lab.status == LabStatus.EVALUATION_RECTIFYING and lab.evaluation_rectified
    assert lab.latest_result == UNQUALIFIED and not lab.is_excellent
    deadline = clock(lab, EVALUATION_RECTIFICATION)
    assert (deadline.due_date, deadline.article) == (D(2027, 1, 1), "Art. 27")
    [recorded] = audit(lab, "record_evaluation_result")
    assert (recorded.target_state, recorded.article) == ("evaluation_rectifying", "Art. 27")
    told = messages_titled("%(name)s: unqualified, rectify by %(due)s", name=lab, due=D(2027, 1, 1))
    assert told.filter(recipient=journey.host_user(lab)).count() == 1
    assert lab in Laboratory.objects.public()  # still listed while it rectifies


def test_unqualified_again_after_rectification_proposes_removal_that_both_ministries_decide_art27(journey):
    lab = operating_since_june_9_2026(journey)
    lab = evaluated(journey, lab, UNQUALIFIED, 2026, 7, 1)
    lab = evaluated(journey, lab, UNQUALIFIED, 2026, 12, 20)
    assert lab.status == LabStatus.DELISTING_PROPOSED  # proposed, not yet removed
    assert lab in Laboratory.objects.public()  # still listed until both ministries decide
    [proposal] = lab.proposals.all()
    assert (proposal.grounds, proposal.article, proposal.resume_status) == (
        ProposalGrounds.UNQUALIFIED_AGAIN, "Art. 27", LabStatus.EVALUATION_RECTIFYING)
    assert audit(lab, "record_evaluation_result")[-1].target_state == "delisting_proposed"
    assert [e.is_reevaluation for e in lab.evaluations.order_by("pk")] == [False, True]
    assert clock(lab, EVALUATION_RECTIFICATION, Deadline.State.MET).due_date == D(2027, 1, 1)

    with on(2026, 12, 28):
        lab = journey.decide(journey.statement(lab))
    assert lab.status == LabStatus.DELISTED
    assert not Deadline.objects.for_object(lab).open().exists()  # no more reports or evaluations due
    assert lab not in Laboratory.objects.public()
    assert lab in Laboratory.objects.visible_to(journey.staff) and lab in Laboratory.objects.visible_to(journey.miit)
    assert lab in Laboratory.objects.visible_to(journey.host_user(lab))  # the host keeps its record
    assert [e.article for e in audit(lab, "sign_delisting")] == ["Art. 27", "Art. 27"]


def test_qualified_after_rectification_returns_to_operation_and_resets_the_count_art27(journey):
    lab = operating_since_june_9_2026(journey)
    lab = evaluated(journey, lab, UNQUALIFIED, 2029, 5, 20)
    lab = evaluated(journey, lab, QUALIFIED, 2029, 11, 10)
    assert lab.status == LabStatus.OPERATING and not lab.evaluation_rectified
    assert clock(lab, EVALUATION_RECTIFICATION, Deadline.State.MET).due_date == D(2029, 11, 20)
    assert clock(lab, EVALUATION_DUE).due_date == D(2032, 6, 9)
    # A later unqualified result is a first one again: rectification, not delisting.
    lab = evaluated(journey, lab, UNQUALIFIED, 2032, 5, 1)
    assert lab.status == LabStatus.EVALUATION_RECTIFYING


def test_lapsed_evaluation_rectification_is_flagged_not_proposed_for_removal_art27(journey):
    """Art. 27 removes a lab only when the re-evaluation after rectification is unqualified again; the lapse of
    the half-year is flagged to the ministries, who re-evaluate."""
    lab = operating_since_june_9_2026(journey)
    lab = evaluated(journey, lab, UNQUALIFIED, 2026, 7, 1)
    with on(2027, 1, 2):
        sweep(as_of=D(2027, 1, 2))
    lab.refresh_from_db()
    assert lab.status == LabStatus.EVALUATION_RECTIFYING
    assert clock(lab, EVALUATION_RECTIFICATION, Deadline.State.MISSED).due_date == D(2027, 1, 1)
    with on(2027, 1, 10):
        lab = journey.evaluation_result(lab, UNQUALIFIED)
    assert lab.status == LabStatus.DELISTING_PROPOSED


def test_excellent_marks_the_lab_until_the_next_result_art28(journey):
    lab = operating_since_june_9_2026(journey)
    lab = evaluated(journey, lab, EXCELLENT, 2029, 6, 1)
    assert lab.status == LabStatus.OPERATING and lab.is_excellent
    assert lab in Laboratory.objects.public()
    lab = evaluated(journey, lab, QUALIFIED, 2032, 6, 1)
    assert not lab.is_excellent


def test_evaluation_round_takes_only_labs_in_operation_art26(journey):
    building = journey.approved()
    with pytest.raises(RuleViolation) as refused:
        journey.evaluation_round([building])
    assert refused.value.article == "Art. 26"


# --- outputs credit the lab (Art. 23) --------------------------------------------------------------


def test_output_not_crediting_the_lab_refuses_the_report_and_nothing_is_saved_art23(journey, english):
    lab = journey.lab_in(LabStatus.OPERATING)
    host_user = journey.host_user(lab)
    outputs = [
        {"kind": ReportOutput.Kind.PAPER, "title": "机器人可靠性评价方法", "credit_line": f"{lab.name_zh}，北京"},
        {"kind": ReportOutput.Kind.SOFTWARE, "title": "Test bench", "credit_line": lab.name_en.upper()},
        {"kind": ReportOutput.Kind.MONOGRAPH, "title": "工业机器人标准化", "credit_line": str(lab.host)},
    ]
    with pytest.raises(RuleViolation) as refused:
        lab_services.submit_annual_report(lab, host_user, AnnualReport.Kind.OPERATION, {"summary": "年度运行情况"}, outputs)
    assert (refused.value.field, refused.value.article) == ("outputs", "Art. 23")
    assert "工业机器人标准化" in refused.value.rule_message and "Test bench" not in refused.value.rule_message
    assert not AnnualReport.objects.exists() and not ReportOutput.objects.exists()
    assert has_open(lab, ANNUAL_OPERATION_REPORT)

    outputs[2]["credit_line"] = f"{lab.host}、{lab.name_zh}"
    report = lab_services.submit_annual_report(lab, host_user, AnnualReport.Kind.OPERATION, {"summary": "年度运行情况"}, outputs)
    assert report.outputs.count() == 3 and all(o.credits_lab() for o in report.outputs.all())
    assert clock(lab, ANNUAL_OPERATION_REPORT, Deadline.State.MET).due_date == report.due_on


# --- changes (Art. 24, 31) -------------------------------------------------------------------------


def test_rename_is_checked_against_the_art31_name_form(journey, english):
    lab = journey.lab_in(LabStatus.OPERATING)
    host_user = journey.host_user(lab)
    for bad_zh in ("新能源检测中心", "国家质量标准实验室", ""):
        with pytest.raises(ValidationError) as refused:
            lab_services.file_change_report(lab, host_user, ChangeKind.RENAME, "更名", bad_zh, "New Energy")
        assert set(refused.value.message_dict) == {"new_name_zh"}
        assert "(Art. 31)" in refused.value.message_dict["new_name_zh"][0]
    with pytest.raises(ValidationError) as refused:
        lab_services.file_change_report(lab, host_user, ChangeKind.RENAME, "更名", "新能源质量国家质量标准实验室",
                                        "State Quality & Standards Laboratory of New Energy")
    assert set(refused.value.message_dict) == {"new_name_en_subject"}
    assert not ChangeReport.objects.exists()


def test_accepted_rename_changes_the_lab_name_art24(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    change = lab_services.file_change_report(lab, journey.host_user(lab), ChangeKind.RENAME, "依托单位调整，实验室更名",
                                             "新能源汽车质量国家质量标准实验室", "New Energy Vehicle Quality")
    with pytest.raises(PermissionDenied):
        run_transition(change, "accept", journey.host_user(lab))
    change = run_transition(change, "accept", journey.staff)
    lab.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED and lab.status == LabStatus.OPERATING
    assert lab.name_zh == "新能源汽车质量国家质量标准实验室"
    assert lab.name_en == "State Quality & Standards Laboratory of New Energy Vehicle Quality"
    assert Laboratory.objects.public().get(pk=lab.pk).name_zh == lab.name_zh
    assert audit(change, "accept")[0].article == "Art. 24"


def test_re_review_of_a_change_opens_a_comprehensive_evaluation_art24(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    change = lab_services.file_change_report(lab, journey.host_user(lab), ChangeKind.DIRECTION, "研究方向调整为新能源汽车")
    with pytest.raises(RuleViolation) as refused:  # the ministries say why
        run_transition(change, "order_re_review", journey.staff)
    assert refused.value.field == "comment"
    change = run_transition(change, "order_re_review", journey.staff, comment="方向调整较大，重新评估")
    lab.refresh_from_db()
    assert change.status == ChangeStatus.RE_REVIEW and lab.status == LabStatus.EVALUATING
    [started] = audit(lab, "start_evaluation")
    assert (started.source_state, started.comment) == ("operating", "方向调整较大，重新评估")
    lab = journey.evaluation_result(lab, QUALIFIED)  # the re-review is scored like any evaluation
    assert lab.status == LabStatus.OPERATING and lab.evaluations.count() == 1
    # ... but it is no triennial evaluation: that one stays due 3 years after the start of operation (Art. 26).
    assert clock(lab, EVALUATION_DUE).due_date == lab.operation_started_on + relativedelta(years=3)


def test_change_of_a_lab_under_construction_is_accepted_not_re_reviewed_art24(journey):
    """A re-review is a comprehensive evaluation, which only a lab in operation has (Art. 26); a lab still being
    built is reviewed at its acceptance (Art. 19)."""
    lab = journey.approved(months_ago=6)
    change = lab_services.file_change_report(lab, journey.host_user(lab), ChangeKind.RESTRUCTURE, "研究单元调整")
    assert {t.name for t in available_transitions(change, journey.staff)} == {"accept"}
    with pytest.raises(TransitionConflict):
        run_transition(change, "order_re_review", journey.staff, comment="需重新评审")
    change.refresh_from_db()
    lab.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED and lab.status == LabStatus.CONSTRUCTION
    assert run_transition(change, "accept", journey.staff).status == ChangeStatus.ACCEPTED


def test_re_review_of_a_lab_already_being_evaluated_keeps_that_evaluation_art24(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    change = lab_services.file_change_report(lab, journey.host_user(lab), ChangeKind.REORGANISE, "与另一实验室重组")
    journey.evaluation_round([lab])
    change = run_transition(change, "order_re_review", journey.staff, comment="在本轮评估中一并评审")
    lab.refresh_from_db()
    assert change.status == ChangeStatus.RE_REVIEW and lab.status == LabStatus.EVALUATING
    assert len(audit(lab, "start_evaluation")) == 1


# --- misconduct (Art. 25): proposed, answered, signed by both ---------------------------------------


def test_removal_for_misconduct_is_proposed_with_a_reason_then_signed_by_samr_and_miit_art25(journey, english):
    lab = journey.lab_in(LabStatus.OPERATING)
    with pytest.raises(RuleViolation) as refused:
        run_transition(lab, "propose_delisting", journey.staff)
    assert (refused.value.field, refused.value.article) == ("comment", "Art. 25")
    with pytest.raises(PermissionDenied):
        run_transition(lab, "propose_delisting", journey.host_user(lab), comment="自查")

    lab = run_transition(lab, "propose_delisting", journey.staff, comment="提供虚假检测数据")
    assert lab.status == LabStatus.DELISTING_PROPOSED and lab in Laboratory.objects.public()
    assert has_open(lab, EVALUATION_DUE) and has_open(lab, ANNUAL_OPERATION_REPORT)
    with pytest.raises(TransitionConflict):  # not before the host has answered or its time has passed
        run_transition(lab, "sign_delisting", journey.miit, comment="同意")

    lab = journey.statement(lab, "数据系外包单位误报，已整改。")
    lab = run_transition(lab, "sign_delisting", journey.staff, comment="核实无误")
    assert lab.status == LabStatus.DELISTING_PROPOSED  # one ministry's signature decides nothing
    for not_again in (samr_staff(), journey.host_user(lab)):
        with pytest.raises(PermissionDenied):
            run_transition(lab, "sign_delisting", not_again, comment="同上")

    lab = run_transition(lab, "sign_delisting", journey.miit, comment="同意，数据造假情节严重")
    assert lab.status == LabStatus.DELISTED
    assert not Deadline.objects.for_object(lab).open().exists()
    assert lab not in Laboratory.objects.public() and lab in Laboratory.objects.visible_to(journey.staff)
    entries = audit(lab, "sign_delisting")
    assert [(e.source_state, e.target_state, e.article, e.actor) for e in entries] == [
        ("delisting_proposed", "delisting_proposed", "Art. 25", journey.staff),
        ("delisting_proposed", "delisted", "Art. 25", journey.miit)]
    assert [e.comment for e in entries] == ["核实无误", "同意，数据造假情节严重"]
    assert lab.proposals.get().outcome == ProposalOutcome.DECIDED
    with pytest.raises(TransitionConflict):
        run_transition(lab, "propose_delisting", samr_staff(), comment="再次")


def test_removal_proposed_during_construction_keeps_its_clocks_until_decided_art25(journey):
    with on(2025, 1, 10):
        lab = journey.approved()
    with on(2025, 6, 2):
        lab = journey.delist(lab, "申报材料虚假")
    assert lab.status == LabStatus.DELISTED
    assert not Deadline.objects.for_object(lab).open().exists()
    with on(2027, 3, 1):
        sweep(as_of=D(2027, 3, 1))  # past the construction end: it no longer applies
    assert Deadline.objects.for_object(lab).get(kind=CONSTRUCTION_PERIOD.code).state == Deadline.State.CANCELLED


# --- who sees a lab --------------------------------------------------------------------------------


def visible(user, lab):
    return Laboratory.objects.visible_to(user).filter(pk=lab.pk).exists()


def test_host_users_see_their_own_lab_only(journey):
    mine, theirs = journey.approved(), journey.lab_in(LabStatus.OPERATING)
    me = applicant_of(mine.host)
    assert visible(me, mine) and not visible(me, theirs)
    assert list(Laboratory.objects.visible_to(me)) == [mine]
    me.is_active = False
    me.save()
    assert not Laboratory.objects.visible_to(me).exists()


def test_consortium_members_users_see_the_lab(journey):
    partner = LocalHostFactory()
    app = journey.recommended()
    with_consortium_member(app, partner)
    lab, other = journey.approved(app=app), journey.approved()
    partner_user = applicant_of(partner)
    assert visible(partner_user, lab) and not visible(partner_user, other)


def test_anonymous_sees_no_lab_but_the_public_directory(journey):
    lab = journey.approved()
    assert not Laboratory.objects.visible_to(AnonymousUser()).exists()
    assert lab in Laboratory.objects.public()


def test_expert_sees_a_lab_only_while_assigned_to_its_acceptance_or_evaluation(journey):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_REVIEW)
    application_reviewer = Assignment.objects.get(
        application=lab.application, round__criteria_set__purpose=CriteriaSet.Purpose.APPLICATION).expert
    assert not visible(application_reviewer, lab)  # the application's review does not open the lab

    review_round = lab_services.open_lab_round("验收评议", journey.committee, acceptance_criteria(), [lab], journey.staff)
    reviewer, conflicted, withdrawn = journey.experts[1:4]
    assignment = journey.assign(review_round, lab.application, reviewer)
    assert not visible(reviewer, lab)  # not before declaring no conflict
    run_transition(assignment, "declare_no_conflict", reviewer)
    assert visible(reviewer, lab)
    conflict = journey.assign(review_round, lab.application, conflicted)
    run_transition(conflict, "declare_conflict", conflicted, comment="曾在依托单位任职")
    assert not visible(conflicted, lab)
    dropped = journey.assign(review_round, lab.application, withdrawn)
    run_transition(dropped, "declare_no_conflict", withdrawn)
    run_transition(dropped, "withdraw", journey.staff)
    assert not visible(withdrawn, lab)
    assert not visible(journey.experts[4], lab)  # a committee member not assigned

    other = journey.lab_in(LabStatus.OPERATING)
    assert not visible(reviewer, other)
    evaluation = lab_services.open_lab_round("综合评价", journey.committee, evaluation_criteria(), [other], journey.staff)
    run_transition(journey.assign(evaluation, other.application, journey.experts[5]), "declare_no_conflict", journey.experts[5])
    assert visible(journey.experts[5], other) and not visible(journey.experts[5], lab)


def test_notifications_are_written_in_the_portal_language_whatever_the_actor_browses_in(
        journey, django_capture_on_commit_callbacks):
    """A ministry officer browsing in English still notifies a Chinese host in Chinese."""
    lab = journey.approved(months_ago=24)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        lab = journey.apply_for_acceptance(lab)
        journey.acceptance_verdict(lab, AcceptanceVerdict.PASS)
    with translation.override("zh-hans"):
        chinese = translation.gettext("%(name)s: passed acceptance") % {"name": lab}
    with translation.override("en"):
        assert translation.gettext("%(name)s: passed acceptance") % {"name": lab} != chinese
    assert Notification.objects.get(recipient=journey.host_user(lab), subject=chinese).body.startswith("验收专家组")
