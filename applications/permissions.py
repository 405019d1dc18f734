"""Who may act on an application: permission callables for the @transition declarations.

Visibility (who may *see*) is `Application.objects.visible_to(user)`; these decide who may *act*.
"""

from accounts.models import Role


def is_host_applicant(application, user):
    """An active applicant user of the host institution."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role == Role.APPLICANT
        and user.organisation_id
        and user.organisation_id == application.host_id
    )


def is_routed_recommender(application, user):
    """An active recommender whose organisation has had this application routed to it in any round."""
    if not (user is not None and user.is_authenticated and user.is_active and user.role == Role.RECOMMENDER):
        return False
    if not user.organisation_id or application.pk is None:
        return False
    return application.preliminary_reviews.filter(recommender_id=user.organisation_id).exists()


def has_pending_review(application, user):
    """A recommender whose organisation still owes a decision on the current submission (Art. 10)."""
    if not (user is not None and user.is_authenticated and user.is_active and user.role == Role.RECOMMENDER):
        return False
    return application.pending_review_for(user) is not None


# `has_pending_review` depends on the state (a review is pending only while the application is
# submitted), so it cannot tell "not yours" (403) from "not now" (409). `run_transition` asks the
# permission's `party` for that: a routed recommender acting in the wrong state gets a conflict.
has_pending_review.party = is_routed_recommender


def may_create_application(user):
    """Only an active applicant user of a host institution opens a dossier (Art. 5, 13)."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.role == Role.APPLICANT
        and user.organisation_id and user.organisation.is_host
    )


def is_ministry_staff(obj, user):
    """Staff of SAMR or MIIT (the coordination office, Art. 8) run the ministry-side stages."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.role == Role.MINISTRY_STAFF
        and user.organisation_id and user.organisation.is_ministry
    )


def may_sign_approval(application, user):
    """Ministry staff whose ministry has not yet signed this application's approval (Art. 7)."""
    from kernel.signoffs import has_signed

    from .models import APPROVAL_DECISION

    return is_ministry_staff(application, user) and not has_signed(application, APPROVAL_DECISION, user)


may_sign_approval.party = is_ministry_staff
