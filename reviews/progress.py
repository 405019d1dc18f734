"""What the ministry stage tells an application's pages (`applications.progress.hooks`, set in `apps.py`):
why formal review asked for a supplement, the publicity window's clock and the staff page of each stage."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.rules import is_ministry_staff
from applications.models import Status
from kernel.formatting import format_date
from kernel.models import Deadline

from .deadlines import PUBLICITY_START, PUBLICITY_WINDOW
from .models import FormalReview, FormalReviewItem, NoticeStatus, PublicityNotice


def supplement_request(application):
    """(comment, reviewer's organisation, texts of the checks left unconfirmed) of the latest supplement request."""
    review = (FormalReview.objects.filter(application=application, outcome=FormalReview.Outcome.SUPPLEMENT)
              .select_related("reviewer__organisation").order_by("-at", "-pk").first())
    if review is None:
        return None
    unconfirmed = [int(pk) for pk, confirmed in (review.checks or {}).items() if not confirmed]
    texts = list(FormalReviewItem.objects.filter(pk__in=unconfirmed).order_by("order", "pk").values_list("text", flat=True))
    return review.comment, review.reviewer.organisation, texts


def publicity_deadline(application):
    """The window of the open notice `application` is under (its clock belongs to the notice); while it waits for
    a notice dated ahead, that notice's publication day (`publicity.start`)."""
    notice = application.publicity_notices.filter(status=NoticeStatus.OPEN).order_by("-starts_on").first()
    if notice is not None:
        return Deadline.objects.for_object(notice).open().filter(kind=PUBLICITY_WINDOW.code).first()
    notice = scheduled_notice(application)
    if notice is not None:
        return Deadline.objects.for_object(notice).open().filter(kind=PUBLICITY_START.code).first()
    return None


def scheduled_notice(application):
    """The notice dated ahead that holds `application` (or its laboratory), or None."""
    return application.publicity_notices.filter(status=NoticeStatus.SCHEDULED).first()


def _with_selected(url_name):
    return lambda app: reverse(url_name) + "?" + urlencode({"applications": app.pk})


@dataclass(frozen=True)
class MinistryStep:
    """The ministries' next step on an application in this state, and the page where it is taken."""

    label: str
    url: Callable  # application -> URL
    on_dossier: bool = True  # False where the dossier's own action buttons already lead there


# One table for the review queue's "Next step" column and the dossier's link to the stage's staff page.
MINISTRY_STEPS = {
    Status.RECOMMENDED: MinistryStep(_("Formal review"), lambda app: reverse("reviews:formal_review", args=[app.pk]),
                                     on_dossier=False),
    Status.FORMAL_REVIEW_PASSED: MinistryStep(_("Open an expert review round"), _with_selected("reviews:round_create")),
    Status.SITE_INSPECTION: MinistryStep(_("Record the site inspection"),
                                         lambda app: reverse("reviews:inspection", args=[app.pk])),
    Status.INSPECTED: MinistryStep(_("Publish a publicity notice"), _with_selected("reviews:notice_create")),
    Status.AWAITING_APPROVAL: MinistryStep(_("Sign approval"), lambda app: app.get_absolute_url(), on_dossier=False),
}


def _waiting_for_notice(application):
    """(label, url) for an inspected application held by a notice dated ahead: it waits for that day, not for a
    notice to be opened. `with_scheduled_notice()` annotates a list; else one query."""
    if application.status != Status.INSPECTED:
        return None
    if hasattr(application, "scheduled_notice_id"):
        notice_id, starts_on = application.scheduled_notice_id, application.scheduled_notice_starts_on
    else:
        notice = scheduled_notice(application)
        notice_id, starts_on = (notice.pk, notice.starts_on) if notice else (None, None)
    if notice_id is None:
        return None
    return (_("Publicity scheduled from %(date)s") % {"date": format_date(starts_on)},
            reverse("reviews:notice", args=[notice_id]))


def with_scheduled_notice(queryset):
    """Annotate applications with the notice dated ahead that holds each (`scheduled_notice_id`, `..._starts_on`)."""
    held = PublicityNotice.objects.filter(status=NoticeStatus.SCHEDULED, applications=OuterRef("pk")).order_by("pk")
    return queryset.annotate(scheduled_notice_id=Subquery(held.values("pk")[:1]),
                             scheduled_notice_starts_on=Subquery(held.values("starts_on")[:1]))


def next_step(application):
    """(label, url) of the ministries' next step on `application`, or None when it waits for nobody there."""
    waiting = _waiting_for_notice(application)
    if waiting:
        return waiting
    step = MINISTRY_STEPS.get(application.status)
    return (step.label, step.url(application)) if step else None


def staff_action(application, user):
    """(label, url) of the staff page where the current stage's step is taken, for ministry staff."""
    step = MINISTRY_STEPS.get(application.status)
    if step is None or not step.on_dossier or not is_ministry_staff(user):
        return None
    return _waiting_for_notice(application) or (step.label, step.url(application))
