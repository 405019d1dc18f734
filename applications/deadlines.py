"""The clocks of the application stage."""

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
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


# --- the clocks of a call (申报批次): reminders to those who still have to act, nothing lapses into a consequence


def hosts_with_unsubmitted_drafts(call):
    """The applicants of the hosts whose dossier in `call` was started but never submitted (Art. 13)."""
    hosts = call.applications.filter(status="draft", submitted_at__isnull=True).values("host_id")
    return User.objects.filter(role=Role.APPLICANT, is_active=True, organisation_id__in=hosts)


def recommenders_yet_to_decide(call):
    """The recommenders owing a decision on a dossier of `call` submitted to them (Art. 10)."""
    pending = call.applications.filter(
        status="submitted", preliminary_reviews__decision="pending",
        preliminary_reviews__round=F("revision_count"),
    ).values("preliminary_reviews__recommender_id")
    return User.objects.filter(role=Role.RECOMMENDER, is_active=True, organisation_id__in=pending)


def _applications_page(call):
    return reverse("applications:list")


CALL_WINDOW = register(DeadlineKind(
    code="call.window",
    label=_("Submissions to the call close"),
    article="Art. 13",
    reminder_days=(7, 1),
    optional=True,  # a window, not an obligation: it closes unnoticed
    reminded=hosts_with_unsubmitted_drafts,
    reminded_url=_applications_page,
))

CALL_RECOMMENDERS = register(DeadlineKind(
    code="call.recommenders",
    label=_("Recommenders' deadline of the call"),
    article="Art. 13",
    reminder_days=(7, 1),
    optional=True,
    reminded=recommenders_yet_to_decide,
    reminded_url=_applications_page,
))
