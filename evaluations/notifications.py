"""Who hears about a laboratory's transitions: its host's users and the ministries' staff."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from labportal.notifications import messenger


def notify_lab_transition(lab, entry):
    users = get_user_model().objects.filter(
        Q(role=Role.APPLICANT, organisation_id=lab.host_id) | Q(role=Role.MINISTRY_STAFF), is_active=True,
    )
    messenger(users, _("%(lab)s: %(status)s") % {"lab": lab, "status": lab.get_status_display()},
              entry.comment, lab.get_absolute_url())
