"""The expert's pages (namespace "experts"): assignments, the conflict declaration, blind scoring.

Thin: which assignments a user sees is `Assignment.objects.visible_to`, which scores is
`Score.objects.visible_to` (blind scoring), every status change is `run_transition`, and scores are
saved only by `reviews.services.save_scores` (range and state checked there)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from applications.models import DOSSIER_LONG_TEXTS, ConsortiumMember
from kernel.rules import RuleViolation, refusal_text
from kernel.transitions import TransitionConflict, run_transition
from kernel.web import rule_text

from .models import Assignment, AssignmentStatus, Criterion, Score
from .services import save_scores
from .subject_pages import round_pages
from .views_common import PAGE_SIZE

DECLARATIONS = ("declare_no_conflict", "declare_conflict", "decline")
SCORING_ACTIONS = ("save", "submit")
HOME_SUBMITTED_LIMIT = 10

STATUS_BADGES = {
    AssignmentStatus.ASSIGNED: "warning",
    AssignmentStatus.ACCEPTED: "primary",
    AssignmentStatus.SUBMITTED: "success",
    AssignmentStatus.CONFLICT: "secondary",
    AssignmentStatus.DECLINED: "secondary",
    AssignmentStatus.WITHDRAWN: "secondary",
}


def expert_assignments(user):
    """The user's own assignments with what a row shows and the scoring progress, in one query."""
    scored = (
        Score.objects.filter(assignment=OuterRef("pk")).order_by().values("assignment")
        .annotate(n=Count("pk")).values("n")
    )
    total = (
        Criterion.objects.filter(criteria_set=OuterRef("round__criteria_set")).order_by().values("criteria_set")
        .annotate(n=Count("pk")).values("n")
    )
    return (
        Assignment.objects.visible_to(user).filter(expert_id=user.pk)
        .select_related("round", "application", "application__host")
        .defer(*(f"application__{name}" for name in DOSSIER_LONG_TEXTS))
        .annotate(
            scored=Coalesce(Subquery(scored, output_field=IntegerField()), 0),
            criteria_total=Coalesce(Subquery(total, output_field=IntegerField()), 0),
        )
        .order_by("-round__opened_at", "-round_id", "application__name_zh", "pk")
    )


def expert_todo(user):
    """The expert's home page: every assignment awaiting their declaration or their scores, and the latest submitted
    with their number. An expert of some years has a hundred assignments or more; the page reads only these."""
    mine = expert_assignments(user)
    waiting = list(mine.filter(status__in=(AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED)))
    submitted = mine.filter(status=AssignmentStatus.SUBMITTED)
    latest = list(submitted.order_by("-submitted_at", "-pk")[:HOME_SUBMITTED_LIMIT])
    for row in waiting + latest:
        row.badge = STATUS_BADGES.get(row.status, "secondary")
    return {
        "to_declare": [a for a in waiting if a.status == AssignmentStatus.ASSIGNED],
        "scoring": [a for a in waiting if a.status == AssignmentStatus.ACCEPTED],
        "submitted": latest,
        "submitted_total": submitted.count() if len(latest) == HOME_SUBMITTED_LIMIT else len(latest),
    }


@login_required
def assignment_list(request):
    """All the expert's assignments, by round, newest round first, a page at a time."""
    page = Paginator(expert_assignments(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.badge = STATUS_BADGES.get(row.status, "secondary")
    return render(request, "reviews/expert/assignments.html", {"assignments": page, "page_obj": page})


# --- the scoring form -------------------------------------------------------------------------------


class ScoreForm(forms.Form):
    """One score (0-100) and comment per criterion, and the overall opinion. Only collects input:
    the range and the state are checked by `save_scores`, completeness by `submit_scores`."""

    overall_comment = forms.CharField(label=gettext_lazy("Overall opinion"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, criteria, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"criterion_{c.pk}"] = forms.CharField(
                label=_("Score for “%(c)s”") % {"c": c.title}, required=False, max_length=20,
                widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01", "inputmode": "decimal",
                                                "data-weight": f"{c.weight:f}"}),
            )
            self.fields[f"comment_{c.pk}"] = forms.CharField(
                label=_("Comment on “%(c)s”") % {"c": c.title}, required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        return [(c, self[f"criterion_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def values(self):
        data = self.cleaned_data
        return {c.pk: ((data.get(f"criterion_{c.pk}") or "").strip(), data.get(f"comment_{c.pk}", ""))
                for c in self.criteria}

    def add_rule_violation(self, exc):
        name = getattr(exc, "field", None)
        self.add_error(name if name in self.fields else None, refusal_text(exc))


def _initial(assignment, scores):
    initial = {"overall_comment": assignment.overall_comment}
    for s in scores.values():
        text = f"{s.value:f}"
        initial[f"criterion_{s.criterion_id}"] = text.rstrip("0").rstrip(".") if "." in text else text
        initial[f"comment_{s.criterion_id}"] = s.comment
    return initial


# --- blind scoring: what the expert may see of the others -------------------------------------------


@dataclass
class PeerSheet:
    label: str
    scores: dict = field(default_factory=dict)  # criterion id -> Score
    total: Decimal | None = None
    own: bool = False


def _weighted(scores, criteria):
    if not scores:
        return None
    weights = {c.pk: c.weight for c in criteria}
    return (sum((s.value * weights[s.criterion_id] for s in scores), Decimal(0)) / Decimal(100)).quantize(Decimal("0.01"))


def peer_scores(assignment, user, criteria):
    """The score sheets on this application in this round that `user` may see: `Score.objects.visible_to`
    shows the others' submitted scores only once the user's own are submitted (never their drafts)."""
    visible = (
        Score.objects.visible_to(user)
        .filter(assignment__round_id=assignment.round_id, assignment__application_id=assignment.application_id)
        .select_related("criterion")
        .order_by("assignment_id", "criterion__order", "criterion_id")
    )
    by_assignment = {}
    for score in visible:
        by_assignment.setdefault(score.assignment_id, []).append(score)
    sheets, letter = [], 0
    for assignment_id, scores in by_assignment.items():
        own = assignment_id == assignment.pk
        if own:
            label = _("Your scores")
        else:
            label = _("Expert %(letter)s") % {"letter": chr(ord("A") + letter % 26)}
            letter += 1
        sheets.append(PeerSheet(label, {s.criterion_id: s for s in scores}, _weighted(scores, criteria), own))
    sheets.sort(key=lambda s: not s.own)
    others = [s for s in sheets if not s.own]
    if not others:
        return None
    totals = [s.total for s in sheets if s.total is not None]
    return {
        "sheets": sheets,
        "rows": [(c, [sheet.scores.get(c.pk) for sheet in sheets]) for c in criteria],
        "count": len(totals),
        "mean": (sum(totals) / len(totals)).quantize(Decimal("0.01")) if totals else None,
        "spread": (max(totals) - min(totals)) if totals else None,
    }


# --- one assignment ---------------------------------------------------------------------------------


def _load(request, pk):
    queryset = Assignment.objects.visible_to(request.user).select_related(
        "round", "round__criteria_set", "round__committee", "application", "application__host", "expert",
        "expert__organisation",
    ).prefetch_related(
        Prefetch("application__consortium_members", queryset=ConsortiumMember.objects.select_related("organisation")),
    )
    return get_object_or_404(queryset, pk=pk)


def _declare(request, assignment, action):
    """Run a conflict declaration or a refusal; returns (redirect or None, {action: error shown on its reason})."""
    try:
        assignment = run_transition(assignment, action, request.user, request.POST.get("comment", ""))
    except RuleViolation as exc:
        return None, {action: rule_text(exc)}
    except TransitionConflict as exc:
        messages.error(request, exc.message)
        return redirect("experts:assignment", pk=assignment.pk), {}
    if action == "declare_no_conflict":
        messages.success(request, _("You declared no conflict of interest. The dossier is open to you; you can score now."))
    elif action == "decline":
        messages.info(request, _("You declined this assignment. The coordination office has been told and assigns "
                                 "another expert."))
    else:
        messages.info(request, _("You declared a conflict of interest. The assignment is withdrawn and the "
                                 "coordination office has been asked to assign another expert."))
    return redirect("experts:assignment", pk=assignment.pk), {}


def _score(request, assignment, form, action):
    """Save the draft, and on "submit" submit it too, all or nothing. Returns a redirect or None."""
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():
            save_scores(assignment, request.user, form.values(), form.cleaned_data["overall_comment"])
            if action == "submit":
                run_transition(assignment, "submit_scores", request.user)
    except RuleViolation as exc:
        form.add_rule_violation(exc)
        return None
    except TransitionConflict as exc:
        form.add_error(None, exc.message)
        return None
    if action == "submit":
        messages.success(request, _("Your scores are submitted. The other experts' scores are now shown to you."))
    else:
        messages.success(request, _("Draft saved. You can come back and change it until you submit."))
    return redirect("experts:assignment", pk=assignment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request, pk):
    assignment = _load(request, pk)
    user = request.user
    criteria = list(assignment.round.criteria_set.criteria.all())
    own_scores = {s.criterion_id: s for s in Score.objects.visible_to(user).filter(assignment=assignment)}
    declaration_errors = {}
    form = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in DECLARATIONS:
            response, declaration_errors = _declare(request, assignment, action)
            if response:
                return response
        elif action in SCORING_ACTIONS:
            form = ScoreForm(criteria, request.POST)
            response = _score(request, assignment, form, action)
            if response:
                return response
            messages.error(request, _("Nothing was saved: please correct the errors below."))
        else:
            messages.error(request, _("Unknown action."))
            return redirect("experts:assignment", pk=assignment.pk)
    is_expert = assignment.expert_id == user.pk
    scoring = is_expert and assignment.status == AssignmentStatus.ACCEPTED
    if scoring and form is None:
        form = ScoreForm(criteria, initial=_initial(assignment, own_scores))
    opened = assignment.status in (AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED)
    rows = [(c, own_scores.get(c.pk)) for c in criteria]
    return render(request, "reviews/expert/assignment.html", {
        "assignment": assignment,
        "application": assignment.application,
        "lab_material": round_pages(assignment.round.criteria_set.purpose).expert_material(assignment, opened),
        "consortium": list(assignment.application.consortium_members.all()),
        "criteria": criteria,
        "rows": rows,
        "form": form if scoring else None,
        "is_expert": is_expert,
        "may_declare": is_expert and assignment.status == AssignmentStatus.ASSIGNED,
        "may_declare_conflict": is_expert and assignment.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED),
        "declaration_error": declaration_errors.get("declare_conflict", ""),
        "decline_error": declaration_errors.get("decline", ""),
        "opened": opened,
        "book_revision": assignment.reviewed_revision() if opened and is_expert else None,
        "progress": (len(own_scores), len(criteria)),
        "own_total": _weighted(list(own_scores.values()), criteria),
        "peers": peer_scores(assignment, user, criteria) if assignment.status == AssignmentStatus.SUBMITTED else None,
        "badge": STATUS_BADGES.get(assignment.status, "secondary"),
    })
