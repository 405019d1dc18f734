"""Who hears about an assignment's transitions."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from labportal.notifications import messenger


def notify_assignment_transition(assignment, entry):
    if entry.transition == "declare_conflict":
        staff = get_user_model().objects.filter(role=Role.MINISTRY_STAFF, is_active=True)
        messenger(staff, _("Replace an expert: conflict of interest declared on %(app)s") % {"app": assignment.application},
                  _("%(expert)s declared a conflict of interest: %(why)s") % {"expert": assignment.expert, "why": entry.comment},
                  assignment.round.get_absolute_url())
