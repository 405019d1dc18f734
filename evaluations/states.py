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
    TERMINATED = "terminated", _("Construction terminated")
    DELISTED = "delisted", _("Removed from the list")


ACTIVE_LAB_STATES = (
    LabStatus.CONSTRUCTION, LabStatus.ACCEPTANCE_REVIEW, LabStatus.RECTIFYING, LabStatus.ACCEPTANCE_CONFIRMATION,
    LabStatus.ACCEPTANCE_PUBLICITY, LabStatus.OPERATING, LabStatus.EVALUATING, LabStatus.EVALUATION_RECTIFYING,
)


PUBLIC_LAB_STATES = ACTIVE_LAB_STATES  # terminated and delisted labs leave the directory, not the records
IN_CONSTRUCTION_STATES = (LabStatus.CONSTRUCTION, LabStatus.ACCEPTANCE_REVIEW, LabStatus.RECTIFYING,
                          LabStatus.ACCEPTANCE_CONFIRMATION, LabStatus.ACCEPTANCE_PUBLICITY)
OPERATION_STATES = (LabStatus.OPERATING, LabStatus.EVALUATING, LabStatus.EVALUATION_RECTIFYING)
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
