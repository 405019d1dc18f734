"""The automatic assignment's pages (Art. 9): its settings on a round, the proposal as a grid of entries and
proposed experts (match marks, loads, reasons), hand changes, and the confirmation. The rules are
`reviews.autoassign` and `reviews.conflicts`."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import staff_required
from applications.choices import Field
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.web import rule_text

from . import autoassign, conflicts
from .forms import AutoAssignForm, CellForm
from .models import AssignmentProposal, ReviewRound, RoundStatus
from .subject_pages import round_pages
from .views_common import PAGE_SIZE


def _round(pk):
    return get_object_or_404(ReviewRound.objects.select_related("committee", "criteria_set"), pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def round_autoassign(request, pk):
    """The settings of an automatic assignment; proposing keeps the answer for review, nothing is assigned yet."""
    review_round = _round(pk)
    if review_round.status != RoundStatus.OPEN:
        messages.error(request, _("This round is concluded."))
        return redirect(review_round)
    per_subject = autoassign.default_per_subject(review_round)
    initial = {"per_subject": per_subject, "max_load": autoassign.default_max_load(review_round, per_subject),
               "spread_leaders": True, "avoid_home_province": review_round.avoid_home_province}
    form = AutoAssignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = autoassign.propose(review_round, request.user, per_subject=data["per_subject"],
                                          max_load=data["max_load"], spread_leaders=data["spread_leaders"],
                                          avoid_home_province=data["avoid_home_province"])
        except RuleViolation as exc:
            form.add_rule_violation(exc)
        except PermissionDenied as exc:
            form.add_error(None, rule_text(exc))
        else:
            return redirect("reviews:round_proposal", review_round.pk, proposal.pk)
    latest = review_round.proposals.filter(confirmed_at__isnull=True).select_related("made_by").first()
    return render(request, "reviews/staff/round_autoassign.html", {
        "round": review_round, "form": form, "latest": latest,
        "lab_round": round_pages(review_round.criteria_set.purpose).section == "lab_rounds",
    })


class Row:
    """One entry of the proposal's grid: its experts, existing and proposed, with their match marks."""

    def __init__(self, entry, subject, proposed, existing, shortfall):
        self.entry, self.subject, self.proposed, self.existing, self.shortfall = entry, subject, proposed, existing, shortfall


def _grid(review_round, proposal, page):
    """The page's entries with their facts and the committee's (a fixed number of queries whatever the size)."""
    members = conflicts.committee_members(review_round)
    experts = conflicts.expert_facts(members)
    by_id = {m.expert_id: m for m in members}
    entries = list(page)
    subjects = conflicts.subject_facts([e.application for e in entries])
    existing = {}
    for assignment in review_round.assignments.filter(application_id__in=[e.application_id for e in entries]):
        existing.setdefault(assignment.application_id, []).append(assignment)
    labels = dict(Field.choices)
    rows = []
    for entry in entries:
        subject = subjects[entry.application_id]
        proposed = []
        for expert_id in proposal.cells.get(str(entry.application_id), []):
            facts = experts.get(expert_id)
            proposed.append({
                "member": by_id.get(expert_id),
                "field": bool(facts and subject.field in facts.fields),
                "directions": len(subject.directions & facts.directions) if facts else 0,
            })
        shortfall = proposal.report.get("shortfalls", {}).get(str(entry.application_id))
        row = Row(entry, subject, proposed, existing.get(entry.application_id, []), shortfall)
        row.field_label = labels.get(subject.field, subject.field)
        row.free = [m for m in members if m.expert_id not in proposal.cells.get(str(entry.application_id), [])
                    and not conflicts.is_conflicted(experts[m.expert_id], subject, review_round.avoid_home_province)]
        rows.append(row)
    return rows, members


def shortfall_text(shortfall, per_subject):
    if shortfall["reason"] == autoassign.TOO_FEW_FREE:
        return _("Only %(free)s experts of the committee are free of conflict with it; %(missing)s of %(asked)s "
                 "places stay empty.") % {"free": shortfall["free"], "missing": shortfall["missing"], "asked": per_subject}
    return _("The experts free of conflict with it have reached the maximum load or are needed elsewhere; "
             "%(missing)s places stay empty.") % {"missing": shortfall["missing"]}


@staff_required
@require_http_methods(["GET", "POST"])
def round_proposal(request, pk, proposal_pk):
    """The proposal: entries × proposed experts a page at a time, the loads, and the confirmation."""
    review_round = _round(pk)
    proposal = get_object_or_404(AssignmentProposal.objects.select_related("made_by"), pk=proposal_pk,
                                 round=review_round)
    if request.method == "POST":
        return _change(request, review_round, proposal)
    entries = review_round.entries.filter(application_id__in=[int(k) for k in proposal.cells])
    page = Paginator(entries.select_related("application", "application__host").order_by("pk"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    rows, members = _grid(review_round, proposal, page)
    for row in rows:
        row.shortfall_text = shortfall_text(row.shortfall, proposal.per_subject) if row.shortfall else ""
    loads = proposal.report.get("loads", {})
    load_rows = sorted(((m, loads.get(str(m.expert_id), 0)) for m in members),
                       key=lambda pair: (-pair[1], str(pair[0].expert)))
    report = proposal.report
    shortfalls = [(int(k), shortfall_text(v, proposal.per_subject)) for k, v in report.get("shortfalls", {}).items()]
    names = dict(review_round.entries.filter(application_id__in=[k for k, _text in shortfalls])
                 .values_list("application_id", "application__name_zh"))
    return render(request, "reviews/staff/round_proposal.html", {
        "round": review_round, "proposal": proposal, "rows": rows, "page_obj": page,
        "query": query_without_page(request), "load_rows": load_rows, "report": report,
        "shortfalls": [(names.get(k, k), text) for k, text in shortfalls],
        "stale": proposal.confirmed_at is None and proposal.basis != autoassign.basis_of(review_round),
        "cells": sum(len(v) for v in proposal.cells.values()),
        "lab_round": round_pages(review_round.criteria_set.purpose).section == "lab_rounds",
    })


def _change(request, review_round, proposal):
    if "confirm" in request.POST:
        try:
            created = autoassign.confirm(proposal, request.user)
        except (RuleViolation, PermissionDenied) as exc:
            messages.error(request, _("Nothing was assigned: %(reason)s") % {"reason": rule_text(exc)})
            return redirect("reviews:round_proposal", review_round.pk, proposal.pk)
        messages.success(request, _("%(n)s assignments made; each expert is asked to declare any conflict of "
                                    "interest.") % {"n": len(created)})
        return redirect(review_round)
    form = CellForm(request.POST)
    back = request.get_full_path()
    if not form.is_valid():
        messages.error(request, _("Choose an expert of the committee."))
        return redirect(back)
    users = get_user_model().objects.select_related("organisation")
    add = users.filter(pk=form.cleaned_data["add"]).first() if form.cleaned_data["add"] else None
    remove = users.filter(pk=form.cleaned_data["remove"]).first() if form.cleaned_data["remove"] else None
    if add is None and remove is None:
        messages.error(request, _("Choose an expert of the committee."))
        return redirect(back)
    try:
        autoassign.change_cell(proposal, form.cleaned_data["application"], request.user, add=add, remove=remove)
    except (RuleViolation, PermissionDenied) as exc:
        messages.error(request, _("%(expert)s was not added: %(reason)s") % {"expert": add or remove,
                                                                            "reason": rule_text(exc)})
    else:
        messages.success(request, _("The proposal is changed; confirm it to make the assignments."))
    return redirect(back)
