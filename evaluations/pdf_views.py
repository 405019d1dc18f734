"""PDF documents of a laboratory's life (WeasyPrint via `kernel.pdf.render_pdf`, Chinese fonts embedded):
the acceptance opinion (验收意见, Art. 19) of each decided acceptance application and the comprehensive
evaluation result notice (Art. 26-27). Who may read them: whoever may see the lab (`visible_to`)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kernel.pdf import render_pdf
from kernel.web import pdf_response

from .models import AcceptanceApplication, Evaluation, EvaluationResult, Laboratory


def _of_visible_labs(model, user):
    return model.objects.filter(laboratory__in=Laboratory.objects.visible_to(user)).select_related(
        "laboratory", "laboratory__host", "laboratory__application")


@login_required
@require_GET
def acceptance_opinion_pdf(request, pk):
    """The acceptance opinion of a decided acceptance application: verdict and the experts' opinion (Art. 19)."""
    acceptance = get_object_or_404(_of_visible_labs(AcceptanceApplication, request.user).exclude(verdict=""), pk=pk)
    lab = acceptance.laboratory
    data = render_pdf("pdf/acceptance_opinion.html", {
        "lab": lab,
        "acceptance": acceptance,
        "goal_statements": [s for s in acceptance.goal_statements if isinstance(s, dict)],
        "printed_at": timezone.now(),
    })
    with translation.override(settings.LANGUAGE_CODE):  # the document's language: Chinese
        filename = _("Acceptance opinion-%(lab)s.pdf") % {"lab": lab}
    return pdf_response(data, filename, f"acceptance-opinion-{acceptance.pk}.pdf")


@login_required
@require_GET
def evaluation_notice_pdf(request, pk):
    """The result notice of a decided comprehensive evaluation; an unqualified one names the rectification (Art. 27)."""
    evaluation = get_object_or_404(_of_visible_labs(Evaluation, request.user).exclude(result=""), pk=pk)
    lab = evaluation.laboratory
    data = render_pdf("pdf/evaluation_notice.html", {
        "lab": lab,
        "evaluation": evaluation,
        "unqualified": evaluation.result == EvaluationResult.UNQUALIFIED,
        "printed_at": timezone.now(),
    })
    with translation.override(settings.LANGUAGE_CODE):
        filename = _("Evaluation result notice-%(lab)s.pdf") % {"lab": lab}
    return pdf_response(data, filename, f"evaluation-notice-{evaluation.pk}.pdf")
