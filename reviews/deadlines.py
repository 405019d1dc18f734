"""The clocks of the ministry stage."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind, Role
from kernel.deadlines import DeadlineKind, register
from kernel.transitions import run_transition

from .states import CommitteeStatus


def ministries():
    """Whom the ministry stage's clocks are addressed to: SAMR and MIIT."""
    return list(Organisation.objects.filter(kind__in=[OrganisationKind.SAMR, OrganisationKind.MIIT]))


def _expire_committee(deadline, committee):
    if committee.status == CommitteeStatus.ACTIVE:
        run_transition(committee, "expire", None, as_system=True)


PUBLICITY_WINDOW = register(DeadlineKind(
    code="publicity.window",
    label=_("Close the publicity notice (its window has ended)"),
    article="Art. 13",
    working_days=True,
    reminder_days=(1,),
    roles=(Role.MINISTRY_STAFF,),
    url=lambda notice: notice.get_staff_url(),
))

COMMITTEE_TERM = register(DeadlineKind(
    code="committee.term",
    label=_("Expert committee term ends"),
    article="Art. 9",
    reminder_days=(60, 30, 7),
    roles=(Role.MINISTRY_STAFF,),
    on_missed=_expire_committee,
    url=lambda committee: "/admin/reviews/expertcommittee/%s/change/" % committee.pk,
))

