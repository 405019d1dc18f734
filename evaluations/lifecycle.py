"""What the laboratory's transitions do besides changing its state (Art. 18-27): file the acceptance
application, record a verdict or result and open or close the clocks it starts or ends.

The models' @transition methods call these; they reach other rows through the lab's relations and read
only states, clocks and rules, so the models import them at the top and nothing imports the models back.
"""

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.deadlines import close_deadlines, open_deadline
from kernel.formatting import format_date
from kernel.models import Deadline
from kernel.periods import period_end
from kernel.rules import RuleViolation
from kernel.signoffs import sign, signoffs
from kernel.workdays import add_working_days

from . import documents
from .deadlines import (
    ACCEPTANCE_RECTIFICATION,
    ANNUAL_OPERATION_REPORT,
    CONSTRUCTION_PERIOD,
    EVALUATION_DUE,
    EVALUATION_RECTIFICATION,
    EXTENSION_CUTOFF,
    STATEMENT_WINDOW,
    stakeholders,
)
from .rules import CONFIRM_ACCEPTANCE, DELIST, TERMINATE
from .states import GROUNDS, AcceptanceVerdict, ChangeKind, EvaluationResult, LabStatus, ProposalGrounds, ProposalOutcome

CONSTRUCTION_MONTHS = 24  # Art. 18: "一般不超过2年"
EXTENSION_NOTICE_MONTHS = 3  # Art. 18: requested at least 3 months before the end
EXTENSION_MAX_MONTHS = 12  # Art. 18: at most 1 year, once
ACCEPTANCE_OPENS_MONTHS_BEFORE_END = 3  # the acceptance application may come once extension is no longer open
RECTIFICATION_MONTHS = 6  # Art. 19 and Art. 27: half a year
EVALUATION_YEARS = 3  # Art. 26


def close_lab_clocks(lab):
    Deadline.objects.for_object(lab).open().update(state=Deadline.State.CANCELLED, closed_at=timezone.now())


def extension_cutoff(lab):
    """The last day an extension may be requested: 3 months before the construction end (Art. 18)."""
    return lab.construction_end - relativedelta(months=EXTENSION_NOTICE_MONTHS)


def open_construction_clocks(lab):
    open_deadline(lab, CONSTRUCTION_PERIOD.code, lab.construction_end, stakeholders(lab))
    if not lab.extension_granted:
        open_deadline(lab, EXTENSION_CUTOFF.code, extension_cutoff(lab), [lab.host])


# --- extension (Art. 18) ------------------------------------------------------------------------


def grant_extension(request, by):
    """Inside `ExtensionRequest.grant`: move the end and its clocks."""
    lab = type(request.laboratory).objects.select_for_update().get(pk=request.laboratory_id)
    lab.construction_end = period_end(lab.construction_end, months=request.months)
    lab.extension_granted = True
    lab.save(update_fields=["construction_end", "extension_granted"])
    close_deadlines(lab, EXTENSION_CUTOFF.code, Deadline.State.MET)
    open_construction_clocks(lab)


def reopen_extension_window(request):
    """Inside `ExtensionRequest.refuse`: the host may still ask again until the cut-off day (Art. 18)."""
    lab = request.laboratory
    if not lab.extension_granted and timezone.localdate() <= extension_cutoff(lab):
        open_deadline(lab, EXTENSION_CUTOFF.code, extension_cutoff(lab), [lab.host])


# --- acceptance (Art. 18-19) --------------------------------------------------------------------


def acceptance_opens_on(lab):
    """3 months before the end of the 2-year period (Art. 18). An extension moves the latest day to apply,
    not this one: a lab finishing early in its extension applies then."""
    two_years = period_end(lab.construction_start, months=CONSTRUCTION_MONTHS)
    return min(lab.construction_end, two_years) - relativedelta(months=ACCEPTANCE_OPENS_MONTHS_BEFORE_END)


def file_acceptance_application(lab, by, report, goal_statements):
    """Inside `apply_for_acceptance`: the report against the build plan's goals (Art. 17-18)."""
    if not (report or "").strip():
        raise RuleViolation(_("Write the construction report against the build plan's goals (Art. 17)."),
                            field="report", article="Art. 18")
    if lab.status == LabStatus.CONSTRUCTION and timezone.localdate() < acceptance_opens_on(lab):
        raise RuleViolation(
            _("Acceptance is applied for at the end of the construction period, from %(date)s (Art. 18).")
            % {"date": format_date(acceptance_opens_on(lab))}, article="Art. 18",
        )
    lab.acceptance_applications.create(report=report, goal_statements=goal_statements or [], filed_by=by)
    close_deadlines(lab, CONSTRUCTION_PERIOD.code, Deadline.State.MET)
    close_deadlines(lab, EXTENSION_CUTOFF.code, Deadline.State.CANCELLED)
    close_deadlines(lab, ACCEPTANCE_RECTIFICATION.code, Deadline.State.MET)


def after_verdict(verdict, rectified):
    """Art. 19: pass → confirmation; rectify → 6 months, once; fail, or rectify again → termination proposed."""
    if verdict == AcceptanceVerdict.PASS:
        return LabStatus.ACCEPTANCE_CONFIRMATION
    if verdict == AcceptanceVerdict.RECTIFY and not rectified:
        return LabStatus.RECTIFYING
    return LabStatus.TERMINATION_PROPOSED


def record_acceptance_verdict(lab, by, verdict, opinion):
    """Inside `Laboratory.record_acceptance_verdict`: the lab's state after the verdict, and the acceptance opinion
    issued to the host; a failure is a proposed termination, decided by both ministries after the host's statement."""
    if verdict not in AcceptanceVerdict.values:
        raise RuleViolation(_("Unknown verdict."), field="decisions")
    target = after_verdict(verdict, lab.acceptance_rectified)
    proposal = due = None
    if target == LabStatus.TERMINATION_PROPOSED:
        proposal = propose(lab, ProposalGrounds.ACCEPTANCE_FAILED, by, opinion, resume=LabStatus.ACCEPTANCE_REVIEW)
    latest = lab.acceptance_applications.first()
    if latest is not None:
        latest.verdict, latest.opinion, latest.decided_at = verdict, opinion, timezone.now()
        latest.save(update_fields=["verdict", "opinion", "decided_at"])
    if target == LabStatus.RECTIFYING:
        due = period_end(timezone.localdate(), months=RECTIFICATION_MONTHS)
        open_deadline(lab, ACCEPTANCE_RECTIFICATION.code, due, stakeholders(lab))
    documents.issue_acceptance_opinion(lab, latest, verdict, opinion, target, rectify_due=due, proposal=proposal)
    if target == LabStatus.RECTIFYING:
        lab.acceptance_rectified = True
    return target


def reopen_acceptance(lab):
    """A sustained objection sends the acceptance back to the experts (Art. 19): the ministries' confirmations
    were of the verdict objected to, so a new pass needs both again (the audit keeps who confirmed)."""
    signoffs(lab, CONFIRM_ACCEPTANCE).delete()


def start_operation(lab):
    """Formal operation (Art. 19): annual operation reports and the triennial evaluation start (Art. 26)."""
    today = timezone.localdate()
    lab.operation_started_on = today  # saved with the transition
    close_lab_clocks(lab)
    open_deadline(lab, ANNUAL_OPERATION_REPORT.code, period_end(today, years=1), stakeholders(lab))
    open_deadline(lab, EVALUATION_DUE.code, period_end(today, years=EVALUATION_YEARS), stakeholders(lab))


# --- comprehensive evaluation (Art. 26-27) ------------------------------------------------------


def after_result(result, rectified):
    """Art. 27: excellent or qualified → operating; unqualified → 6 months to rectify, once; again → removal proposed."""
    if result != EvaluationResult.UNQUALIFIED:
        return LabStatus.OPERATING
    return LabStatus.DELISTING_PROPOSED if rectified else LabStatus.EVALUATION_RECTIFYING


def record_evaluation_result(lab, by, result, opinion):
    """Inside `Laboratory.record_evaluation_result`: the lab's state after the result, and the result notice issued to
    the host (with the public notice of an unqualified result, Art. 27)."""
    if result not in EvaluationResult.values:
        raise RuleViolation(_("Unknown result."), field="decisions")
    target = after_result(result, lab.evaluation_rectified)
    evaluation = lab.evaluations.first()
    if evaluation is not None:
        evaluation.result, evaluation.opinion, evaluation.decided_at = result, opinion, timezone.now()
        evaluation.save(update_fields=["result", "opinion", "decided_at"])
    lab.latest_result = result
    proposal = None
    if target == LabStatus.OPERATING:
        lab.evaluation_rectified = False
        due = next_evaluation_due(lab)
        open_deadline(lab, EVALUATION_DUE.code, due, stakeholders(lab))
    elif target == LabStatus.EVALUATION_RECTIFYING:
        lab.evaluation_rectified = True
        due = period_end(timezone.localdate(), months=RECTIFICATION_MONTHS)
        open_deadline(lab, EVALUATION_RECTIFICATION.code, due, stakeholders(lab))
    else:
        due = None
        proposal = propose(lab, ProposalGrounds.UNQUALIFIED_AGAIN, by, opinion, resume=LabStatus.EVALUATION_RECTIFYING)
    documents.issue_evaluation_result(lab, evaluation, result, opinion, target, due=due, proposal=proposal)
    return target


def next_evaluation_due(lab):
    """Every 3 years from the start of operation (Art. 26): the next such date after today and after the due
    date the evaluation just done met (a round opened ahead of its due date does not leave that date due)."""
    today = timezone.localdate()
    start = lab.operation_started_on or today
    met = Deadline.objects.for_object(lab).filter(kind=EVALUATION_DUE.code, state=Deadline.State.MET).order_by("-due_date").first()
    after = max(today, met.due_date) if met else today
    cycles = 1
    while period_end(start, years=EVALUATION_YEARS * cycles) <= after:
        cycles += 1
    return period_end(start, years=EVALUATION_YEARS * cycles)


# --- adverse decisions (Art. 18, 19, 25, 27) ----------------------------------------------------


def clock_missed(lab, kind):
    """Whether the lab's clock of `kind` lapsed (the sweep marked it missed) and none of that kind is open."""
    clocks = Deadline.objects.for_object(lab).filter(kind=kind.code)
    return clocks.filter(state=Deadline.State.MISSED).exists() and not clocks.open().exists()


def propose(lab, grounds, by, reason, resume=None):
    """Open the proposal: the host is told and may answer in writing within the statement period (working days,
    `ADVERSE_STATEMENT_WORKING_DAYS`); nothing ends until both ministries sign."""
    due = add_working_days(timezone.localdate(), settings.ADVERSE_STATEMENT_WORKING_DAYS).date
    proposal = lab.proposals.create(
        grounds=grounds, reason=(reason or "").strip() or str(ProposalGrounds(grounds).label), proposed_by=by,
        resume_status=resume or lab.status, statement_due=due,
    )
    open_deadline(lab, STATEMENT_WINDOW.code, due, stakeholders(lab))
    lab._audit_article = GROUNDS[grounds][1]
    return proposal


def open_proposal(lab):
    """The lab's proposed termination or removal still awaiting its outcome, or None."""
    return lab.proposals.filter(outcome="").order_by("-proposed_at", "-pk").first()


def _open_proposal(lab):
    proposal = open_proposal(lab)
    if proposal is None:
        raise RuleViolation(_("There is no open proposal to decide on."))
    return proposal


def sign_proposal(lab, decision, by, comment):
    """One ministry's signature; the second decides: the lab ends, its clocks close, the decision is issued as a
    public document (the announcement follows from the transition's notification)."""
    proposal = _open_proposal(lab)
    lab._audit_article = proposal.article
    if sign(lab, decision, by, comment, article=proposal.article):
        proposal.outcome, proposal.outcome_reason, proposal.closed_at = ProposalOutcome.DECIDED, comment, timezone.now()
        proposal.save(update_fields=["outcome", "outcome_reason", "closed_at"])
        close_lab_clocks(lab)
        documents.issue_proposal_decision(lab, proposal, list(signoffs(lab, decision)))


def withdraw_proposal(lab, by, comment):
    """Either ministry withdraws the proposal with its reason: the lab returns to where it was, the signatures
    given so far lapse (a new proposal needs both again; the audit keeps them)."""
    proposal = _open_proposal(lab)
    lab._audit_article = proposal.article
    proposal.outcome, proposal.outcome_reason, proposal.closed_at = ProposalOutcome.WITHDRAWN, comment, timezone.now()
    proposal.save(update_fields=["outcome", "outcome_reason", "closed_at"])
    signoffs(lab, TERMINATE).delete()
    signoffs(lab, DELIST).delete()
    close_deadlines(lab, STATEMENT_WINDOW.code, Deadline.State.CANCELLED)
    return proposal.resume_status


# --- changes (Art. 24) --------------------------------------------------------------------------


def apply_change(change):
    """An accepted (or re-reviewed) change takes effect: a rename changes the lab's names (Art. 24, 31)."""
    if change.kind == ChangeKind.RENAME:
        lab = change.laboratory
        lab.name_zh, lab.name_en_subject = change.new_name_zh, change.new_name_en_subject
        lab.save(update_fields=["name_zh", "name_en_subject"])
