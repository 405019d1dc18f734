"""Who a user is, as `rules` predicates: each defined once, here. The apps compose their permissions from
them in their own `rules.py`, and views, the API, templates (`{% test_rule %}`) and the @transition
permissions (through `kernel.transitions.fsm_permission`) all ask the same predicates."""

import rules
from django.conf import settings

from .models import Role


@rules.predicate
def is_active_user(user):
    return bool(user is not None and user.is_authenticated and user.is_active)


@rules.predicate
def is_applicant(user):
    """An active applicant user of an organisation (a host institution, Art. 5)."""
    return is_active_user(user) and user.role == Role.APPLICANT and bool(user.organisation_id)


@rules.predicate
def is_recommender(user):
    """An active user of a recommending organisation (Art. 10)."""
    return is_active_user(user) and user.role == Role.RECOMMENDER and bool(user.organisation_id)


@rules.predicate
def is_ministry_staff(user):
    """Staff of SAMR or MIIT (the coordination office, Art. 8), who run the ministry-side stages."""
    return (is_active_user(user) and user.role == Role.MINISTRY_STAFF and bool(user.organisation_id)
            and user.organisation.is_ministry)


@rules.predicate
def is_expert(user):
    """A member of the expert pool (Art. 9)."""
    return is_active_user(user) and user.role == Role.EXPERT


@rules.predicate
def is_administrator(user):
    """A portal administrator: may look at everything; the transitions refuse them any action."""
    return is_active_user(user) and (user.is_superuser or user.role == Role.ADMINISTRATOR)


@rules.predicate
def needs_second_factor(user):
    """Who confirms a second factor after the password: the roles of `OTP_REQUIRED_ROLES` (ministry staff,
    administrators, experts by default), superusers and anyone who may enter the Django admin."""
    return is_active_user(user) and (user.is_superuser or user.is_staff or user.role in settings.OTP_REQUIRED_ROLES)


# Who may read the ministries' pages and endpoints: their staff, and administrators, who may look.
is_staff_reader = is_ministry_staff | is_administrator
# Who works with applications and laboratories (their lists are filtered by `visible_to`).
reads_applications = is_applicant | is_recommender | is_staff_reader

for name, predicate in {"is_applicant": is_applicant, "is_recommender": is_recommender,
                        "is_ministry_staff": is_ministry_staff, "is_expert": is_expert,
                        "is_administrator": is_administrator, "is_staff_reader": is_staff_reader,
                        "reads_applications": reads_applications,
                        "needs_second_factor": needs_second_factor}.items():
    rules.add_rule(f"accounts.{name}", predicate)
