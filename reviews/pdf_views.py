"""PDF documents of expert review (WeasyPrint via `kernel.pdf.render_pdf`, Chinese fonts embedded):
an expert's score sheet and a round's summary. Who may read them is decided by `visible_to` and the
ministry-staff permission; the figures come from the models and `reviews.services.round_results`.

A score sheet is one assignment's few criteria, a page: it is rendered in the request. A round's summary grows with
the round (hundreds of applications, thousands of sheets): a worker renders it once (`reviews.prepared`)."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.rules import is_ministry_staff
from kernel.audit import record
from kernel.document_views import document_response
from kernel.pdf import render_pdf
from kernel.web import pdf_response

from .models import Assignment, AssignmentStatus, ReviewRound, Score
from .prepared import round_summary

CENT = Decimal("0.01")


@login_required
@require_GET
def score_sheet_pdf(request, pk):
    """One expert's score sheet: the expert themselves and ministry staff."""
    user = request.user
    assignment = get_object_or_404(
        Assignment.objects.visible_to(user)
        .select_related("round", "round__criteria_set", "application", "application__host", "expert", "expert__organisation")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.visible_to(user).select_related("criterion"))),
        pk=pk,
    )
    if assignment.expert_id != user.pk and not is_ministry_staff(user):
        raise PermissionDenied(_("Only the expert and ministry staff can read a score sheet."))
    if assignment.status not in (AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED):
        raise Http404(_("There is no score sheet for this assignment."))
    scores = {s.criterion_id: s for s in assignment.scores.all()}
    rows = []
    for criterion in assignment.round.criteria_set.criteria.all():
        score = scores.get(criterion.pk)
        weighted = (score.value * criterion.weight / 100).quantize(CENT) if score else None
        rows.append({"criterion": criterion, "score": score, "weighted": weighted})
    total = assignment.weighted_total
    data = render_pdf("pdf/score_sheet.html", {
        "assignment": assignment,
        "application": assignment.application,
        "rows": rows,
        "total": total.quantize(CENT) if total is not None else None,
        "draft": assignment.status != AssignmentStatus.SUBMITTED,
        "printed_at": timezone.now(),
    })
    with translation.override(settings.LANGUAGE_CODE):  # the document's language: Chinese
        filename = _("Score sheet-%(app)s-%(expert)s.pdf") % {"app": assignment.application, "expert": assignment.expert}
    record("export", assignment, actor=user, data={"document": "score sheet", "format": "pdf"})
    return pdf_response(data, filename, f"score-sheet-{assignment.pk}.pdf")


@login_required
@require_GET
def round_pdf(request, pk):
    """A round's summary: the ranking and the criteria. Ministry staff only. A worker renders it (a round of hundreds
    of applications takes many seconds): the stored file of the round as it stands, or the page saying it is being
    prepared."""
    if not is_ministry_staff(request.user):
        raise PermissionDenied(_("Only SAMR or MIIT staff can read the round summary."))
    review_round = get_object_or_404(ReviewRound.objects.select_related("committee", "criteria_set"), pk=pk)
    document = round_summary(review_round)
    if document.ready:
        record("export", review_round, actor=request.user, data={"document": "round summary", "format": "pdf"})
    return document_response(request, document)
