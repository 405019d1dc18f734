"""The states of an application (Art. 10-13) and of a recommender's review, apart from the models so that
the eligibility check, the progress texts and the submission rules read them without importing the models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting recommendation")
    RETURNED = "returned", _("Returned for revision")
    RECOMMENDED = "recommended", _("Recommended")
    NOT_RECOMMENDED = "not_recommended", _("Not recommended")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested by formal review")
    FORMAL_REVIEW_PASSED = "formal_review_passed", _("Formal review passed")
    FORMAL_REJECTED = "formal_rejected", _("Rejected at formal review")
    EXPERT_REVIEW = "expert_review", _("Expert review")
    SITE_INSPECTION = "site_inspection", _("Site inspection")
    INSPECTED = "inspected", _("Inspected, awaiting publicity")
    PUBLICITY = "publicity", _("Under publicity")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval by SAMR and MIIT")
    APPROVED = "approved", _("Approved for construction")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


EDITABLE_STATES = (Status.DRAFT, Status.RETURNED, Status.SUPPLEMENT_REQUESTED)
# A draft is never withdrawn: nobody else has seen it, so its host deletes it (`Application.discard_draft`).
WITHDRAWABLE_STATES = (
    Status.SUBMITTED, Status.RETURNED, Status.RECOMMENDED, Status.SUPPLEMENT_REQUESTED,
    Status.FORMAL_REVIEW_PASSED, Status.EXPERT_REVIEW, Status.SITE_INSPECTION, Status.INSPECTED,
    Status.AWAITING_APPROVAL,
)
REJECTABLE_STATES = (
    Status.FORMAL_REVIEW_PASSED, Status.EXPERT_REVIEW, Status.SITE_INSPECTION, Status.INSPECTED, Status.AWAITING_APPROVAL,
)
PUBLIC_STATES = (Status.PUBLICITY, Status.APPROVED)
# Not (or not yet) forwarded by the recommenders (Art. 10): kept out of the ministries' lists (Art. 13).
NOT_FORWARDED_STATES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.NOT_RECOMMENDED)


class ReviewDecision(models.TextChoices):
    """A recommender's preliminary review (Art. 10)."""

    PENDING = "pending", _("Awaiting review")
    RECOMMENDED = "recommended", _("Recommended")
    RETURNED = "returned", _("Returned for revision")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Closed without decision")


class CallStatus(models.TextChoices):
    """A call for applications (申报批次): drafted by ministry staff, published once SAMR and MIIT have both signed,
    its construction list proposed and approved by both (Art. 7, 13)."""

    DRAFT = "draft", _("Draft, awaiting SAMR and MIIT")
    OPEN = "open", _("Published")
    LIST_PROPOSED = "list_proposed", _("Construction list awaiting SAMR and MIIT")
    CONCLUDED = "concluded", _("Construction list approved")


# What the public sees of calls (the front page, the approved list per call).
PUBLIC_CALL_STATES = (CallStatus.OPEN, CallStatus.LIST_PROPOSED, CallStatus.CONCLUDED)
