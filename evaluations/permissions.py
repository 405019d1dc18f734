"""Who may act on a laboratory (permission callables for its @transition declarations)."""

from accounts.models import Role
from applications.permissions import is_ministry_staff


def is_lab_host(laboratory, user):
    """An active applicant user of the lab's host institution (who builds and runs it, Art. 11)."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.role == Role.APPLICANT
                and user.organisation_id and user.organisation_id == laboratory.host_id)


def may_confirm_acceptance(laboratory, user):
    from kernel.signoffs import has_signed

    from .models import CONFIRM_ACCEPTANCE

    return is_ministry_staff(laboratory, user) and not has_signed(laboratory, CONFIRM_ACCEPTANCE, user)


def may_sign_delisting(laboratory, user):
    from kernel.signoffs import has_signed

    from .models import DELIST

    return is_ministry_staff(laboratory, user) and not has_signed(laboratory, DELIST, user)


may_confirm_acceptance.party = is_ministry_staff
may_sign_delisting.party = is_ministry_staff
