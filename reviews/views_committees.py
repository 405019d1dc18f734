"""Ministry staff pages of the expert committees (Art. 9): the list, one committee and its transitions."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.models import Role
from kernel import exports
from kernel.audit import record
from kernel.exports import Column
from kernel.formatting import format_list
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from kernel.web import rule_text, run_and_redirect

from .forms import EmploymentFormSet, ExpertiseForm, ReplaceMemberForm
from .models import (
    CommitteeStatus,
    ExpertCommittee,
    Expertise,
    Position,
)
from .views_common import PAGE_SIZE, field_labels

# --- committees (Art. 9) ------------------------------------------------------------------------------


COMMITTEE_COLUMNS = exports.columns(__name__, "COMMITTEE_COLUMNS", [
    Column(gettext_lazy("Expert committee"), lambda c: c.name),
    Column(gettext_lazy("Status"), lambda c: c.get_status_display()),
    Column(capfirst(gettext_lazy("term start")), lambda c: c.term_start),
    Column(capfirst(gettext_lazy("term end")), lambda c: c.term_end),
    Column(capfirst(gettext_lazy("members")), lambda c: c.n_members),
    Column(gettext_lazy("Chair"), lambda c: c.n_chairs),
    Column(gettext_lazy("Vice-chairs"), lambda c: c.n_vice_chairs),
])


@staff_required
@require_GET
def committees(request):
    queryset = ExpertCommittee.objects.annotate(
        n_members=Count("members"),
        n_chairs=Count("members", filter=Q(members__position=Position.CHAIR)),
        n_vice_chairs=Count("members", filter=Q(members__position=Position.VICE_CHAIR)),
    ).order_by("-term_start", "name", "pk")
    if exports.requested(request):
        return exports.export(request, queryset, COMMITTEE_COLUMNS, _("Expert committees"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for committee in page:
        # Only a committee being formed can still fail Art. 9; activation checked the others.
        committee.errors = committee.composition_errors() if committee.status == CommitteeStatus.DRAFT else []
    return render(request, "reviews/staff/committees.html", {"page_obj": page, "query": query_without_page(request)})


MEMBER_COLUMNS = exports.columns(__name__, "MEMBER_COLUMNS", [
    Column(gettext_lazy("Expert"), lambda m: m.expert),
    Column(gettext_lazy("Position"), lambda m: m.get_position_display()),
    Column(gettext_lazy("Organisation"), lambda m: m.expert.organisation or ""),
    Column(gettext_lazy("Fields (Art. 4)"), lambda m: format_list(field_labels(m.fields))),
])


@staff_required
@require_GET
def committee(request, pk):
    committee = get_object_or_404(ExpertCommittee, pk=pk)
    queryset = committee.members.select_related("expert", "expert__organisation").order_by("position", "expert__full_name", "pk")
    if exports.requested(request):
        return exports.export(request, queryset, MEMBER_COLUMNS, _("Members of %(committee)s") % {"committee": committee})
    members = list(queryset)
    for member in members:
        member.field_labels = field_labels(member.fields)
    return render(request, "reviews/staff/committee.html", {
        "committee": committee,
        "members": members,
        "errors": committee.composition_errors(),
        "rounds": committee.rounds.order_by("-opened_at")[:20],
        "replacements": committee.replacements.select_related("outgoing", "incoming", "by")[:50],
    })


@staff_required
@require_POST
def committee_transition(request, pk, name):
    committee = get_object_or_404(ExpertCommittee, pk=pk)
    return run_and_redirect(request, committee, name, reverse("reviews:committee", args=[pk]))


@staff_required
@require_http_methods(["GET", "POST"])
def replace_member(request, pk):
    """A seat changing hands mid-term (Art. 9): the model checks the composition of the result."""
    committee = get_object_or_404(ExpertCommittee, pk=pk)
    form = ReplaceMemberForm(request.POST or None, committee=committee)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                run_transition(committee, "replace_member", request.user, data["comment"], member=data["member"],
                               incoming=data["incoming"], position=data["position"], fields=data["fields"])
            except RuleViolation as exc:
                form.add_rule_violation(exc)
            except (TransitionConflict, PermissionDenied) as exc:
                messages.error(request, rule_text(exc))
                return redirect("reviews:committee", pk=pk)
            else:
                messages.success(request, _("%(incoming)s has taken the seat of %(outgoing)s.") % {
                    "incoming": data["incoming"], "outgoing": data["member"].expert})
                return redirect("reviews:committee", pk=pk)
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    return render(request, "reviews/staff/committee_replace_member.html", {"committee": committee, "form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def expert_expertise(request, pk):
    """An expert's fields, directions and employers with dates, kept by staff: the automatic assignment matches on
    the first two, and the conflicts of interest are computed from the employers (Art. 9, `reviews.conflicts`)."""
    expert = get_object_or_404(get_user_model().objects.select_related("organisation"), pk=pk, role=Role.EXPERT)
    expertise = Expertise.objects.filter(expert=expert).first() or Expertise(expert=expert)
    form = ExpertiseForm(request.POST or None, instance=expertise)
    employments = EmploymentFormSet(request.POST or None, instance=expert)
    if request.method == "POST":
        if form.is_valid() and employments.is_valid():
            with transaction.atomic():
                form.save()
                employments.save()
                record("change_expertise", expert, actor=request.user, article="Art. 9", data={
                    "fields": form.cleaned_data["fields"], "directions": form.cleaned_data["directions"],
                    "employments": [[e.organisation_id, e.started_on, e.ended_on] for e in expert.employments.all()]})
            messages.success(request, _("The expertise and employers of %(expert)s are saved.") % {"expert": expert})
            return redirect("reviews:expert_expertise", expert.pk)
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    return render(request, "reviews/staff/expert_expertise.html",
                  {"expert": expert, "form": form, "employments": employments,
                   "memberships": expert.committee_memberships.select_related("committee")})
