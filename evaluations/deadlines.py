"""The clocks of the laboratory's life."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from labportal.deadlines import DeadlineKind, register

CONSTRUCTION_PERIOD = register(DeadlineKind(
    code="laboratory.construction_end",
    label=_("Construction period ends: apply for acceptance"),
    article="Art. 18",
    reminder_days=(90, 30, 7),
    roles=(Role.APPLICANT, Role.MINISTRY_STAFF),
))
