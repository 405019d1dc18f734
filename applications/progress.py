"""An application's way through the Measures (Art. 7, 10-13): its stages, the status that says who still
has to act, who acts next with the open clock, and why a dossier came back to its host.

The ministry stage lives in a higher app (`reviews`), which fills `hooks` in its AppConfig.ready(): what a
formal review asked to supplement, the clock of the publicity notice, and the staff page of a stage.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.deadlines import TimeLeft
from kernel.models import AuditEntry, Deadline, SignOff
from kernel.progress import (
    Party,
    PartyCode,
    Progress,
    StageDefinition,
    join_names,
    ministry_names,
    nearest_open_deadline,
    stages,
    time_left,
)
from kernel.signoffs import signoffs

from .choices import DimensionVerdict, ReviewDimension
from .deadlines import RETURNED_DOSSIER_FIX
from .hooks import hooks
from .rules import APPROVAL_DECISION
from .states import ReviewDecision, Status

STAGES = [
    StageDefinition("apply", _("Application"), "Art. 10-12"),
    StageDefinition("recommend", _("Recommendation"), "Art. 10"),
    StageDefinition("formal_review", _("Formal review"), "Art. 13"),
    StageDefinition("expert_review", _("Expert review"), "Art. 13"),
    StageDefinition("site_inspection", _("Site inspection"), "Art. 13"),
    StageDefinition("publicity", _("Publicity"), "Art. 13"),
    StageDefinition("approval", _("Approval for construction"), "Art. 7, 13"),
]

STAGE_OF = {
    Status.DRAFT: "apply",
    Status.SUBMITTED: "recommend",
    Status.RETURNED: "recommend",
    Status.NOT_RECOMMENDED: "recommend",
    Status.RECOMMENDED: "formal_review",
    Status.SUPPLEMENT_REQUESTED: "formal_review",
    Status.FORMAL_REJECTED: "formal_review",
    Status.FORMAL_REVIEW_PASSED: "expert_review",
    Status.EXPERT_REVIEW: "expert_review",
    Status.SITE_INSPECTION: "site_inspection",
    Status.INSPECTED: "publicity",
    Status.PUBLICITY: "publicity",
    Status.AWAITING_APPROVAL: "approval",
    Status.APPROVED: "approval",
}
ENDED = (Status.NOT_RECOMMENDED, Status.FORMAL_REJECTED, Status.REJECTED, Status.WITHDRAWN)

# Who acts next in each open state, and what they are asked to do.
NEXT = {
    Status.DRAFT: (PartyCode.HOST, _("Complete the dossier and submit it to the recommender (Art. 13).")),
    Status.SUBMITTED: (PartyCode.RECOMMENDERS, _("Preliminary review on the six dimensions: recommend, return for "
                                                 "revision or decline (Art. 10).")),
    Status.RETURNED: (PartyCode.HOST, _("Revise the dossier as the recommender asks and submit it again (Art. 13).")),
    Status.RECOMMENDED: (PartyCode.MINISTRIES, _("Formal review of the dossier against the checklist (Art. 13).")),
    Status.SUPPLEMENT_REQUESTED: (PartyCode.HOST, _("Supplement the dossier as formal review asks and resubmit it "
                                                    "to formal review (Art. 13).")),
    Status.FORMAL_REVIEW_PASSED: (PartyCode.MINISTRIES, _("Put the application into an expert review round (Art. 13).")),
    Status.EXPERT_REVIEW: (PartyCode.EXPERTS, _("The assigned experts score the application (Art. 9, 13).")),
    Status.SITE_INSPECTION: (PartyCode.MINISTRIES, _("Inspect the site and record the findings (Art. 13).")),
    Status.INSPECTED: (PartyCode.MINISTRIES, _("Publish the publicity notice (Art. 13).")),
    Status.PUBLICITY: (PartyCode.PUBLIC, _("Anyone may lodge a real-name objection while the notice is open; then the "
                                           "ministries close it (Art. 13).")),
    Status.AWAITING_APPROVAL: (PartyCode.MINISTRIES, _("Sign the approval for construction (Art. 7).")),
}




# --- who has acted, who has not -------------------------------------------------------------------------


def current_round_reviews(application):
    """The preliminary reviews of the current submission (a page that has loaded them sets the attribute)."""
    cached = getattr(application, "current_round_reviews", None)
    if cached is not None:
        return cached
    return list(application.reviews_of_round().select_related("recommender").order_by("-recommender__kind", "pk"))


def recommendation_state(application):
    """(names of the recommenders that have recommended, names of those still to decide) for the current
    submission: from the `with_status_detail()` annotations on lists, else from its reviews."""
    if hasattr(application, "awaiting_recommender_1"):
        done = [application.recommended_by] if application.recommended_by else []
        pending = [n for n in (application.awaiting_recommender_1, application.awaiting_recommender_2) if n]
        return done, pending
    reviews = current_round_reviews(application)
    return ([r.recommender.name for r in reviews if r.decision == ReviewDecision.RECOMMENDED],
            [r.recommender.name for r in reviews if r.decision == ReviewDecision.PENDING])


def approval_signed_by(application):
    """The ministries ("samr", "miit") that have signed the approval (annotated by `with_status_detail()`)."""
    if hasattr(application, "approval_samr_signed"):
        flags = {SignOff.Ministry.SAMR: application.approval_samr_signed, SignOff.Ministry.MIIT: application.approval_miit_signed}
        return [m for m in SignOff.Ministry.values if flags[m]]

    signed = set(signoffs(application, APPROVAL_DECISION).values_list("ministry", flat=True))
    return [m for m in SignOff.Ministry.values if m in signed]


def status_text(application):
    """The status as people need it: who has acted and who still has to (two recommenders, two ministries)."""
    if application.status == Status.SUBMITTED:
        done, pending = recommendation_state(application)
        if done and pending:
            return gettext("%(done)s has recommended; awaiting the recommendation of %(pending)s") % {
                "done": join_names(done), "pending": join_names(pending)}
        if pending:
            return gettext("Submitted, awaiting the recommendation of %(pending)s") % {"pending": join_names(pending)}
    if application.status == Status.AWAITING_APPROVAL:
        signed = approval_signed_by(application)
        if len(signed) == 1:
            unsigned = [m for m in SignOff.Ministry.values if m not in signed]
            return gettext("%(signed)s has signed the approval; awaiting the signature of %(unsigned)s") % {
                "signed": ministry_names(signed), "unsigned": ministry_names(unsigned)}
    return application.get_status_display()


# --- the stepper --------------------------------------------------------------------------------------


def _next_party(application):
    if application.status == Status.SUBMITTED:
        pending = tuple(r.recommender for r in current_round_reviews(application)
                        if r.decision == ReviewDecision.PENDING)
        return Party(PartyCode.RECOMMENDERS, pending)
    if application.status == Status.AWAITING_APPROVAL:
        unsigned = [m for m in SignOff.Ministry.values if m not in approval_signed_by(application)]
        return Party(unsigned[0] if len(unsigned) == 1 else PartyCode.MINISTRIES)
    return Party(NEXT[application.status][0])


def _stage_of_end(application, last_entry):
    """Where a withdrawn or rejected application left the way: the stage of the state it left."""
    status = application.status
    if status in STAGE_OF:
        return STAGE_OF[status]
    source = getattr(last_entry, "source_state", None)
    return STAGE_OF.get(source, "apply")


def application_progress(application, last_entry=None):
    """The stepper of `application`. `last_entry`: its latest audit record (where an ended one stopped)."""
    status = application.status
    text = status_text(application)
    if status in ENDED:
        if last_entry is None:
            last_entry = AuditEntry.objects.for_object(application).transitions().order_by("-at", "-pk").first()
        return Progress(stages(STAGES, _stage_of_end(application, last_entry), ended=True), text, ended=True,
                        outcome=last_entry)
    if status == Status.APPROVED:
        return Progress(stages(STAGES, "approval", completed=True), text)
    deadline = nearest_open_deadline(Deadline.objects.for_object(application))
    if deadline is None and hooks.stage_deadline is not None:
        deadline = hooks.stage_deadline(application)
    return Progress(stages(STAGES, STAGE_OF[status]), text, _next_party(application), NEXT[status][1], deadline)


# --- why the dossier came back ----------------------------------------------------------------------


@dataclass
class HostRequest:
    """What a returned or supplement-requested dossier asks of its host, shown at the top of its pages."""

    kind: str  # "returned" (a recommender, Art. 10) or "supplement" (formal review, Art. 13)
    reasons: list  # [(who, comment)]
    items: list = field(default_factory=list)  # [(item, note)]: dimensions to revise, checks not confirmed
    deadline: Deadline | None = None
    left: TimeLeft | None = None


def _dimensions_to_revise(review):
    """(dimension, the recommender's note or verdict) for each Art. 10 dimension that did not meet the requirement."""
    out = []
    for code, label in ReviewDimension.choices:
        entry = (review.dimensions or {}).get(code) or {}
        verdict = entry.get("verdict")
        if verdict in DimensionVerdict.values and verdict != DimensionVerdict.MEETS:
            out.append((label, entry.get("comment") or DimensionVerdict(verdict).label))
    return out


def host_request(application, today=None):
    """Why `application` is back with its host, what to fix and by when (None unless returned or supplement)."""
    if application.status == Status.RETURNED:
        returned = [r for r in current_round_reviews(application) if r.decision == ReviewDecision.RETURNED]
        reasons = [(r.recommender, r.comment) for r in returned]
        items = [item for r in returned for item in _dimensions_to_revise(r)]
        request = HostRequest("returned", reasons, items)
        kinds = {RETURNED_DOSSIER_FIX.code}
    elif application.status == Status.SUPPLEMENT_REQUESTED and hooks.supplement_request is not None:
        found = hooks.supplement_request(application)
        reason, reviewer, unconfirmed = found or ("", None, [])
        request = HostRequest("supplement", [(reviewer, reason)] if found else [], [(text, "") for text in unconfirmed])
        kinds = None
    else:
        return None
    request.deadline = nearest_open_deadline(Deadline.objects.for_object(application), kinds)
    if request.deadline is not None:
        request.left = time_left(request.deadline, today)
    return request
