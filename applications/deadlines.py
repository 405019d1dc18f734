"""The clocks of the application stage."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from kernel.deadlines import DeadlineKind, register

RETURNED_DOSSIER_FIX = register(DeadlineKind(
    code="application.returned_fix",
    label=_("Revise and resubmit the returned dossier"),
    article="Art. 13",
    working_days=True,
    reminder_days=(5, 1),
    roles=(Role.APPLICANT,),
))

SUPPLEMENT_FIX = register(DeadlineKind(
    code="application.supplement_fix",
    label=_("Supplement the dossier for formal review"),
    article="Art. 13",
    working_days=True,
    reminder_days=(5, 1),
    roles=(Role.APPLICANT,),
))
