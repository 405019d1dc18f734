"""The construction and acceptance rules of a laboratory at their edges (Art. 18-19): the extension's
cut-off day, length and uniqueness; the lapse of the (extended) construction period and of the
rectification window through the deadline sweep, applied exactly once; the annual construction
report on each anniversary; the acceptance verdicts, the two ministries' confirmations and the
acceptance publicity. Every lab is built the real way (`labportal.journeys`)."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db.models import Q
from django.utils import translation

from accounts.models import Role, User
from evaluations import services as lab_services
from evaluations.deadlines import (
    ACCEPTANCE_RECTIFICATION,
    ANNUAL_CONSTRUCTION_REPORT,
    ANNUAL_OPERATION_REPORT,
    CONSTRUCTION_PERIOD,
    EVALUATION_DUE,
    EXTENSION_CUTOFF,
    STATEMENT_WINDOW,
)
from evaluations.models import (
    AcceptanceVerdict,
    AnnualReport,
    ExtensionRequest,
    ExtensionStatus,
    LabStatus,
    ProposalGrounds,
    ProposalKind,
    ProposalOutcome,
)
from kernel.deadlines import sweep
from kernel.formatting import format_date
from kernel.models import AuditEntry, Deadline, Notification, ReminderSent
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from reviews.models import Objection
from reviews.services import lodge_objection
from tests.factories import applicant_of, on, samr_staff

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def sweep_on(django_capture_on_commit_callbacks):
    """Run the deadline sweep on a date (the clock set to that day too), with its after-commit mail."""
    def run(day):
        with on(day.year, day.month, day.day), django_capture_on_commit_callbacks(execute=True):
            return sweep(as_of=day)
    return run


def clock(lab, definition, state=Deadline.State.OPEN):
    """The lab's deadline of `definition` in `state` (exactly one)."""
    return Deadline.objects.for_object(lab).get(kind=definition.code, state=state)


def has_open(lab, definition):
    return Deadline.objects.for_object(lab).open().filter(kind=definition.code).exists()


def audit(lab, transition):
    return list(AuditEntry.objects.for_object(lab).filter(transition=transition).order_by("pk"))


def messages_titled(subject, **values):
    """The notifications titled `subject` (a msgid) filled with `values` (dates formatted), in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {k: format_date(v) if isinstance(v, datetime.date) else v for k, v in values.items()}
        return Notification.objects.filter(subject=translation.gettext(subject) % values)


def approved_on_jan_10_2025(journey):
    """Construction ends 2027-01-10; the last day to request an extension is 2026-10-10."""
    with on(2025, 1, 10):
        return journey.approved()


# --- extension (Art. 18) -------------------------------------------------------------------------


def test_construction_period_is_24_months_with_its_clocks_art18(journey):
    lab = approved_on_jan_10_2025(journey)
    assert (lab.construction_start, lab.construction_end) == (D(2025, 1, 10), D(2027, 1, 10))
    assert clock(lab, CONSTRUCTION_PERIOD).due_date == D(2027, 1, 10)
    assert clock(lab, EXTENSION_CUTOFF).due_date == D(2026, 10, 10)
    assert clock(lab, CONSTRUCTION_PERIOD).article == "Art. 18"


def test_extension_filed_on_the_cutoff_day_is_accepted_art18(journey):
    lab = approved_on_jan_10_2025(journey)
    host_user = journey.host_user(lab)
    with on(2026, 10, 10):
        request = lab_services.file_extension_request(lab, host_user, 12, "关键设备到货延迟")
    assert (request.months, request.filed_on, request.status) == (12, D(2026, 10, 10), ExtensionStatus.REQUESTED)


def test_extension_filed_the_day_after_the_cutoff_is_refused_art18(journey, english):
    lab = approved_on_jan_10_2025(journey)
    with on(2026, 10, 11), pytest.raises(RuleViolation) as refused:
        lab_services.file_extension_request(lab, journey.host_user(lab), 6, "关键设备到货延迟")
    assert refused.value.article == "Art. 18"
    assert "at least 3 months before the construction period ends, that is by 2026-10-10 (Art. 18)" in refused.value.rule_message
    assert refused.value.field is None  # the filing day itself is late: a form-level error, no input to correct
    assert not ExtensionRequest.objects.exists()


def test_extension_of_12_months_accepted_13_refused_on_the_months_field_art18(journey, english):
    lab = journey.approved(months_ago=6)
    host_user = journey.host_user(lab)
    for months in (13, 0):
        with pytest.raises(RuleViolation) as refused:
            lab_services.file_extension_request(lab, host_user, months, "原因")
        assert (refused.value.field, refused.value.article) == ("months", "Art. 18")
        assert refused.value.message_dict == {"months": ["An extension is at most 12 months (Art. 18)."]}
    with pytest.raises(RuleViolation) as refused:
        lab_services.file_extension_request(lab, host_user, 6, "  ")
    assert (refused.value.field, refused.value.article) == ("reason", "Art. 18")
    assert not ExtensionRequest.objects.exists()
    assert lab_services.file_extension_request(lab, host_user, 12, "原因").months == 12


def test_second_extension_refused_once_one_was_granted_art18(journey, english):
    lab = journey.approved(months_ago=6)
    host_user = journey.host_user(lab)
    first = lab_services.file_extension_request(lab, host_user, 3, "原因")
    with pytest.raises(RuleViolation, match="already waiting"):  # one at a time
        lab_services.file_extension_request(lab, host_user, 3, "原因")
    run_transition(first, "refuse", journey.staff, comment="理由不充分")
    second = lab_services.file_extension_request(lab, host_user, 3, "补充说明原因")  # a refusal is no extension
    run_transition(second, "grant", journey.miit)
    lab.refresh_from_db()
    with pytest.raises(RuleViolation) as refused:
        lab_services.file_extension_request(lab, host_user, 1, "仍需时间")
    assert refused.value.article == "Art. 18"
    assert "a second extension is not possible (Art. 18)" in refused.value.rule_message
    assert ExtensionRequest.objects.count() == 2


def test_host_only_files_and_ministry_only_grants_an_extension_art18(journey):
    lab = journey.approved(months_ago=6)
    with pytest.raises(PermissionDenied):
        lab_services.file_extension_request(lab, journey.staff, 3, "原因")
    request = lab_services.file_extension_request(lab, journey.host_user(lab), 3, "原因")
    with pytest.raises(PermissionDenied):
        run_transition(request, "grant", journey.host_user(lab))


def test_granting_moves_the_construction_end_and_its_clocks_art18(journey):
    lab = approved_on_jan_10_2025(journey)
    with on(2026, 10, 10):
        request = lab_services.file_extension_request(lab, journey.host_user(lab), 12, "关键设备到货延迟")
    with on(2026, 10, 20):
        run_transition(request, "grant", journey.staff)
    lab.refresh_from_db()
    assert lab.extension_granted and lab.construction_end == D(2028, 1, 10)
    assert clock(lab, CONSTRUCTION_PERIOD).due_date == D(2028, 1, 10)
    assert clock(lab, CONSTRUCTION_PERIOD, Deadline.State.CANCELLED).due_date == D(2027, 1, 10)
    assert not has_open(lab, EXTENSION_CUTOFF)  # no further extension: the cut-off clock is over
    assert clock(lab, EXTENSION_CUTOFF, Deadline.State.MET).due_date == D(2026, 10, 10)
    [granted] = audit(request, "grant")
    assert (granted.article, granted.actor) == ("Art. 18", journey.staff)


def test_extension_filed_in_time_is_not_reported_as_a_missed_cutoff_art18(journey, sweep_on):
    lab = approved_on_jan_10_2025(journey)
    with on(2026, 10, 9):
        lab_services.file_extension_request(lab, journey.host_user(lab), 6, "关键设备到货延迟")
    sweep_on(D(2026, 10, 11))  # the ministries decide after the cut-off day
    assert not Deadline.objects.for_object(lab).filter(kind=EXTENSION_CUTOFF.code, state=Deadline.State.MISSED).exists()


def test_extension_cutoff_passing_without_a_request_closes_quietly_art18(journey, sweep_on):
    """Art. 18 allows an extension; it does not demand one. A lab that never asks is not told it missed anything."""
    lab = approved_on_jan_10_2025(journey)
    host_user = journey.host_user(lab)
    sweep_on(D(2026, 10, 11))
    assert clock(lab, EXTENSION_CUTOFF, Deadline.State.CANCELLED).due_date == D(2026, 10, 10)
    assert not Notification.objects.filter(recipient=host_user, subject__contains=str(EXTENSION_CUTOFF.label)).exists()
    lab.refresh_from_db()
    assert lab.status == LabStatus.CONSTRUCTION
    assert has_open(lab, CONSTRUCTION_PERIOD)


def test_extended_lab_may_apply_for_acceptance_once_the_original_period_is_over_art18(journey):
    """Art. 18: after the 2 years the lab applies for acceptance; the extension is the longest it may take,
    not a wait imposed on a lab that finished early in it."""
    lab = approved_on_jan_10_2025(journey)
    with on(2026, 10, 10):
        request = lab_services.file_extension_request(lab, journey.host_user(lab), 12, "关键设备到货延迟")
        run_transition(request, "grant", journey.staff)
    with on(2027, 3, 1):
        lab = journey.apply_for_acceptance(lab)
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW
    assert clock(lab, CONSTRUCTION_PERIOD, Deadline.State.MET).due_date == D(2028, 1, 10)


def test_acceptance_application_opens_three_months_before_the_end_art18(journey, english):
    lab = approved_on_jan_10_2025(journey)
    with on(2026, 10, 9), pytest.raises(RuleViolation, match="from 2026-10-10"):
        journey.apply_for_acceptance(lab)
    with on(2026, 10, 10):
        assert journey.apply_for_acceptance(lab).status == LabStatus.ACCEPTANCE_REVIEW


# --- the construction period lapses (Art. 18) ------------------------------------------------------


def extended_to_july_10_2027(journey):
    lab = approved_on_jan_10_2025(journey)
    with on(2026, 9, 1):
        request = lab_services.file_extension_request(lab, journey.host_user(lab), 6, "关键设备到货延迟")
    with on(2026, 9, 15):
        run_transition(request, "grant", journey.staff)
    lab.refresh_from_db()
    assert lab.construction_end == D(2027, 7, 10)
    return lab


def test_extended_period_lapsing_without_acceptance_application_proposes_termination_once_art18(
        journey, sweep_on, capsys, django_capture_on_commit_callbacks):
    lab = extended_to_july_10_2027(journey)
    host_user = journey.host_user(lab)
    sweep_on(D(2027, 7, 10))  # due today: not lapsed yet
    sweep_on(D(2027, 7, 12))  # a Saturday's period runs to the end of Monday (Civil Code Art. 203)
    lab.refresh_from_db()
    assert lab.status == LabStatus.CONSTRUCTION

    with on(2027, 7, 13), django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_deadlines", "--as-of", "2027-07-13")
    assert "missed=" in capsys.readouterr().out
    sweep_on(D(2027, 7, 13))  # the same day again
    lab.refresh_from_db()
    assert lab.status == LabStatus.TERMINATION_PROPOSED  # the sweep proposes; it never terminates
    [proposed] = audit(lab, "propose_termination")
    assert (proposed.source_state, proposed.target_state) == ("construction", "termination_proposed")
    assert proposed.article == "Art. 18" and proposed.actor is None
    [proposal] = lab.proposals.all()
    assert (proposal.grounds, proposal.proposed_by, proposal.resume_status) == (
        ProposalGrounds.CONSTRUCTION_LAPSED, None, LabStatus.CONSTRUCTION)
    assert clock(lab, CONSTRUCTION_PERIOD, Deadline.State.MISSED).due_date == D(2027, 7, 10)
    assert clock(lab, STATEMENT_WINDOW).due_date == proposal.statement_due
    told = messages_titled("%(name)s: %(proposal)s proposed", name=lab, proposal=ProposalKind.TERMINATION.label)
    assert told.filter(recipient=host_user).count() == 1 and told.filter(recipient=journey.miit).count() == 1
    assert lab in type(lab).objects.public()  # on the list until both ministries decide

    sweep_on(D(2028, 3, 1))  # much later: still only proposed, never terminated by the sweep
    lab.refresh_from_db()
    assert lab.status == LabStatus.TERMINATION_PROPOSED and not audit(lab, "sign_termination")
    with on(2028, 3, 2), django_capture_on_commit_callbacks(execute=True):
        lab = journey.decide(lab)
    assert lab.status == LabStatus.TERMINATED
    assert not Deadline.objects.for_object(lab).open().exists()  # every clock of the lab stopped
    terminated = messages_titled("%(name)s: construction terminated", name=lab)
    assert terminated.filter(recipient=host_user).count() == 1
    assert lab not in type(lab).objects.public()
    with pytest.raises(TransitionConflict):
        journey.apply_for_acceptance(lab)


def test_acceptance_application_before_the_extended_end_prevents_termination_art18(journey, sweep_on):
    lab = extended_to_july_10_2027(journey)
    with on(2027, 7, 10):
        journey.apply_for_acceptance(lab)
    sweep_on(D(2027, 7, 20))
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW and not audit(lab, "propose_termination")
    assert clock(lab, CONSTRUCTION_PERIOD, Deadline.State.MET).due_date == D(2027, 7, 10)


def test_unextended_period_lapsing_is_shown_overdue_and_staff_may_propose_termination_art18(journey, sweep_on, english):
    """Art. 18 terminates a build that cannot finish after an extension; without one the lapse is recorded as
    missed, told to the host and the ministries, and the lab is shown overdue. Staff may then propose termination;
    not before the period has lapsed."""
    lab = approved_on_jan_10_2025(journey)
    host_user = journey.host_user(lab)
    with on(2027, 1, 10):
        assert "propose_termination" not in {t.name for t in available_transitions(lab, journey.staff)}
        with pytest.raises(TransitionConflict):
            run_transition(lab, "propose_termination", journey.staff, comment="逾期")
    sweep_on(D(2027, 1, 11))
    sweep_on(D(2027, 2, 1))
    lab.refresh_from_db()
    assert lab.status == LabStatus.CONSTRUCTION and not audit(lab, "propose_termination")
    assert clock(lab, CONSTRUCTION_PERIOD, Deadline.State.MISSED).due_date == D(2027, 1, 10)
    with translation.override(settings.LANGUAGE_CODE):
        missed = str(translation.gettext("Deadline missed: %(what)s (%(article)s)")
                     % {"what": CONSTRUCTION_PERIOD.label, "article": "第十八条"})
    for person in (host_user, journey.staff, journey.miit):
        assert Notification.objects.filter(recipient=person, subject=missed).count() == 1
    with on(2027, 2, 1):
        assert lab.status_text == "Under construction, overdue since 2027-01-11 (Art. 18)"
        assert "propose_termination" in {t.name for t in available_transitions(lab, journey.staff)}
        assert "propose_termination" not in {t.name for t in available_transitions(lab, host_user)}
    with on(2027, 2, 2):  # a late application is still possible until the ministries act
        assert journey.apply_for_acceptance(lab).status == LabStatus.ACCEPTANCE_REVIEW


def test_staff_proposal_after_an_unextended_lapse_can_be_withdrawn_back_to_construction_art18(journey, sweep_on):
    lab = approved_on_jan_10_2025(journey)
    sweep_on(D(2027, 1, 12))  # ended Sunday 10 January: lapsed once Monday is over (Civil Code Art. 203)
    with on(2027, 1, 13):
        lab = run_transition(lab, "propose_termination", journey.staff, comment="建设期满未申请验收")
    assert lab.status == LabStatus.TERMINATION_PROPOSED and lab.proposals.get().proposed_by == journey.staff
    with on(2027, 1, 14):
        with pytest.raises(RuleViolation) as refused:
            run_transition(lab, "withdraw_proposal", journey.miit)
        assert refused.value.field == "comment"
        lab = run_transition(lab, "withdraw_proposal", journey.miit, comment="依托单位已提交验收申请材料")
    assert lab.status == LabStatus.CONSTRUCTION
    assert lab.proposals.get().outcome == ProposalOutcome.WITHDRAWN
    assert not has_open(lab, STATEMENT_WINDOW)


def test_reminders_before_the_construction_end_go_to_the_host_and_ministries_once_per_person_art18(journey, sweep_on):
    lab = approved_on_jan_10_2025(journey)  # ends 2027-01-10: reminders 90, 30 and 7 days before
    colleague, other_samr = applicant_of(lab.host), samr_staff()
    outsider = journey.host_user(journey.approved())
    expected = set(User.objects.filter(Q(organisation=lab.host, role=Role.APPLICANT) | Q(role=Role.MINISTRY_STAFF),
                                       is_active=True))
    assert {journey.host_user(lab), colleague, journey.staff, journey.miit, other_samr} <= expected
    period = clock(lab, CONSTRUCTION_PERIOD)

    sweep_on(D(2026, 10, 11))  # 91 days before
    assert not ReminderSent.objects.filter(deadline=period).exists()
    assert sweep_on(D(2026, 10, 12)).reminders == len(expected)  # 90 days before
    assert sweep_on(D(2026, 10, 12)).reminders == 0  # the same day again: nothing twice
    sweep_on(D(2026, 12, 11))  # 30 days before
    sweep_on(D(2026, 12, 20))
    sent = list(ReminderSent.objects.filter(deadline=period).values_list("recipient", "days_before"))
    assert sorted(sent) == sorted((user.pk, days) for user in expected for days in (90, 30))
    assert outsider.pk not in {pk for pk, _ in sent}


# --- annual construction reports (Art. 18) --------------------------------------------------------


REPORT = {"summary": "本年度完成检测平台建设与人员招聘。"}


def test_construction_report_due_on_each_anniversary_and_filing_meets_it_art18(journey):
    lab = approved_on_jan_10_2025(journey)
    assert clock(lab, ANNUAL_CONSTRUCTION_REPORT).due_date == D(2026, 1, 10)
    with on(2025, 12, 20):
        first = lab_services.submit_annual_report(lab, journey.host_user(lab), AnnualReport.Kind.CONSTRUCTION, REPORT)
    assert (first.period, first.due_on) == (1, D(2026, 1, 10))
    assert clock(lab, ANNUAL_CONSTRUCTION_REPORT, Deadline.State.MET).due_date == D(2026, 1, 10)
    assert clock(lab, ANNUAL_CONSTRUCTION_REPORT).due_date == D(2027, 1, 10)  # the next anniversary
    with on(2027, 1, 5):
        second = lab_services.submit_annual_report(lab, journey.host_user(lab), AnnualReport.Kind.CONSTRUCTION, REPORT)
    assert (second.period, second.due_on) == (2, D(2027, 1, 10))
    assert not has_open(lab, ANNUAL_CONSTRUCTION_REPORT)  # the construction period is over
    with pytest.raises(RuleViolation):
        lab_services.submit_annual_report(lab, journey.host_user(lab), AnnualReport.Kind.CONSTRUCTION, REPORT)


def test_missed_construction_report_is_flagged_and_next_years_counts_as_year_two_art18(journey, sweep_on):
    lab = approved_on_jan_10_2025(journey)
    host_user = journey.host_user(lab)
    sweep_on(D(2026, 1, 10))
    assert clock(lab, ANNUAL_CONSTRUCTION_REPORT).due_date == D(2026, 1, 10)  # due today: still open
    sweep_on(D(2026, 1, 12))  # due on a Saturday: it runs to the end of Monday (Civil Code Art. 203)
    assert clock(lab, ANNUAL_CONSTRUCTION_REPORT).due_date == D(2026, 1, 10)
    sweep_on(D(2026, 1, 13))
    assert clock(lab, ANNUAL_CONSTRUCTION_REPORT, Deadline.State.MISSED).due_date == D(2026, 1, 10)
    assert host_user.notifications.filter(url=lab.get_absolute_url()).exists()
    assert clock(lab, ANNUAL_CONSTRUCTION_REPORT).due_date == D(2027, 1, 10)
    with on(2026, 12, 1):
        report = lab_services.submit_annual_report(lab, host_user, AnnualReport.Kind.CONSTRUCTION, REPORT)
    assert (report.period, report.due_on) == (2, D(2027, 1, 10))


def test_operation_reports_keep_the_29_february_anniversary_art26(journey, sweep_on):
    with on(2024, 2, 29):
        lab = journey.operating()
    assert lab.operation_started_on == D(2024, 2, 29)
    assert clock(lab, ANNUAL_OPERATION_REPORT).due_date == D(2025, 2, 28)
    assert clock(lab, EVALUATION_DUE).due_date == D(2027, 2, 28)
    sweep_on(D(2026, 3, 1))  # two reports missed: 2025-02-28 and 2026-02-28
    assert clock(lab, ANNUAL_OPERATION_REPORT).due_date == D(2027, 2, 28)
    with on(2027, 2, 1):
        report = lab_services.submit_annual_report(lab, journey.host_user(lab), AnnualReport.Kind.OPERATION, REPORT)
    assert report.period == 3
    assert clock(lab, ANNUAL_OPERATION_REPORT).due_date == D(2028, 2, 29)  # a leap year again


# --- acceptance (Art. 19) --------------------------------------------------------------------------


def rectifying(journey, year=2026, month=3, day=2):
    with on(year, month, day):
        lab = journey.lab_in(LabStatus.RECTIFYING)
    assert lab.acceptance_rectified
    return lab


def test_rectify_verdict_opens_a_six_month_window_art19(journey):
    lab = rectifying(journey)
    deadline = clock(lab, ACCEPTANCE_RECTIFICATION)
    assert (deadline.due_date, deadline.article) == (D(2026, 9, 2), "Art. 19")
    [verdict] = audit(lab, "record_acceptance_verdict")
    assert (verdict.target_state, verdict.article) == ("rectifying", "Art. 19")


@pytest.mark.parametrize("second", [AcceptanceVerdict.RECTIFY, AcceptanceVerdict.FAIL])
def test_non_pass_after_rectification_proposes_termination_art19(journey, second):
    lab = rectifying(journey)
    with on(2026, 6, 1):
        lab = journey.apply_for_acceptance(lab)
        assert clock(lab, ACCEPTANCE_RECTIFICATION, Deadline.State.MET)  # re-applied within the 6 months
        lab = journey.acceptance_verdict(lab, second)
    assert lab.status == LabStatus.TERMINATION_PROPOSED
    assert audit(lab, "record_acceptance_verdict")[-1].target_state == "termination_proposed"
    proposal = lab.proposals.get()
    assert (proposal.grounds, proposal.article, proposal.proposed_by) == (ProposalGrounds.ACCEPTANCE_FAILED, "Art. 19",
                                                                          journey.staff)
    assert lab.acceptance_applications.first().verdict == second


def test_pass_after_rectification_goes_to_confirmation_art19(journey):
    lab = rectifying(journey)
    with on(2026, 6, 1):
        lab = journey.acceptance_verdict(journey.apply_for_acceptance(lab), AcceptanceVerdict.PASS)
    assert lab.status == LabStatus.ACCEPTANCE_CONFIRMATION and not lab.acceptance_confirmed


def test_first_fail_proposes_termination_at_once_and_withdrawal_returns_to_the_experts_art19(journey):
    with on(2026, 3, 2):
        lab = journey.lab_in(LabStatus.TERMINATION_PROPOSED)
    assert not lab.acceptance_rectified
    with on(2026, 3, 3):
        lab = run_transition(lab, "withdraw_proposal", journey.staff, comment="专家组意见需复核")
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW  # the experts reconsider in a new acceptance round


def test_terminated_after_a_failed_acceptance_stops_every_clock_art19(journey):
    with on(2026, 3, 2):
        lab = journey.lab_in(LabStatus.TERMINATED)
    assert not Deadline.objects.for_object(lab).open().exists()
    assert [e.article for e in audit(lab, "sign_termination")] == ["Art. 19", "Art. 19"]


def test_no_reapplication_within_six_months_of_rectify_proposes_termination_once_art19(journey, sweep_on):
    lab = rectifying(journey)  # window until 2026-09-02
    host_user = journey.host_user(lab)
    sweep_on(D(2026, 9, 2))
    lab.refresh_from_db()
    assert lab.status == LabStatus.RECTIFYING
    sweep_on(D(2026, 9, 3))
    sweep_on(D(2026, 9, 3))
    sweep_on(D(2027, 1, 1))
    lab.refresh_from_db()
    assert lab.status == LabStatus.TERMINATION_PROPOSED
    proposals = [e for e in AuditEntry.objects.for_object(lab) if e.target_state == "termination_proposed"]
    assert len(proposals) == 1
    assert (proposals[0].source_state, proposals[0].article, proposals[0].actor) == ("rectifying", "Art. 19", None)
    assert lab.proposals.get().grounds == ProposalGrounds.RECTIFICATION_LAPSED
    assert clock(lab, ACCEPTANCE_RECTIFICATION, Deadline.State.MISSED).due_date == D(2026, 9, 2)
    told = messages_titled("%(name)s: %(proposal)s proposed", name=lab, proposal=ProposalKind.TERMINATION.label)
    assert told.filter(recipient=host_user).count() == 1


def test_pass_needs_both_samr_and_miit_confirmation_before_publicity_art19(journey, english):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_CONFIRMATION)
    run_transition(lab, "confirm_acceptance", journey.staff)
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_CONFIRMATION and not lab.acceptance_confirmed
    with pytest.raises(RuleViolation) as refused:
        journey.acceptance_notice(lab)
    assert refused.value.article == "Art. 19"
    with pytest.raises(PermissionDenied):  # SAMR once only, whoever signs for it
        run_transition(lab, "confirm_acceptance", samr_staff())
    with pytest.raises(PermissionDenied):
        run_transition(lab, "confirm_acceptance", journey.host_user(lab))
    lab = run_transition(lab, "confirm_acceptance", journey.miit)
    assert lab.acceptance_confirmed
    journey.acceptance_notice(lab)
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_PUBLICITY
    assert [e.article for e in audit(lab, "confirm_acceptance")] == ["Art. 19", "Art. 19"]


def at_publicity_from_june_1_2026(journey):
    """Under acceptance publicity from Monday 2026-06-01 (5 working days after it: objections until 2026-06-08)."""
    with on(2026, 6, 1):
        lab = journey.at_acceptance_publicity(journey.approved(months_ago=24))
    notice = lab.application.publicity_notices.get(subject="acceptance")
    assert (lab.status, notice.ends_on) == (LabStatus.ACCEPTANCE_PUBLICITY, D(2026, 6, 8))
    return lab, notice


def test_sustained_objection_sends_the_acceptance_back_to_review_art19(journey):
    lab, notice = at_publicity_from_june_1_2026(journey)
    with on(2026, 6, 3):
        objection = lodge_objection(Objection(
            notice=notice, application=lab.application, objector_kind=Objection.ObjectorKind.PERSON, name="张三",
            id_number="11010519491231002X", contact="13800000000", grounds="验收材料中的检测能力数据不实。"))
    with on(2026, 6, 9):
        run_transition(objection, "sustain", journey.staff, comment="经核查，数据不实")
        run_transition(notice, "close", journey.staff)
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW and lab.operation_started_on is None
    assert audit(lab, "conclude_acceptance_publicity")[-1].target_state == "acceptance_review"
    assert not has_open(lab, EVALUATION_DUE)

    # The experts review it again; a new pass needs the two ministries' confirmation again.
    with on(2026, 6, 15):
        lab = journey.acceptance_verdict(lab, AcceptanceVerdict.PASS)
    assert lab.status == LabStatus.ACCEPTANCE_CONFIRMATION and not lab.acceptance_confirmed
    with on(2026, 6, 15), pytest.raises(RuleViolation):
        journey.acceptance_notice(lab)
    with on(2026, 6, 16):
        lab = journey.confirm_acceptance(lab)
        assert lab.acceptance_confirmed
        journey.acceptance_notice(lab)
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_PUBLICITY


def test_publicity_closing_with_no_objection_starts_operation_and_the_evaluation_clock_art19_art26(journey):
    lab, notice = at_publicity_from_june_1_2026(journey)
    with on(2026, 6, 8), pytest.raises(RuleViolation):  # not before the window is over
        run_transition(notice, "close", journey.staff)
    with on(2026, 6, 9):
        run_transition(notice, "close", journey.staff)
    lab.refresh_from_db()
    assert lab.status == LabStatus.OPERATING and lab.operation_started_on == D(2026, 6, 9)
    assert clock(lab, EVALUATION_DUE).due_date == D(2029, 6, 9)
    assert clock(lab, ANNUAL_OPERATION_REPORT).due_date == D(2027, 6, 9)
    assert not has_open(lab, CONSTRUCTION_PERIOD) and not has_open(lab, ANNUAL_CONSTRUCTION_REPORT)
    assert audit(lab, "conclude_acceptance_publicity")[-1].article == "Art. 19"


def test_a_lab_is_scored_in_one_acceptance_round_at_a_time_art19(journey, english):
    from labportal.journeys import acceptance_criteria

    lab = journey.apply_for_acceptance(journey.approved(months_ago=24))
    lab_services.open_lab_round("验收评议", journey.committee, acceptance_criteria(), [lab], journey.staff)
    with pytest.raises(RuleViolation, match="Already in a round being scored") as refused:
        lab_services.open_lab_round("重复的验收评议", journey.committee, acceptance_criteria(), [lab], journey.staff)
    assert refused.value.field == "laboratories" and refused.value.article == "Art. 19"


def test_sweep_writes_in_the_portal_language_whoever_runs_it_art18(journey, sweep_on):
    lab = approved_on_jan_10_2025(journey)
    with translation.override("en"):
        sweep_on(D(2026, 12, 11))  # 30 days before the end: a reminder
    with translation.override(settings.LANGUAGE_CODE):
        chinese_label = str(CONSTRUCTION_PERIOD.label)
    assert chinese_label != "Construction period ends: apply for acceptance"
    assert Notification.objects.filter(recipient=journey.host_user(lab), subject__contains=chinese_label).exists()


@pytest.mark.parametrize("refused_on, reopened", [(D(2026, 10, 10), True), (D(2026, 10, 11), False)])
def test_refused_extension_leaves_the_window_open_until_the_cutoff_art18(journey, english, refused_on, reopened):
    lab = approved_on_jan_10_2025(journey)
    with on(2026, 9, 1):
        request = lab_services.file_extension_request(lab, journey.host_user(lab), 6, "关键设备到货延迟")
    assert not has_open(lab, EXTENSION_CUTOFF)  # filed: no more reminders to ask
    with on(refused_on.year, refused_on.month, refused_on.day):
        run_transition(request, "refuse", journey.staff, comment="理由不充分")
        assert has_open(lab, EXTENSION_CUTOFF) is reopened
        if reopened:  # the host may ask again, on the cut-off day at the latest
            assert lab_services.file_extension_request(lab, journey.host_user(lab), 3, "补充说明").months == 3
        else:
            with pytest.raises(RuleViolation, match="Too late"):
                lab_services.file_extension_request(lab, journey.host_user(lab), 3, "补充说明")
