"""What the ministry stage tells an application's pages (`applications.progress.hooks`, set in `apps.py`):
why formal review asked for a supplement, the publicity window's clock and the staff page of each stage."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.rules import is_ministry_staff
from applications.models import Status
from kernel.models import Deadline

from .deadlines import PUBLICITY_WINDOW
from .models import FormalReview, FormalReviewItem, NoticeStatus


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
    """The window of the open notice `application` is under (its clock belongs to the notice)."""
    notice = application.publicity_notices.filter(status=NoticeStatus.OPEN).order_by("-starts_on").first()
    if notice is None:
        return None
    return Deadline.objects.for_object(notice).open().filter(kind=PUBLICITY_WINDOW.code).first()


STAFF_PAGES = {
    Status.FORMAL_REVIEW_PASSED: (_("Open an expert review round"), lambda app: reverse("reviews:round_create")
                                  + "?" + urlencode({"applications": app.pk})),
    Status.SITE_INSPECTION: (_("Record the site inspection"), lambda app: reverse("reviews:inspection", args=[app.pk])),
    Status.INSPECTED: (_("Publish a publicity notice"), lambda app: reverse("reviews:notice_create")
                       + "?" + urlencode({"applications": app.pk})),
}


def staff_action(application, user):
    """(label, url) of the staff page where the current stage's step is taken, for ministry staff."""
    page = STAFF_PAGES.get(application.status)
    if page is None or not is_ministry_staff(user):
        return None
    label, url = page
    return label, url(application)
