"""Who hears of an application's steps from the draft to the recommendation (Art. 10, 13), in one table
registered with the notification engine (`kernel.notifications`). The ministry stage's steps of the same
machine are in `reviews.notifications`."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.recipients import applicants_of, ministry_staff, staff_yet_to_sign, users_in
from kernel.formatting import format_date
from kernel.notifications import Rule, open_due_date, register

from .deadlines import RETURNED_DOSSIER_FIX
from .models import Application, Call, CallStatus, Status
from .rules import CALL_LIST_DECISION, CALL_OPENING_DECISION

# The states in which the ministries have the dossier (a withdrawal from them concerns them).
AT_THE_MINISTRIES = (
    Status.RECOMMENDED, Status.SUPPLEMENT_REQUESTED, Status.FORMAL_REVIEW_PASSED, Status.EXPERT_REVIEW,
    Status.SITE_INSPECTION, Status.INSPECTED, Status.AWAITING_APPROVAL,
)


# --- who ---------------------------------------------------------------------------------------


def host_applicants(event):
    return applicants_of(event.obj.host_id)


def recommenders_of_submission(event):
    """The recommenders the current submission was routed to (Art. 10)."""
    application = event.obj
    return users_in(Role.RECOMMENDER, organisation__preliminary_reviews__application=application,
                    organisation__preliminary_reviews__round=application.revision_count).distinct()


def recommenders(event):
    """Every recommender the application was ever routed to: they hear of its outcome."""
    return users_in(Role.RECOMMENDER, organisation__preliminary_reviews__application=event.obj).distinct()


def ministries(event):
    return ministry_staff()


def ministries_if_theirs(event):
    """The ministries' staff when the dossier was with them (from the recommendation on)."""
    return ministry_staff() if event.source in AT_THE_MINISTRIES else ()


# --- what --------------------------------------------------------------------------------------


def submission(event):
    application = event.obj
    routed = application.reviews_of_round().select_related("recommender")
    return {"host": str(application.host), "revision": application.revision_count,
            "recommenders": "、".join(str(review.recommender) for review in routed)}


def fix_window(event):
    """The returned dossier's deadline, as the rule counts it (working days, Art. 13)."""
    return {"due": format_date(open_due_date(event.obj, RETURNED_DOSSIER_FIX.code)),
            "days": settings.RETURNED_DOSSIER_FIX_WORKING_DAYS}


def holder(event):
    return {"host": str(event.obj.host)}


def yet_to_sign_call(event):
    return staff_yet_to_sign(event.obj, CALL_OPENING_DECISION)


def yet_to_sign_list(event):
    return staff_yet_to_sign(event.obj, CALL_LIST_DECISION)


def call_terms(event):
    call = event.obj
    return {"opens": format_date(call.opens_on), "closes": format_date(call.closes_on),
            "due": format_date(call.recommenders_due), "count": call.construction_list.count()}


NOTIFICATION_RULES = {
    Application: {
        "submit": (
            Rule(to=(recommenders_of_submission,), subject=_("New application to review: %(name)s"),
                 body=_("%(host)s submitted the application (submission %(revision)s) for your preliminary review (Art. 10)."),
                 facts=submission),
            Rule(to=(host_applicants,), actor_too=True, subject=_("Submitted: %(name)s"),
                 body=_("The application was submitted to %(recommenders)s for preliminary review (Art. 10)."),
                 facts=submission),
        ),
        "recommend": (
            Rule(to=(host_applicants,), targets=(Status.SUBMITTED,),
                 subject=_("%(name)s: recommended by %(actor_org)s"),
                 body=_("%(actor_org)s recommended the application; the other recommender's review is awaited (Art. 10).")),
            Rule(to=(host_applicants,), targets=(Status.RECOMMENDED,), subject=_("%(name)s: recommended"),
                 body=_("Every recommender recommended the application; it goes to SAMR and MIIT for formal review "
                        "(Art. 10, 13).")),
            Rule(to=(ministries,), targets=(Status.RECOMMENDED,), subject=_("Recommended for formal review: %(name)s"),
                 body=_("All recommenders have recommended this application; it awaits the formal review (Art. 10, 13)."),
                 show_comment=False),
        ),
        "return_for_revision": (
            Rule(to=(host_applicants,), subject=_("%(name)s: returned for revision"),
                 body=_("%(actor_org)s returned the application for revision (Art. 10). Revise it and submit it again "
                        "by %(due)s (%(days)s working days)."),
                 facts=fix_window),
            Rule(to=(recommenders_of_submission,), subject=_("%(name)s: returned for revision by %(actor_org)s"),
                 body=_("Your review of this submission is closed; the revised dossier will come back to you (Art. 10).")),
        ),
        "decline": (
            Rule(to=(host_applicants,), subject=_("%(name)s: not recommended"),
                 body=_("%(actor_org)s declined to recommend the application (Art. 10).")),
            Rule(to=(recommenders_of_submission,), subject=_("%(name)s: not recommended by %(actor_org)s"),
                 body=_("Your review of this submission is closed (Art. 10).")),
        ),
        "withdraw": Rule(to=(host_applicants, recommenders, ministries_if_theirs), subject=_("Withdrawn: %(name)s"),
                         body=_("%(host)s withdrew the application (Art. 13)."), facts=holder),
    },
    Call: {
        "sign_opening": (
            Rule(to=(yet_to_sign_call,), targets=(CallStatus.DRAFT,), subject=_("Sign the call for applications: %(name)s"),
                 body=_("%(actor_org)s signed the call for publication; your ministry's signature is awaited (Art. 7, 13).")),
            Rule(to=(ministries,), targets=(CallStatus.OPEN,), subject=_("Call published: %(name)s"), facts=call_terms,
                 body=_("SAMR and MIIT published the call: applications are accepted from %(opens)s to %(closes)s, and "
                        "the recommenders decide by %(due)s (Art. 13).")),
        ),
        "propose_list": Rule(
            to=(ministries,), subject=_("Sign the construction list: %(name)s"), facts=call_terms,
            body=_("The construction list of the call was proposed with %(count)s applications; each ministry signs it "
                   "(Art. 7, 13).")),
        "sign_list": (
            Rule(to=(yet_to_sign_list,), targets=(CallStatus.LIST_PROPOSED,), facts=call_terms,
                 subject=_("Sign the construction list: %(name)s"),
                 body=_("%(actor_org)s signed the construction list of the call (%(count)s applications); your "
                        "ministry's signature is awaited (Art. 7, 13).")),
            Rule(to=(ministries,), targets=(CallStatus.CONCLUDED,), subject=_("Construction list approved: %(name)s"),
                 facts=call_terms,
                 body=_("SAMR and MIIT approved the construction list of the call: its %(count)s applications are "
                        "approved for construction (Art. 7, 13).")),
        ),
        "withdraw_list": Rule(
            to=(ministries,), subject=_("Construction list withdrawn: %(name)s"),
            body=_("%(actor_org)s withdrew the construction list of the call; the signatures given lapse and a list "
                   "may be proposed again (Art. 13).")),
    },
}

register(NOTIFICATION_RULES)
