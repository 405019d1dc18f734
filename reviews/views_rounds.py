"""Ministry staff pages of expert review rounds (Art. 9, 13, 19, 26): the list, opening one, its ranking
and assignments a page at a time, concluding it, the CSV of its results and the assignments' transitions."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from applications.models import Application
from kernel import exports
from kernel.deadlines import time_left
from kernel.exports import Column
from kernel.formatting import format_date
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from kernel.web import rule_text, run_and_redirect

from .conflicts import member_conflicts
from .deadlines import late_experts
from .forms import (
    AssignForm,
    RoundForm,
    ScoringDueForm,
    parse_ids,
)
from .models import (
    Assignment,
    AssignmentStatus,
    CommitteeStatus,
    CriteriaSet,
    ExpertCommittee,
    ReviewRound,
    RoundStatus,
    quorum_share,
    round_entry_url,
    share_text,
)
from .replacements import entry_vacancies, vacancies
from .services import (
    assign_expert,
    rank_round,
    round_results,
    suggested_experts,
    with_entries,
)
from .subject_pages import ROUND_PAGES, distinct, round_pages
from .views_common import PAGE_SIZE, field_labels

# --- expert review rounds -----------------------------------------------------------------------------

# The round page lists this many vacancies with their proposed replacements (each costs its suggestions' queries);
# the others show in their entries' cards.
VACANCIES_SHOWN = 10


# `?purpose=` of the rounds list: application review, acceptance (Art. 19), evaluation (Art. 26), or both lab kinds.
ROUND_FILTERS = {
    CriteriaSet.Purpose.APPLICATION: [CriteriaSet.Purpose.APPLICATION],
    CriteriaSet.Purpose.ACCEPTANCE: [CriteriaSet.Purpose.ACCEPTANCE],
    CriteriaSet.Purpose.EVALUATION: [CriteriaSet.Purpose.EVALUATION],
    "labs": [CriteriaSet.Purpose.ACCEPTANCE, CriteriaSet.Purpose.EVALUATION],
}


ROUND_COLUMNS = exports.columns(__name__, "ROUND_COLUMNS", [
    Column(gettext_lazy("Round"), lambda r: r.title),
    Column(gettext_lazy("Status"), lambda r: r.get_status_display()),
    Column(gettext_lazy("Purpose"), lambda r: r.criteria_set.get_purpose_display()),
    Column(gettext_lazy("Expert committee"), lambda r: r.committee.name),
    Column(gettext_lazy("Criteria"), lambda r: r.criteria_set.name),
    Column(gettext_lazy("Applications or laboratories"), lambda r: r.n_applications),
    Column(gettext_lazy("Scores submitted"), lambda r: r.n_submitted),
    Column(gettext_lazy("Assignments"), lambda r: r.n_assignments),
    Column(gettext_lazy("Opened"), lambda r: r.opened_at),
    Column(gettext_lazy("Opened by"), lambda r: r.opened_by),
    Column(gettext_lazy("Concluded"), lambda r: r.concluded_at),
])


@staff_required
@require_GET
def rounds(request):
    purpose = request.GET.get("purpose", "")
    queryset = ReviewRound.objects.for_table().order_by("-opened_at", "-pk")
    if purpose in ROUND_FILTERS:
        queryset = queryset.filter(criteria_set__purpose__in=ROUND_FILTERS[purpose])
    else:
        purpose = ""
    if exports.requested(request):
        return exports.export(request, queryset, ROUND_COLUMNS, _("Expert review rounds"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = [("", _("All")), (CriteriaSet.Purpose.APPLICATION, _("Applications")),
               (CriteriaSet.Purpose.ACCEPTANCE, _("Acceptance")), (CriteriaSet.Purpose.EVALUATION, _("Comprehensive evaluation"))]
    return render(request, "reviews/staff/rounds.html", {
        "page_obj": page, "query": query_without_page(request), "purpose": purpose, "filters": filters,
        "lab_rounds": purpose == "labs" or bool(purpose) and round_pages(purpose).section == "lab_rounds",
    })


@staff_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    """Open a round of applications (Art. 13) or, with an acceptance or evaluation criteria set, of
    laboratories (Art. 19, Art. 26): the pages registered for the set's purpose open it."""
    active = list(ExpertCommittee.objects.filter(status=CommitteeStatus.ACTIVE).order_by("name")[:2])
    purpose = request.GET.get("purpose", "")
    if purpose not in CriteriaSet.Purpose.values:
        purpose = CriteriaSet.Purpose.APPLICATION
    criteria = list(CriteriaSet.objects.filter(purpose=purpose).order_by("name")[:2])
    initial = {"applications": parse_ids(request.GET.getlist("applications")),
               "laboratories": parse_ids(request.GET.getlist("laboratories"))}
    if len(active) == 1:
        initial["committee"] = active[0].pk
    if len(criteria) == 1:
        initial["criteria_set"] = criteria[0].pk
    form = RoundForm(request.POST or None, user=request.user, pages=ROUND_PAGES, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                review_round = round_pages(data["criteria_set"].purpose).open(data, request.user)
            except RuleViolation as exc:
                form.add_rule_violation(exc)
            except (TransitionConflict, PermissionDenied) as exc:
                form.add_error(None, rule_text(exc))
            else:
                messages.success(request, _("The expert review round “%(title)s” is open; now assign experts.")
                                 % {"title": review_round.title})
                return redirect(review_round)
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    context = {"form": form, "purposes": form.criteria_purposes(),
               "lab_purpose": round_pages(purpose).section == "lab_rounds"}
    for pages in distinct(ROUND_PAGES):
        context.update(pages.create_context(form))
    return render(request, "reviews/staff/round_create.html", context)


def _none_last(rows, key, descending):
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    return sorted(present, key=key, reverse=descending) + missing


def _in_pinyin_order(named):
    """The order of a Chinese index (`kernel.sorting`): the stored pinyin sort key, else the name itself."""
    return getattr(named, "name_sort", "") or str(named)


RANKING_COLUMNS = [
    ("rank", gettext_lazy("Rank"), lambda r: r.rank),
    ("application", gettext_lazy("Application"), lambda r: _in_pinyin_order(r.subject)),
    ("host", gettext_lazy("Host institution"), lambda r: _in_pinyin_order(r.application.host)),
    ("count", gettext_lazy("Experts scored"), lambda r: r.count),
    ("mean", gettext_lazy("Weighted mean"), lambda r: r.mean),
    ("spread", gettext_lazy("Spread"), lambda r: r.spread),
    ("stdev", gettext_lazy("Std. deviation"), lambda r: r.stdev),
    ("pending", gettext_lazy("Pending"), lambda r: r.pending),
]


def sort_results(results, sort):
    """Server-side sorting of the ranking: `sort` is a column key, "-" first for descending."""
    descending = sort.startswith("-")
    keys = {key: getter for key, _label, getter in RANKING_COLUMNS}
    getter = keys.get(sort.lstrip("-"))
    if getter is None:
        return results, "rank"
    return _none_last(results, getter, descending), sort


def _round(pk):
    return get_object_or_404(ReviewRound.objects.select_related("committee", "criteria_set", "opened_by"), pk=pk)


def _entry_page(request, results):
    """The page of the ranking to show: `?page=`, else the one holding `?entry=` (an application's id: where links to
    one entry land, `round_entry_url`), else the first."""
    number, entry = request.GET.get("page"), request.GET.get("entry", "")
    if number is None and entry.isdecimal():
        position = next((i for i, r in enumerate(results) if r.application.pk == int(entry)), 0)
        number = position // PAGE_SIZE + 1
    return Paginator(results, PAGE_SIZE).get_page(number)


def _status_summary(statuses):
    """[(label, count)] of an entry's assignments by status, in the order of the statuses."""
    counts = Counter(statuses)
    return [(label, counts[value]) for value, label in AssignmentStatus.choices if counts[value]]


def _entry_application(user, review_round, application_id):
    """The application of one entry of the round, as `user` may see it (404 otherwise, or if it is not in the round)."""
    return get_object_or_404(Application.objects.visible_to(user).filter(round_entries__round=review_round)
                             .select_related("host"), pk=application_id)


def _entry_assignments(user, review_round, application_id):
    """One entry's assignments as `user` may see them, with their experts: what its table of experts draws."""
    return list(Assignment.objects.visible_to(user).filter(round=review_round, application_id=application_id)
                .select_related("expert", "expert__organisation").order_by("pk"))


@dataclass(frozen=True)
class EntryCard:
    """An entry of the page in its card: its experts counted by status, and the experts themselves (with `back`, where
    a withdrawal returns) only for the entry a link landed on; `assignments` None: drawn when the card is opened,
    from `experts_url`. A page of a round of 500 entries draws 25 cards of five experts each, most of which nobody
    opens."""
    result: object
    count: int
    summary: list
    experts_url: str
    back: str
    assignments: list | None


@staff_required
@require_GET
def round_detail(request, pk):
    """The ranking of a round of applications or laboratories a page at a time, each entry of the page with a summary
    of its experts (their table drawn when its card is opened, `round_entry_experts`; the assignment form beside it),
    and the way to its conclusion. Ranks are the whole round's: every entry is ranked as values (four queries), and
    only the page's entries are read as models and drawn."""
    review_round = _round(pk)
    pages = round_pages(review_round.criteria_set.purpose)
    results = rank_round(review_round)
    pages.describe(request.user, review_round, results)
    sorted_results, sort = sort_results(results, request.GET.get("sort", "rank"))
    page = _entry_page(request, sorted_results)
    shown = with_entries(list(page))
    entry = request.GET.get("entry", "")
    focus = int(entry) if entry.isdecimal() else None
    statuses = defaultdict(list)
    for application_id, status in (Assignment.objects.visible_to(request.user)
                                   .filter(round=review_round, application_id__in=[r.application.pk for r in shown])
                                   .order_by("application_id", "pk").values_list("application_id", "status")):
        statuses[application_id].append(status)
    entries = []
    for r in shown:
        focused = r.application.pk == focus
        entries.append(EntryCard(
            result=r, count=len(statuses[r.application.pk]), summary=_status_summary(statuses[r.application.pk]),
            experts_url=reverse("reviews:round_entry_experts", args=[review_round.pk, r.application.pk]),
            back=round_entry_url(review_round.pk, focus) if focused else "",
            assignments=_entry_assignments(request.user, review_round, focus) if focused else None))
    columns = []
    for key, label, _getter in RANKING_COLUMNS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        if key == "application":
            label = pages.entry_label
        columns.append({
            "key": key, "label": label, "current": current, "descending": current and descending,
            "next": f"-{key}" if current and not descending else key,
        })
    vacant = vacancies(review_round, [r.application.pk for r in results if r.live], limit=VACANCIES_SHOWN + 1)
    return render(request, "reviews/staff/round.html", {
        "vacancies": vacant[:VACANCIES_SHOWN],
        "more_vacancies": len(vacant) > VACANCIES_SHOWN,
        "late_count": late_experts(review_round).count() if review_round.scoring_due else 0,
        "round": review_round,
        "results": shown,
        "page_obj": page,
        "query": query_without_page(request, "entry"),
        "entries": entries,
        "awaiting": sum(1 for r in results if r.live),
        "columns": columns,
        "sort": sort,
        "open": review_round.status == RoundStatus.OPEN,
        "lab_round": pages.section == "lab_rounds",
        "acceptance": review_round.criteria_set.purpose == CriteriaSet.Purpose.ACCEPTANCE,
        "conclude_article": pages.decision_article,
        "entry_template": pages.entry_template,
        "criteria": review_round.criteria_set.criteria.all(),
        "scoring_left": time_left([clock])[0] if (clock := review_round.scoring_clock()) else None,
        "round_pdf_url": reverse("reviews:round_pdf", args=[review_round.pk]),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def round_conclude(request, pk):
    """The conclusion of a round: a decision for every entry still awaiting one, in one form, since the round's
    `conclude` transition decides them all at once (it runs the conclusion registered for the purpose of its criteria,
    `reviews.subjects`); the pages registered for it name the entries and build the form. On a page of its own, so
    that the round's page stays a page of entries whatever the size of the round."""
    review_round = _round(pk)
    if review_round.status != RoundStatus.OPEN:
        messages.error(request, _("This round is concluded."))
        return redirect(review_round)
    pages = round_pages(review_round.criteria_set.purpose)
    results = round_results(review_round)
    pages.describe(request.user, review_round, results)
    conclude_form = pages.conclude_form(request.POST or None, review_round, results)
    if request.method == "POST":
        if conclude_form.is_valid():
            try:
                run_transition(review_round, "conclude", request.user, request.POST.get("comment", ""),
                               decisions=conclude_form.decisions(),
                               short_reason=conclude_form.cleaned_data.get("short_reason", ""))
            except RuleViolation as exc:
                conclude_form.add_rule_violation(exc)
            except (TransitionConflict, PermissionDenied) as exc:
                messages.error(request, rule_text(exc))
                return redirect(review_round)
            else:
                pages.concluded(request, conclude_form)
                return redirect(review_round)
        messages.error(request, _("The round was not concluded: please correct the errors below."))
    return render(request, "reviews/staff/round_conclude.html", {
        "round": review_round,
        "conclude_form": conclude_form,
        "lab_round": pages.section == "lab_rounds",
        "acceptance": review_round.criteria_set.purpose == CriteriaSet.Purpose.ACCEPTANCE,
        "conclude_article": pages.decision_article,
        "conclude_template": pages.conclude_template,
        "quorum_share": share_text(quorum_share()),
    })


@staff_required
@require_GET
def round_entry_experts(request, pk, app_pk):
    """One entry's experts and what staff may do about each (withdraw, the score sheet): drawn into the entry's card
    on the round's page when it is opened (htmx), or as a page of its own without JavaScript."""
    review_round = _round(pk)
    application = _entry_application(request.user, review_round, app_pk)
    pages = round_pages(review_round.criteria_set.purpose)
    context = {"round": review_round, "entry": pages.entry(review_round, application),
               "assignments": _entry_assignments(request.user, review_round, app_pk),
               "back": round_entry_url(pk, app_pk), "lab_round": pages.section == "lab_rounds"}
    if getattr(request, "htmx", False):
        return render(request, "reviews/staff/_entry_experts.html", context)
    return render(request, "reviews/staff/round_entry_experts.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def round_assign(request, pk, app_pk):
    """Suggested experts and the assignment form of one application (htmx fragment or full page)."""
    review_round = _round(pk)
    pages = round_pages(review_round.criteria_set.purpose)
    application = _entry_application(request.user, review_round, app_pk)
    suggested = suggested_experts(review_round, application) if review_round.status == RoundStatus.OPEN else []
    form = AssignForm(request.POST or None, review_round=review_round, suggested=suggested, auto_id=f"assign-{app_pk}-%s")
    back = round_entry_url(pk, app_pk)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _("Choose an expert of the committee."))
            return redirect(back)
        expert = form.expert_user()
        try:
            assign_expert(review_round, application, expert, request.user)
        except (RuleViolation, TransitionConflict, PermissionDenied) as exc:
            messages.error(request, _("%(expert)s was not assigned: %(reason)s") % {"expert": expert, "reason": rule_text(exc)})
        else:
            messages.success(request, _("%(expert)s is assigned to “%(app)s”; they are asked to declare any conflict of interest.")
                             % {"expert": expert, "app": pages.entry(review_round, application)})
        return redirect(back)
    for member in suggested:
        member.field_labels = field_labels(member.fields)
        member.in_field = application.field in (member.fields or [])
    context = {"round": review_round, "application": application, "entry": pages.entry(review_round, application),
               "suggested": suggested, "form": form, "vacancies": entry_vacancies(review_round, application, suggested),
               "in_conflict": member_conflicts(review_round, application) if review_round.status == RoundStatus.OPEN else []}
    if getattr(request, "htmx", False):
        return render(request, "reviews/staff/_assign.html", context)
    return render(request, "reviews/staff/round_assign.html", context)


def _expert_totals(result):
    return "; ".join(f"{t.assignment.expert}: {t.total}{' (!)' if t.deviates else ''}" for t in result.totals)


def _ranking_columns(entry_label):
    """The ranking's columns; the second names what the round ranks (applications or laboratories)."""
    return (
        Column(gettext_lazy("Rank"), lambda r: r.rank),
        Column(entry_label, lambda r: r.subject),
        Column(gettext_lazy("Host institution"), lambda r: r.application.host),
        Column(gettext_lazy("Field"), lambda r: r.application.get_field_display()),
        Column(gettext_lazy("Experts scored"), lambda r: r.count),
        Column(gettext_lazy("Weighted mean"), lambda r: None if r.mean is None else r.mean.quantize(Decimal("0.01"))),
        Column(gettext_lazy("Spread"), lambda r: r.spread),
        Column(gettext_lazy("Std. deviation"), lambda r: r.stdev),
        Column(gettext_lazy("Pending"), lambda r: r.pending),
        Column(gettext_lazy("Deviation flag"), lambda r: _("yes") if r.flagged else ""),
        Column(gettext_lazy("Outcome"), lambda r: r.decision_label or r.entry.get_outcome_display()),
        Column(gettext_lazy("Expert totals"), _expert_totals),
    )


@staff_required
@require_GET
def round_export(request, pk):
    """The ranking in its current order, as CSV (the default) or XLSX (`?export=xlsx`)."""
    review_round = _round(pk)
    pages = round_pages(review_round.criteria_set.purpose)
    results = round_results(review_round)
    pages.describe(request.user, review_round, results)
    results, _sort = sort_results(results, request.GET.get("sort", "rank"))
    title = _("Ranking of %(round)s") % {"round": review_round.title}
    return exports.export(request, results, _ranking_columns(pages.entry_label), title, fmt="csv")


@staff_required
@require_POST
def assignment_transition(request, pk, name):
    assignment = get_object_or_404(Assignment.objects.visible_to(request.user), pk=pk)
    default = round_entry_url(assignment.round_id, assignment.application_id)
    return run_and_redirect(request, assignment, name, default)


@staff_required
@require_POST
def round_reschedule(request, pk):
    """Move the experts' scoring deadline of an open round (its reminders follow)."""
    review_round = _round(pk)
    form = ScoringDueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new scoring deadline as a date."))
        return redirect(review_round)
    try:
        run_transition(review_round, "reschedule", request.user, due=form.cleaned_data["due"])
    except (RuleViolation, TransitionConflict, PermissionDenied) as exc:
        messages.error(request, rule_text(exc))
    else:
        messages.success(request, _("The experts' scores are now due on %(date)s.") % {"date": format_date(form.cleaned_data["due"])})
    return redirect(review_round)


@staff_required
@require_GET
def round_late(request, pk):
    """Who is late: the experts with assignments of the round not yet submitted, a page at a time, with the days
    since the scoring deadline passed (none before it), so that staff remind, replace or conclude with a reason."""
    review_round = _round(pk)
    pending = late_experts(review_round) if review_round.status == RoundStatus.OPEN else late_experts(review_round).none()
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    due = review_round.scoring_due
    overdue = (timezone.localdate() - due).days if due else 0
    return render(request, "reviews/staff/round_late.html", {
        "round": review_round,
        "page_obj": page,
        "experts": page.object_list,
        "overdue_days": max(overdue, 0),
        "days_left": max(-overdue, 0),
        "query": query_without_page(request),
    })
