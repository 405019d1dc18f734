"""The clocks of the laboratory's life (Art. 18, 19, 26, 27) and what a lapse does."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from kernel.deadlines import DeadlineKind, register
from kernel.transitions import run_transition


def _terminate_if(state, transition="terminate"):
    def consequence(deadline, lab):
        if lab.status == state:
            run_transition(lab, transition, None, comment=str(deadline.kind_label), internal=True, as_system=True)
    return consequence


def _construction_lapsed(deadline, lab):
    """Art. 18: after the extended period, a build with no acceptance application is terminated. Without
    an extension the lapse is recorded and flagged to the ministries (the Measures terminate only after one)."""
    if lab.extension_granted:
        _terminate_if("construction")(deadline, lab)


def _next_report(deadline, lab):
    from .services import open_next_report_clock

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
    reminder_days=(30, 7), roles=HOST_AND_MINISTRY, on_missed=_terminate_if("rectifying", "terminate_unrectified"),
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

REPORT_KINDS = {ANNUAL_CONSTRUCTION_REPORT.code: "construction", ANNUAL_OPERATION_REPORT.code: "operation"}
