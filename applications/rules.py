"""Who may act on an application, as `rules` predicates over (user, application), composed from who the
user is (`accounts.rules`). The @transition declarations take them through `fsm_permission`; views, the API
and templates ask the same. Who may *see* is `Application.objects.visible_to(user)`."""

import rules

from accounts.rules import is_applicant, is_ministry_staff, is_recommender
from kernel.signoffs import has_signed

# The joint decision both ministries sign to approve construction (Art. 7).
APPROVAL_DECISION = "approve_construction"
# The joint decisions on a call (申报批次): publishing it, and approving its construction list (Art. 7, 13).
CALL_OPENING_DECISION = "open_call"
CALL_LIST_DECISION = "approve_construction_list"


@rules.predicate
def is_host_applicant(user, application):
    """An active applicant user of the host institution."""
    return is_applicant(user) and user.organisation_id == application.host_id


@rules.predicate
def is_routed_recommender(user, application):
    """An active recommender whose organisation has had this application routed to it in any round."""
    return (is_recommender(user) and application.pk is not None
            and application.preliminary_reviews.filter(recommender_id=user.organisation_id).exists())


@rules.predicate
def has_pending_review(user, application):
    """A recommender whose organisation still owes a decision on the current submission (Art. 10). It
    depends on the state, so a routed recommender acting in the wrong state is told "not now" (409)."""
    return is_recommender(user) and application.pending_review_for(user) is not None


@rules.predicate
def may_print_revision(user, revision):
    """Who may download a revision's dossier as a book: whoever sees the application; an assigned expert only the
    revision they review."""
    return type(revision).objects.printable_for(user).filter(pk=revision.pk).exists()


@rules.predicate
def may_create_application(user):
    """Only an active applicant user of a host institution opens a dossier (Art. 5, 13)."""
    return is_applicant(user) and user.organisation.is_host


@rules.predicate
def has_signed_approval(user, application):
    return has_signed(application, APPROVAL_DECISION, user)


# Ministry staff whose ministry has not yet signed this application's approval (Art. 7).
may_sign_approval = is_ministry_staff & ~has_signed_approval

@rules.predicate
def has_signed_call_opening(user, call):
    return has_signed(call, CALL_OPENING_DECISION, user)


@rules.predicate
def has_signed_call_list(user, call):
    return has_signed(call, CALL_LIST_DECISION, user)


# Ministry staff whose ministry has not yet signed the call's publication, or its construction list (Art. 7, 13).
may_sign_call_opening = is_ministry_staff & ~has_signed_call_opening
may_sign_call_list = is_ministry_staff & ~has_signed_call_list

rules.add_rule("applications.create", may_create_application)
rules.add_rule("applications.act_as_host", is_host_applicant)
rules.add_rule("applications.print_revision", may_print_revision)
