"""Who is who, for the notification tables (`<app>/notifications.py`): the active users of an organisation
in a role, and the staff of the ministries."""

from kernel.signoffs import signoffs

from .models import Role, User


def users_in(role, **filters):
    return User.objects.filter(role=role, is_active=True, **filters)


def applicants_of(organisation_id):
    """The host institution's users (Art. 5): they file and hear of everything about its applications and labs."""
    return users_in(Role.APPLICANT, organisation_id=organisation_id)


def ministry_staff():
    """The staff of SAMR and MIIT, who decide together."""
    return users_in(Role.MINISTRY_STAFF)


def staff_yet_to_sign(subject, decision):
    """The staff of the ministry whose sign-off of `decision` on `subject` is still awaited (dual sign-off)."""
    signed = signoffs(subject, decision).values_list("ministry", flat=True)
    return ministry_staff().exclude(organisation__kind__in=list(signed))
