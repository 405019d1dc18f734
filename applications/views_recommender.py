"""The recommenders' page: the preliminary review of an application routed to their organisation (Art. 10),
each of the six dimensions judged, then recommend, return for revision or decline."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition

from .forms import REVIEW_ACTIONS, SECTION_ORDER, SECTIONS, PreliminaryReviewForm
from .rules import has_pending_review
from .views import DOSSIER_PREFETCH, visible_or_404


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    application = visible_or_404(request, pk, *DOSSIER_PREFETCH)
    if not has_pending_review(request.user, application):
        messages.info(request, _("No preliminary review of this application is waiting for your organisation."))
        return redirect(application)
    eligibility_result = application.eligibility
    form = PreliminaryReviewForm(request.POST or None, show_acknowledgement=eligibility_result.has_warnings)
    if request.method == "POST":
        action = request.POST.get("action")
        if form.is_valid():
            if action not in REVIEW_ACTIONS:
                form.add_error(None, _("Choose to recommend, return for revision or decline."))
            else:
                try:
                    application = run_transition(
                        application, action, request.user, form.cleaned_data["comment"],
                        dimensions=form.dimensions(),
                        warnings_acknowledged=form.cleaned_data.get("warnings_acknowledged", False),
                    )
                except RuleViolation as exc:
                    form.add_rule_violation(exc)
                except (TransitionConflict, PermissionDenied) as exc:
                    messages.error(request, getattr(exc, "message", None) or str(exc))
                    return redirect(application)
                else:
                    messages.success(request, _("Your preliminary review was recorded; the status is now “%(status)s”.")
                                     % {"status": application.status_text})
                    return redirect(application)
    return render(request, "applications/review.html", {
        "application": application,
        "form": form,
        "eligibility": eligibility_result,
        "sections": [SECTIONS[s] for s in SECTION_ORDER],
        "fix_days": settings.RETURNED_DOSSIER_FIX_WORKING_DAYS,
    })
