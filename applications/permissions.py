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


def has_pending_review(application, user):
    """A recommender whose organisation still owes a decision on the current submission (Art. 10)."""
    if not (user is not None and user.is_authenticated and user.is_active and user.role == Role.RECOMMENDER):
        return False
    return application.pending_review_for(user) is not None
