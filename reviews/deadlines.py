"""The clocks of the ministry stage."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind, Role
from kernel.deadlines import DeadlineKind, register
from kernel.transitions import run_transition

from .states import OPEN_ASSIGNMENT_STATES, AssignmentStatus, CommitteeStatus, NoticeStatus


def ministries():
    """Whom the ministry stage's clocks are addressed to: SAMR and MIIT."""
    return list(Organisation.objects.filter(kind__in=[OrganisationKind.SAMR, OrganisationKind.MIIT]))


def _expire_committee(deadline, committee):
    if committee.status == CommitteeStatus.ACTIVE:
        run_transition(committee, "expire", None, as_system=True)


def experts_yet_to_submit(review_round):
    """The experts of the round with an assignment still open: only they are reminded of its scoring deadline."""
    return list(get_user_model().objects.filter(
        is_active=True, assignments__round=review_round,
        assignments__status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED]).distinct())


def late_experts(review_round):
    """The experts with assignments of the round not yet submitted, each with how many (`unsubmitted`), of which not
    yet declared (`undeclared`), and since when the first was assigned (`first_assigned`): staff's "who is late"."""
    pending = Q(assignments__round=review_round, assignments__status__in=OPEN_ASSIGNMENT_STATES)
    return (get_user_model().objects.filter(pending).select_related("organisation")
            .annotate(unsubmitted=Count("assignments", filter=pending),
                      undeclared=Count("assignments", filter=pending & Q(assignments__status=AssignmentStatus.ASSIGNED)),
                      first_assigned=Min("assignments__assigned_at", filter=pending))
            .order_by("full_name", "pk"))


def _publish_notice(deadline, notice):
    if notice.status == NoticeStatus.SCHEDULED:
        run_transition(notice, "publish", None, internal=True, as_system=True)


# A notice dated ahead is published on its first day (Art. 13), in the Asia/Shanghai day: the sweep runs `publish`.
PUBLICITY_START = register(DeadlineKind(
    code="publicity.start",
    label=_("Scheduled publicity notice is published"),
    article="Art. 13",
    reminder_days=(),
    roles=(Role.MINISTRY_STAFF,),
    on_due=_publish_notice,
    url=lambda notice: notice.get_staff_url(),
))

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
    url=lambda committee: reverse("admin:reviews_expertcommittee_change", args=[committee.pk]),
))


# The Measures set no scoring period; the ministries set one per round (default `ROUND_SCORING_WORKING_DAYS`). The
# experts yet to submit are reminded three days and one day before and on the day; when it passes, staff are told
# and decide (wait, replace, or conclude with two thirds and a reason: `late_experts`). Nothing happens by itself.
ROUND_SCORING = register(DeadlineKind(
    code="round.scoring",
    label=_("Experts' scores due"),
    article="Art. 13",
    reminder_days=(3, 1, 0),
    roles=(Role.MINISTRY_STAFF,),
    reminded=experts_yet_to_submit,
    reminded_url=lambda review_round: reverse("experts:assignments"),
))
