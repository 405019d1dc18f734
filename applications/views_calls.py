"""The ministries' pages of the calls for applications (申报批次, namespace "calls"): the list, a new call, one call
with its sign-offs, quotas, applications, rounds, notices and construction list, and its transitions. Visitors
and applicants see the published calls on the front page and the start page; these pages are the staff's."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.rules import is_ministry_staff
from kernel.documents import issued_for_each
from kernel.models import SignOff
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.signoffs import signoffs
from kernel.transitions import TransitionConflict, run_transition
from kernel.web import rule_text, run_and_redirect

from . import calls
from .documents import CALL_NOTICE, LIST_APPROVAL
from .forms import CallForm, CallQuotaForm
from .models import Application, Call, CallStatus, Status
from .rules import CALL_LIST_DECISION, CALL_OPENING_DECISION

PAGE_SIZE = 20


def _visible_call(request, pk):
    return get_object_or_404(Call.objects.visible_to(request.user), pk=pk)


@staff_required
@require_GET
def call_list(request):
    queryset = Call.objects.visible_to(request.user).with_status_detail().annotate(
        n_applications=Count("applications", filter=~Q(applications__status=Status.DRAFT)),
        n_approved=Count("applications", filter=Q(applications__status=Status.APPROVED)),
    ).order_by("-opens_on", "-pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "calls/list.html", {"page_obj": page, "calls": page.object_list,
                                               "query": query_without_page(request),
                                               "may_create": is_ministry_staff(request.user)})


@staff_required
@require_http_methods(["GET", "POST"])
def call_create(request):
    if not is_ministry_staff(request.user):
        raise PermissionDenied(_("Only SAMR and MIIT staff draft a call."))
    form = CallForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                call = form.save(commit=False)
                call.created_by = request.user
                call.save()
            messages.success(request, _("The call was drafted. Set the recommenders' quotas if any; it is published once "
                                        "SAMR and MIIT have both signed it."))
            return redirect(call)
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    return render(request, "calls/create.html", {"form": form})


LAPSED_MESSAGE = _lazy("The draft changed after a ministry had signed it: that signature lapsed, and both ministries sign "
                       "the call as it now stands (Art. 7).")


@staff_required
@require_http_methods(["GET", "POST"])
def call_edit(request, pk):
    """A draft call's terms corrected before publication; a signature already given lapses (`calls.draft_changed`)."""
    call = _visible_call(request, pk)
    if not is_ministry_staff(request.user):
        raise PermissionDenied(_("Only SAMR and MIIT staff draft a call."))
    try:
        calls.check_draft(call)
    except RuleViolation as exc:
        messages.error(request, rule_text(exc))
        return redirect(call)
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST":
        if form.is_valid() and not form.has_changed():
            return redirect(call)
        if form.is_valid():
            try:
                with transaction.atomic():
                    calls.check_draft(Call.objects.select_for_update().get(pk=call.pk))
                    form.save()
                    lapsed = calls.draft_changed(call, request.user, ", ".join(
                        str(form.fields[name].label) for name in form.changed_data))
            except RuleViolation as exc:
                messages.error(request, rule_text(exc))
                return redirect(call)
            messages.success(request, _("The draft call was saved."))
            if lapsed:
                messages.warning(request, LAPSED_MESSAGE)
            return redirect(call)
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    return render(request, "calls/create.html", {"form": form, "call": call})


def _signatures(call, decision):
    signed = {s.ministry: s for s in signoffs(call, decision).select_related("signed_by")}
    return [(label, signed.get(code)) for code, label in SignOff.Ministry.choices]


@staff_required
@require_GET
def call_detail(request, pk):
    call = _visible_call(request, pk)
    applications = call.applications.exclude(status=Status.DRAFT).select_related("host")
    counts = dict(applications.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return render(request, "calls/detail.html", {
        "call": call,
        "opening_signatures": _signatures(call, CALL_OPENING_DECISION),
        "list_signatures": _signatures(call, CALL_LIST_DECISION) if call.status in (
            CallStatus.LIST_PROPOSED, CallStatus.CONCLUDED) else None,
        "status_counts": [(Status(code).label, counts[code]) for code in Status.values if counts.get(code)],
        "drafts": call.applications.filter(status=Status.DRAFT).count(),
        "awaiting": applications.filter(status=Status.AWAITING_APPROVAL).order_by("name_sort", "pk"),
        "construction_list": call.construction_list.select_related("host").order_by("name_sort", "pk"),
        "quotas": [(q, calls.recommended_count(call, q.recommender_id)) for q in call.quotas.select_related("recommender")],
        "quota_form": CallQuotaForm() if call.status == CallStatus.DRAFT and is_ministry_staff(request.user) else None,
        "may_edit": call.status == CallStatus.DRAFT and is_ministry_staff(request.user),
        "rounds": call.rounds.order_by("-opened_at", "-pk"),
        "notices": call.notices.order_by("-starts_on", "-pk"),
        "accepting": call.accepts_submissions(),
        "documents": issued_for_each([call], [CALL_NOTICE, LIST_APPROVAL], request.user).get(call.pk, []),
    })


@staff_required
@require_POST
def call_transition(request, pk, name):
    call = _visible_call(request, pk)
    return run_and_redirect(request, call, name, call.get_absolute_url())


@staff_required
@require_POST
def call_quota(request, pk):
    call = _visible_call(request, pk)
    if not is_ministry_staff(request.user):
        raise PermissionDenied(_("Only SAMR and MIIT staff set quotas."))
    form = CallQuotaForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                locked = Call.objects.select_for_update().get(pk=call.pk)
                lapsed = calls.set_quota(locked, form.cleaned_data["recommender"], form.cleaned_data["quota"], request.user)
        except RuleViolation as exc:
            messages.error(request, rule_text(exc))
        else:
            messages.success(request, _("The quota of %(org)s was saved.") % {"org": form.cleaned_data["recommender"]})
            if lapsed:
                messages.warning(request, LAPSED_MESSAGE)
    else:
        messages.error(request, _("Nothing was saved: please correct the errors below.") + " "
                       + " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(call)


@staff_required
@require_POST
def call_propose_list(request, pk):
    """Propose the construction list from the applications ticked (all of those awaiting approval by default)."""
    call = _visible_call(request, pk)
    chosen = request.POST.getlist("applications")
    applications = list(Application.objects.filter(call=call, pk__in=[c for c in chosen if c.isdecimal()])) if chosen else None
    try:
        run_transition(call, "propose_list", request.user, request.POST.get("comment", ""), applications=applications)
    except (RuleViolation, TransitionConflict, PermissionDenied) as exc:
        messages.error(request, rule_text(exc))
    else:
        messages.success(request, _("The construction list was proposed; each ministry signs it."))
    return redirect(reverse("calls:detail", args=[pk]))
