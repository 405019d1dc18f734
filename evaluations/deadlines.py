"""The clocks of the laboratory's life (Art. 18, 19, 26, 27) and what a lapse does."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind, Role
from kernel.deadlines import DeadlineKind, open_deadline, register
from kernel.models import Deadline
from kernel.periods import period_end
from kernel.transitions import run_transition

from .states import LabStatus, ReportKind


def stakeholders(lab):
    """Whom a lab's clocks are addressed to: its host and both ministries."""
    return [lab.host, *Organisation.objects.filter(kind__in=[OrganisationKind.SAMR, OrganisationKind.MIIT])]


def _propose_termination_if(state, transition):
    """A lapse that calls for termination proposes it (Art. 18, 19): the sweep never ends a lab by itself."""
    def consequence(deadline, lab):
        if lab.status == state:
            run_transition(lab, transition, None, comment=str(deadline.kind_label), as_system=True)
    return consequence


def _construction_lapsed(deadline, lab):
    """Art. 18: after the extended period, a build with no acceptance application is proposed for termination.
    Without an extension the lapse is recorded and the lab shown overdue; staff may propose termination."""
    if lab.extension_granted:
        _propose_termination_if(LabStatus.CONSTRUCTION, "propose_termination")(deadline, lab)


def _next_report(deadline, lab):
    open_next_report_clock(lab, deadline.kind)


HOST_AND_MINISTRY = (Role.APPLICANT, Role.MINISTRY_STAFF)

CONSTRUCTION_PERIOD = register(DeadlineKind(
    code="laboratory.construction_end", label=_("Construction period ends: apply for acceptance"), article="Art. 18",
    reminder_days=(90, 30, 7), roles=HOST_AND_MINISTRY, on_missed=_construction_lapsed,
))
EXTENSION_CUTOFF = register(DeadlineKind(
    code="laboratory.extension_cutoff", label=_("Last day to request an extension of construction"), article="Art. 18",
    reminder_days=(30, 7), roles=(Role.APPLICANT,), optional=True,
))
ANNUAL_CONSTRUCTION_REPORT = register(DeadlineKind(
    code="laboratory.construction_report", label=_("Annual construction report"), article="Art. 18",
    reminder_days=(30, 7), roles=HOST_AND_MINISTRY, on_missed=_next_report,
))
ACCEPTANCE_RECTIFICATION = register(DeadlineKind(
    code="laboratory.acceptance_rectification", label=_("Rectify and apply for acceptance again"), article="Art. 19",
    reminder_days=(30, 7), roles=HOST_AND_MINISTRY,
    on_missed=_propose_termination_if(LabStatus.RECTIFYING, "propose_termination_unrectified"),
))
ANNUAL_OPERATION_REPORT = register(DeadlineKind(
    code="laboratory.operation_report", label=_("Annual operation report"), article="Art. 26",
    reminder_days=(30, 7), roles=HOST_AND_MINISTRY, on_missed=_next_report,
))
EVALUATION_DUE = register(DeadlineKind(
    code="laboratory.evaluation_due", label=_("Comprehensive evaluation due"), article="Art. 26",
    reminder_days=(90, 30), roles=HOST_AND_MINISTRY,
))
EVALUATION_RECTIFICATION = register(DeadlineKind(
    code="laboratory.evaluation_rectification", label=_("Rectify after an unqualified evaluation"), article="Art. 27",
    reminder_days=(30, 7), roles=HOST_AND_MINISTRY,
))

STATEMENT_WINDOW = register(DeadlineKind(
    code="laboratory.statement_window", label=_("Written statement on the proposed termination or removal"),
    article="Art. 18, 19, 25, 27", reminder_days=(3, 1), roles=HOST_AND_MINISTRY, working_days=True,
    url=lambda lab: lab.get_absolute_url() + "#proposal",
))

REPORT_KINDS = {ANNUAL_CONSTRUCTION_REPORT.code: ReportKind.CONSTRUCTION, ANNUAL_OPERATION_REPORT.code: ReportKind.OPERATION}


# --- annual reports (Art. 18, 23, 26): one clock per year while the phase lasts ----------------


def report_clock(kind):
    return ANNUAL_CONSTRUCTION_REPORT if kind == ReportKind.CONSTRUCTION else ANNUAL_OPERATION_REPORT


def next_report(lab, kind):
    """The open clock of the next report of `kind` (its year may not have begun yet), or None."""
    return Deadline.objects.for_object(lab).open().filter(kind=report_clock(kind).code).first()


def report_due(lab, kind, today=None):
    """The open clock of the report of `kind` that may be filed now, or None. A report covers one year of the phase
    and is filed during that year (by its due date, the year's end): the next year's clock opens when a report is
    filed, but that report may be filed only once its year has begun (`report_opens_on`), never ahead."""
    deadline = next_report(lab, kind)
    if deadline is None or report_opens_on(lab, kind, deadline) > (today or timezone.localdate()):
        return None
    return deadline


def report_year(lab, kind, due_date):
    """The year number of the report of `kind` due on `due_date`: reports fall on the anniversaries of the
    approval (construction, Art. 18) or of the start of operation (Art. 26). None when the phase has no start."""
    start = lab.approved_on if kind == ReportKind.CONSTRUCTION else lab.operation_started_on
    return due_date.year - start.year if start else None


def report_opens_on(lab, kind, deadline):
    """The first day of the year the report due on `deadline` covers: the anniversary a year before its due date
    (counted from the phase's start, so that 29 February comes back in leap years)."""
    start = lab.approved_on if kind == ReportKind.CONSTRUCTION else lab.operation_started_on
    year = report_year(lab, kind, deadline.due_date)
    if start and year:
        return period_end(start, years=year - 1)
    return period_end(deadline.due_date, years=-1)


def open_next_report_clock(lab, deadline_kind):
    """After a report is filed or its deadline lapses: the next anniversary's report, while the phase lasts."""
    kind = REPORT_KINDS[deadline_kind]
    last = Deadline.objects.for_object(lab).filter(kind=deadline_kind).order_by("-due_date").first()
    start = lab.approved_on if kind == ReportKind.CONSTRUCTION else lab.operation_started_on
    if start and last:  # counted from the start, so that 29 February comes back in leap years
        next_due = period_end(start, years=report_year(lab, kind, last.due_date) + 1)
    else:
        next_due = period_end(last.due_date if last else timezone.localdate(), years=1)
    if kind == ReportKind.CONSTRUCTION and (lab.status not in (LabStatus.CONSTRUCTION, LabStatus.RECTIFYING)
                                            or next_due > lab.construction_end):
        return None
    if kind == ReportKind.OPERATION and lab.status not in (LabStatus.OPERATING, LabStatus.EVALUATING,
                                                           LabStatus.EVALUATION_RECTIFYING):
        return None
    return open_deadline(lab, deadline_kind, next_due, stakeholders(lab))
