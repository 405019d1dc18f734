"""A laboratory's way through the Measures (Art. 14-27): its stages, the status that says who still has to
act (both ministries confirm an acceptance and sign a removal), who acts next and the clock that governs it."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.rules import is_ministry_staff
from kernel.formatting import format_date
from kernel.models import AuditEntry, Deadline, SignOff
from kernel.progress import Party, PartyCode, Progress, StageDefinition, ministry_names, nearest_open_deadline, stages
from kernel.signoffs import signoffs
from reviews.models import CriteriaSet
from reviews.progress import publicity_deadline, scheduled_notice

from .rules import CONFIRM_ACCEPTANCE, DELIST, TERMINATE
from .states import ENDED_STATES, PROPOSED_STATES, LabStatus, ProposalOutcome

STAGES = [
    StageDefinition("construction", _("Construction period"), "Art. 14-18"),
    StageDefinition("acceptance", _("Acceptance"), "Art. 19"),
    StageDefinition("operation", _("Operation"), "Art. 20-25"),
    StageDefinition("evaluation", _("Comprehensive evaluation"), "Art. 26-27"),
]

STAGE_OF = {
    LabStatus.CONSTRUCTION: "construction",
    LabStatus.ACCEPTANCE_REVIEW: "acceptance",
    LabStatus.RECTIFYING: "acceptance",
    LabStatus.ACCEPTANCE_CONFIRMATION: "acceptance",
    LabStatus.ACCEPTANCE_PUBLICITY: "acceptance",
    LabStatus.OPERATING: "operation",
    LabStatus.EVALUATING: "evaluation",
    LabStatus.EVALUATION_RECTIFYING: "evaluation",
}
ENDED = ENDED_STATES

ASK = {
    LabStatus.CONSTRUCTION: _("Build the laboratory to its plan, file the annual construction report each year and "
                              "apply for acceptance when the construction period ends (Art. 18)."),
    LabStatus.RECTIFYING: _("Rectify within 6 months and apply for acceptance again (Art. 19)."),
    LabStatus.ACCEPTANCE_PUBLICITY: _("Anyone may lodge a real-name objection while the acceptance notice is open; "
                                      "when it closes without a sustained objection, operation starts (Art. 19)."),
    LabStatus.OPERATING: _("Run the laboratory and file the annual operation report each year; a comprehensive "
                           "evaluation follows every 3 years (Art. 26)."),
    LabStatus.EVALUATION_RECTIFYING: _("Rectify within 6 months; the laboratory is then evaluated again (Art. 27)."),
}
IN_ROUND_ASK = _("The expert committee reviews the laboratory in its round (Art. 19, 26).")
OPEN_ROUND_ASK = {
    LabStatus.ACCEPTANCE_REVIEW: _("Open an acceptance round of the expert committee (Art. 19)."),
    LabStatus.EVALUATING: _("Open a comprehensive evaluation round of the expert committee (Art. 26)."),
}
ROUND_PURPOSE = {LabStatus.ACCEPTANCE_REVIEW: CriteriaSet.Purpose.ACCEPTANCE, LabStatus.EVALUATING: CriteriaSet.Purpose.EVALUATION}


def _signed(lab, decision, annotated):
    """The ministries ("samr", "miit") that signed `decision` (from `with_status_detail()` annotations if present)."""
    samr, miit = annotated
    if hasattr(lab, samr):
        flags = {SignOff.Ministry.SAMR: getattr(lab, samr), SignOff.Ministry.MIIT: getattr(lab, miit)}
        return [m for m in SignOff.Ministry.values if flags[m]]

    signed = set(signoffs(lab, decision).values_list("ministry", flat=True))
    return [m for m in SignOff.Ministry.values if m in signed]


def confirmed_by(lab):
    return _signed(lab, CONFIRM_ACCEPTANCE, ("samr_confirmed", "miit_confirmed"))


def removal_signed_by(lab):
    return _signed(lab, DELIST, ("samr_delist_signed", "miit_delist_signed"))


def termination_signed_by(lab):
    return _signed(lab, TERMINATE, ("samr_terminate_signed", "miit_terminate_signed"))


PROPOSAL_DECISION = {LabStatus.TERMINATION_PROPOSED: (TERMINATE, termination_signed_by),
                     LabStatus.DELISTING_PROPOSED: (DELIST, removal_signed_by)}


def proposal_signatures(lab):
    """[(ministry, signed?)] of the decision proposed on `lab` (both SAMR and MIIT sign it)."""
    _decision, signed_by = PROPOSAL_DECISION[lab.status]
    signed = signed_by(lab)
    return [(SignOff.Ministry(m).label, m in signed) for m in SignOff.Ministry.values]


def _stage_of(lab):
    """The stage a lab under a proposal is in: that of the state the proposal would return it to."""
    if lab.status in PROPOSED_STATES:
        proposal = lab.open_proposal
        return STAGE_OF.get(proposal.resume_status if proposal else "", "construction")
    return STAGE_OF[lab.status]


def _others(signed):
    return [m for m in SignOff.Ministry.values if m not in signed]


def status_text(lab):
    """The status as people need it: which ministry has confirmed or signed, and which has not yet."""
    text = lab.get_status_display()
    if lab.status == LabStatus.ACCEPTANCE_CONFIRMATION:
        confirmed = confirmed_by(lab)
        if len(confirmed) == 1:
            text = gettext("%(done)s has confirmed the acceptance; awaiting the confirmation of %(pending)s") % {
                "done": ministry_names(confirmed), "pending": ministry_names(_others(confirmed))}
        elif confirmed:
            text = gettext("Acceptance confirmed by %(done)s; awaiting the acceptance notice") % {
                "done": ministry_names(confirmed)}
    if lab.status in PROPOSED_STATES:
        signed = PROPOSAL_DECISION[lab.status][1](lab)
        if signed:
            text = gettext("%(status)s; %(signed)s has signed, awaiting %(pending)s") % {
                "status": text, "signed": ministry_names(signed), "pending": ministry_names(_others(signed))}
    elif lab.status == LabStatus.CONSTRUCTION and lab.construction_end < timezone.localdate():
        text = gettext("%(status)s, overdue since %(date)s (Art. 18)") % {
            "status": text, "date": format_date(lab.construction_end + datetime.timedelta(days=1))}
    return text


def _ask(lab, in_open_round):
    """(party, what they are asked to do) in the lab's current state."""
    status = lab.status
    if status in ROUND_PURPOSE:
        return (PartyCode.EXPERTS, IN_ROUND_ASK) if in_open_round else (PartyCode.MINISTRIES, OPEN_ROUND_ASK[status])
    if status == LabStatus.ACCEPTANCE_CONFIRMATION:
        pending = _others(confirmed_by(lab))
        if pending:
            return (pending[0] if len(pending) == 1 else PartyCode.MINISTRIES), _("Confirm the acceptance (Art. 19).")
        return PartyCode.MINISTRIES, _("Publish the acceptance notice (Art. 19).")
    if status == LabStatus.ACCEPTANCE_PUBLICITY:
        return PartyCode.PUBLIC, ASK[status]
    if status in PROPOSED_STATES:
        proposal = lab.open_proposal
        if proposal is not None and not proposal.statement_heard():
            return PartyCode.HOST, _("Answer the proposal in writing, with any attachments, if you wish; SAMR and MIIT "
                                     "decide once the statement is in or its time has passed.")
        pending = _others(PROPOSAL_DECISION[status][1](lab))
        return (pending[0] if len(pending) == 1 else PartyCode.MINISTRIES), _(
            "Weigh the host's statement, then sign the decision or withdraw the proposal; it takes effect when both "
            "SAMR and MIIT have signed.")
    if status == LabStatus.CONSTRUCTION and lab.construction_end < timezone.localdate():
        return PartyCode.HOST, _("The construction period has ended: apply for acceptance now. The ministries may "
                                 "propose terminating the construction (Art. 18).")
    return PartyCode.HOST, ASK[status]


def _ending(lab):
    """The audit record of the action that terminated or removed the lab."""
    return AuditEntry.objects.for_object(lab).filter(target_state=lab.status).order_by("-at", "-pk").first()


def lab_progress(lab, in_round=False):
    """The stepper of `lab`; `in_round`: whether it is in an expert round still being scored
    (`LaboratoryQuerySet.with_open_round`)."""
    text = status_text(lab)
    if lab.status in ENDED:
        ending = _ending(lab)  # it ended at the stage of the state it left (before the proposal, if one)
        left = getattr(ending, "source_state", None)
        if left in PROPOSED_STATES:
            decided = lab.proposals.filter(outcome=ProposalOutcome.DECIDED).order_by("-closed_at", "-pk").first()
            left = decided.resume_status if decided else None
        at = STAGE_OF.get(left, "construction")
        return Progress(stages(STAGES, at, ended=True), text, ended=True, outcome=ending)
    party, ask = _ask(lab, in_round)
    deadline = nearest_open_deadline(Deadline.objects.for_object(lab))
    if lab.status in (LabStatus.ACCEPTANCE_CONFIRMATION, LabStatus.ACCEPTANCE_PUBLICITY):
        deadline = publicity_deadline(lab.application) or deadline  # the window, or the day a notice dated ahead starts
    return Progress(stages(STAGES, _stage_of(lab)), text, Party(party), ask, deadline)


OPEN_ROUND_LABEL = {
    LabStatus.ACCEPTANCE_REVIEW: _("Open an acceptance round"),
    LabStatus.EVALUATING: _("Open an evaluation round"),
}


def staff_action(lab, user, in_round=False):
    """(label, url) of the staff page where the lab's current step is taken (opening a round, a notice)."""
    if not is_ministry_staff(user):
        return None
    if lab.status in ROUND_PURPOSE and not in_round:
        query = urlencode({"laboratories": lab.pk, "purpose": ROUND_PURPOSE[lab.status]})
        return OPEN_ROUND_LABEL[lab.status], f"{reverse('reviews:round_create')}?{query}"
    if lab.status == LabStatus.ACCEPTANCE_CONFIRMATION and not _others(confirmed_by(lab)):
        notice = scheduled_notice(lab.application)
        if notice is not None:
            return (_("Publicity scheduled from %(date)s") % {"date": format_date(notice.starts_on)},
                    notice.get_staff_url())
        query = urlencode({"laboratories": lab.pk})
        return _("Publish the acceptance notice"), f"{reverse('reviews:notice_create')}?{query}"
    return None
