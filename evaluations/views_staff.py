"""The buttons ministry staff press on a laboratory's page (`labs:`): confirm the acceptance (Art. 19), delist
(Art. 25), grant or refuse an extension (Art. 18), accept a change or order a re-review (Art. 24)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import staff_required
from kernel import exports
from kernel.confirmation import before_transition
from kernel.web import run_and_redirect, safe_next
from reviews.forms import parse_ids

from . import batch
from .models import ChangeReport, ExtensionRequest, Laboratory
from .views import LIST_COLUMNS, visible_or_404


@login_required
@require_http_methods(["GET", "POST"])
def transition(request, pk, name):
    """confirm_acceptance, delist (drastic: a confirmation page first; comment required, Art. 25) ... on the lab;
    403/409/400 become messages."""
    lab = visible_or_404(request, pk)
    answer = before_transition(request, lab, name, lab.get_absolute_url())
    if answer is not None:
        return answer
    return run_and_redirect(request, lab, name, lab.get_absolute_url())


@login_required
@require_POST
def extension_transition(request, pk, name):
    """grant / refuse (comment required) an extension request (Art. 18)."""
    obj = get_object_or_404(ExtensionRequest.objects.filter(laboratory__in=Laboratory.objects.visible_to(request.user)), pk=pk)
    return run_and_redirect(request, obj, name, obj.get_absolute_url())


@login_required
@require_POST
def change_transition(request, pk, name):
    """accept / order_re_review (comment required) a change report (Art. 24)."""
    obj = get_object_or_404(ChangeReport.objects.filter(laboratory__in=Laboratory.objects.visible_to(request.user)), pk=pk)
    return run_and_redirect(request, obj, name, obj.get_absolute_url())


@staff_required
@require_POST
def batch_action(request):
    """A batch action on the laboratories selected on the list: the per-item report (`evaluations.batch`) or the
    selection as CSV/XLSX (`?export=`)."""
    back = safe_next(request, reverse("labs:list"))
    action = request.POST.get("action", "")
    ids = parse_ids(request.POST.getlist("laboratories"))
    labs, missing = batch.selected(request.user, ids)
    if not labs and not missing:
        messages.warning(request, _("Select at least one laboratory first."))
        return redirect(back)
    if action == "export" and exports.requested(request):
        rows = Laboratory.objects.visible_to(request.user).filter(pk__in=[lab.pk for lab in labs]).for_table()
        return exports.export(request, rows, LIST_COLUMNS, _("Selected laboratories"))
    if action in ("acceptance", "evaluation"):
        report = batch.prepare_round(labs, action)
    elif action == "notice":
        report = batch.prepare_notice(labs)
    else:
        messages.error(request, _("Unknown action."))
        return redirect(back)
    return render(request, "labs/batch.html", {"report": report.finish(missing, ids), "back": back})
