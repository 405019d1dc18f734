"""Who hears of an application's steps from the draft to the recommendation (Art. 10, 13), in one table
registered with the notification engine (`kernel.notifications`). The ministry stage's steps of the same
machine are in `reviews.notifications`."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.recipients import applicants_of, ministry_staff, users_in
from kernel.formatting import format_date
from kernel.notifications import Rule, open_due_date, register

from .deadlines import RETURNED_DOSSIER_FIX
from .models import Application, Status

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
}

register(NOTIFICATION_RULES)
