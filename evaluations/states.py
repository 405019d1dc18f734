"""The states of the laboratory's life and the values its decisions take (Art. 18-27), apart from the
models so that the rules, clocks and transitions' effects can read them without importing the models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LabStatus(models.TextChoices):
    CONSTRUCTION = "construction", _("Under construction")
    ACCEPTANCE_REVIEW = "acceptance_review", _("Acceptance review")
    RECTIFYING = "rectifying", _("Rectifying after acceptance review")
    ACCEPTANCE_CONFIRMATION = "acceptance_confirmation", _("Accepted, awaiting confirmation by SAMR and MIIT")
    ACCEPTANCE_PUBLICITY = "acceptance_publicity", _("Acceptance under publicity")
    OPERATING = "operating", _("In operation")
    EVALUATING = "evaluating", _("Comprehensive evaluation")
    EVALUATION_RECTIFYING = "evaluation_rectifying", _("Rectifying after an unqualified evaluation")
    TERMINATION_PROPOSED = "termination_proposed", _("Termination proposed")
    DELISTING_PROPOSED = "delisting_proposed", _("Removal from the list proposed")
    TERMINATED = "terminated", _("Construction terminated")
    DELISTED = "delisted", _("Removed from the list")


# A termination or a removal is proposed first: the host may answer in writing, then SAMR and MIIT both sign
# it or either withdraws it (Art. 18, 19, 25, 27). Until then the lab stays on the list.
PROPOSED_STATES = (LabStatus.TERMINATION_PROPOSED, LabStatus.DELISTING_PROPOSED)
ENDED_STATES = (LabStatus.TERMINATED, LabStatus.DELISTED)
# The states a misconduct removal may be proposed from (Art. 25): any active one not already under a proposal.
PROPOSABLE_STATES = (
    LabStatus.CONSTRUCTION, LabStatus.ACCEPTANCE_REVIEW, LabStatus.RECTIFYING, LabStatus.ACCEPTANCE_CONFIRMATION,
    LabStatus.ACCEPTANCE_PUBLICITY, LabStatus.OPERATING, LabStatus.EVALUATING, LabStatus.EVALUATION_RECTIFYING,
)
ACTIVE_LAB_STATES = PROPOSABLE_STATES + PROPOSED_STATES

PUBLIC_LAB_STATES = ACTIVE_LAB_STATES  # terminated and delisted labs leave the directory, not the records
IN_CONSTRUCTION_STATES = (LabStatus.CONSTRUCTION, LabStatus.ACCEPTANCE_REVIEW, LabStatus.RECTIFYING,
                          LabStatus.ACCEPTANCE_CONFIRMATION, LabStatus.ACCEPTANCE_PUBLICITY, LabStatus.TERMINATION_PROPOSED)
OPERATION_STATES = (LabStatus.OPERATING, LabStatus.EVALUATING, LabStatus.EVALUATION_RECTIFYING, LabStatus.DELISTING_PROPOSED)
# A reported change may be answered by a re-review, a comprehensive evaluation (Art. 24, 26), only in these.
RE_REVIEWABLE_STATES = (LabStatus.OPERATING, LabStatus.EVALUATING, LabStatus.EVALUATION_RECTIFYING)
# Lab expert rounds, keyed by the criteria set's purpose (reviews.CriteriaSet.Purpose values): the lab states
# a round of that purpose takes (Art. 19, 26), the state in which a lab awaits its decision, and the
# articles of opening the round and of its decision (Art. 27 for an evaluation's result).
LAB_ROUND_PURPOSES = ("acceptance", "evaluation")
LAB_ROUND_STATES = {
    "acceptance": (LabStatus.ACCEPTANCE_REVIEW,),
    "evaluation": (LabStatus.OPERATING, LabStatus.EVALUATION_RECTIFYING, LabStatus.EVALUATING),
}
LAB_ROUND_LIVE_STATE = {"acceptance": LabStatus.ACCEPTANCE_REVIEW, "evaluation": LabStatus.EVALUATING}
LAB_ROUND_OPEN_ARTICLE = {"acceptance": "Art. 19", "evaluation": "Art. 26"}
LAB_ROUND_DECISION_ARTICLE = {"acceptance": "Art. 19", "evaluation": "Art. 27"}


class AcceptanceVerdict(models.TextChoices):
    PASS = "pass", _("Passed acceptance (通过验收)")
    RECTIFY = "rectify", _("Rectify (整改)")
    FAIL = "fail", _("Failed acceptance (未通过验收)")


class EvaluationResult(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    QUALIFIED = "qualified", _("Qualified (合格)")
    UNQUALIFIED = "unqualified", _("Unqualified (不合格)")


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class ChangeKind(models.TextChoices):
    RENAME = "rename", _("Renaming")
    DIRECTION = "direction", _("Change of research direction")
    RESTRUCTURE = "restructure", _("Restructuring")
    REORGANISE = "reorganise", _("Reorganisation")


class ChangeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RE_REVIEW = "re_review", _("Re-review ordered")


class ReportKind(models.TextChoices):
    CONSTRUCTION = "construction", _("Annual construction report")
    OPERATION = "operation", _("Annual operation report")


class ProposalGrounds(models.TextChoices):
    """Why a termination or a removal from the list is proposed, each with its article (`GROUNDS`)."""

    CONSTRUCTION_LAPSED = "construction_lapsed", _("The construction period ended without an application for acceptance")
    RECTIFICATION_LAPSED = "rectification_lapsed", _("The 6 months of rectification ended without a new application for acceptance")
    ACCEPTANCE_FAILED = "acceptance_failed", _("The laboratory did not pass acceptance")
    UNQUALIFIED_AGAIN = "unqualified_again", _("The laboratory was rated unqualified again after rectification")
    MISCONDUCT = "misconduct", _("False materials, integrity problems or other violations")


class ProposalKind(models.TextChoices):
    TERMINATION = "termination", _("Termination of the construction")
    DELISTING = "delisting", _("Removal from the list")


# grounds -> (what is proposed, the article it rests on)
GROUNDS = {
    ProposalGrounds.CONSTRUCTION_LAPSED: (ProposalKind.TERMINATION, "Art. 18"),
    ProposalGrounds.RECTIFICATION_LAPSED: (ProposalKind.TERMINATION, "Art. 19"),
    ProposalGrounds.ACCEPTANCE_FAILED: (ProposalKind.TERMINATION, "Art. 19"),
    ProposalGrounds.UNQUALIFIED_AGAIN: (ProposalKind.DELISTING, "Art. 27"),
    ProposalGrounds.MISCONDUCT: (ProposalKind.DELISTING, "Art. 25"),
}


class ProposalOutcome(models.TextChoices):
    DECIDED = "decided", _("Decided by SAMR and MIIT")
    WITHDRAWN = "withdrawn", _("Withdrawn")
