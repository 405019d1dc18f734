"""Ministry staff pages of the expert committees (Art. 9): the list, one committee and its transitions."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from kernel.paging import query_without_page
from kernel.web import run_and_redirect

from .models import (
    CommitteeStatus,
    ExpertCommittee,
    Position,
)
from .views_common import PAGE_SIZE, field_labels

# --- committees (Art. 9) ------------------------------------------------------------------------------


@staff_required
@require_GET
def committees(request):
    queryset = ExpertCommittee.objects.annotate(
        n_members=Count("members"),
        n_chairs=Count("members", filter=Q(members__position=Position.CHAIR)),
        n_vice_chairs=Count("members", filter=Q(members__position=Position.VICE_CHAIR)),
    ).order_by("-term_start", "name", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for committee in page:
        # Only a committee being formed can still fail Art. 9; activation checked the others.
        committee.errors = committee.composition_errors() if committee.status == CommitteeStatus.DRAFT else []
    return render(request, "reviews/staff/committees.html", {"page_obj": page, "query": query_without_page(request)})


@staff_required
@require_GET
def committee(request, pk):
    committee = get_object_or_404(ExpertCommittee, pk=pk)
    members = list(committee.members.select_related("expert", "expert__organisation").order_by("position", "expert__full_name", "pk"))
    for member in members:
        member.field_labels = field_labels(member.fields)
    return render(request, "reviews/staff/committee.html", {
        "committee": committee,
        "members": members,
        "errors": committee.composition_errors(),
        "rounds": committee.rounds.order_by("-opened_at")[:20],
    })


@staff_required
@require_POST
def committee_transition(request, pk, name):
    committee = get_object_or_404(ExpertCommittee, pk=pk)
    return run_and_redirect(request, committee, name, reverse("reviews:committee", args=[pk]))
