"""Ministry staff pages of the review stage (Art. 7-9, 13): the queue with bulk actions, formal review,
committees, expert review rounds, site inspection, publicity and objections.

Thin: who may see is the visibility querysets (`Application.objects.visible_to`, `Assignment`/
`Objection.objects.visible_to`), every rule is `reviews.services` or a model @transition, and every
status change goes through `kernel.transitions.run_transition`. Only SAMR/MIIT staff (and portal
administrators, who may look but whom the transitions refuse) reach these pages; others get 403.
"""

import csv
import mimetypes
import os
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.rules import is_ministry_staff
from applications.choices import Field
from applications.models import APPROVAL_DECISION, Application, Status
from kernel import exports
from kernel.exports import Column
from kernel.formatting import format_date
from kernel.models import SignOff
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from kernel.web import rule_text, run_and_redirect

from .filters import QueueFilter
from .forms import (
    FORMAL_REVIEW_ACTIONS,
    AssignForm,
    FormalReviewForm,
    InspectionForm,
    NoticeForm,
    RoundForm,
    parse_ids,
)
from .models import (
    Assignment,
    AssignmentStatus,
    CommitteeStatus,
    CriteriaSet,
    ExpertCommittee,
    FormalReviewItem,
    Objection,
    ObjectionStatus,
    Position,
    PublicityNotice,
    ReviewRound,
    RoundStatus,
    publicity_window_text,
)
from .progress import next_step
from .services import (
    assign_expert,
    publicity_end,
    record_site_inspection,
    round_results,
    suggested_experts,
)
from .subject_pages import NOTICE_PAGES, ROUND_PAGES, distinct, notice_pages, round_pages

PAGE_SIZE = 25


# --- access and small helpers ---------------------------------------------------------------------


def _application(request, pk):
    queryset = Application.objects.visible_to(request.user).select_related("host", "host__competent_department")
    return get_object_or_404(queryset, pk=pk)


def _field_labels(codes):
    labels = dict(Field.choices)
    return [labels.get(code, code) for code in codes or []]


# --- the queue ------------------------------------------------------------------------------------


def _signed(ministry):
    return Exists(SignOff.objects.filter(
        content_type=ContentType.objects.get_for_model(Application), object_id=OuterRef("pk"),
        decision=APPROVAL_DECISION, ministry=ministry,
    ))


# What the ministries do next with an application in the queue, and the page where they do it (if one).
QUEUE_TABS = (("waiting", gettext_lazy("Waiting for you")), ("all", gettext_lazy("All applications")))


def _next_step(app):
    step = next_step(app)
    return step[0] if step else ""


def _signoff_text(app):
    signed = [label for done, label in ((app.signed_samr, _("SAMR signed")), (app.signed_miit, _("MIIT signed"))) if done]
    if signed:
        return "; ".join(signed)
    return _("None yet") if app.status == Status.AWAITING_APPROVAL else ""


QUEUE_COLUMNS = [
    Column(gettext_lazy("Proposed laboratory"), str),
    Column(gettext_lazy("Host institution"), lambda a: a.host.name),
    Column(gettext_lazy("Host level"), lambda a: a.host.get_level_display()),
    Column(gettext_lazy("Province"), lambda a: a.host.get_province_display()),
    Column(gettext_lazy("Field"), lambda a: a.get_field_display()),
    Column(gettext_lazy("Stage"), lambda a: a.get_status_display()),
    Column(gettext_lazy("Sign-offs"), _signoff_text),
    Column(gettext_lazy("Next step"), _next_step),
    Column(gettext_lazy("Last saved"), lambda a: a.updated_at),
]


def _queue_tab(request):
    """The queue opens on what waits for the viewer's ministry; a portal administrator, who acts on nothing, on all."""
    show = request.GET.get("show", "")
    if show not in dict(QUEUE_TABS):
        show = "waiting" if is_ministry_staff(request.user) else "all"
    return show


@staff_required
@require_http_methods(["GET", "POST"])
def queue(request):
    """Every application past drafting the user may see, or those waiting for their ministry (the default),
    searched and filtered; bulk actions on the selection; the same rows as CSV or XLSX."""
    if request.method == "POST":
        return _bulk_action(request)
    show = _queue_tab(request)
    waiting = Application.objects.awaiting(request.user).exclude(status=Status.DRAFT)
    base = waiting if show == "waiting" else Application.objects.listed_for(request.user).exclude(status=Status.DRAFT)
    queryset = base.for_table().annotate(
        signed_samr=_signed(SignOff.Ministry.SAMR), signed_miit=_signed(SignOff.Ministry.MIIT))
    filterset = QueueFilter(request.GET, queryset=queryset)
    if exports.requested(request):
        return exports.export(request, filterset.qs, QUEUE_COLUMNS, _("Ministry review queue"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for app in page.object_list:
        app.next_step, app.next_step_url = next_step(app) or ("", None)
    query = request.GET.copy()
    query.pop("page", None)
    tabs = []
    for code, label in QUEUE_TABS:
        query["show"] = code
        tabs.append({"code": code, "label": label, "query": query.urlencode()})
    return render(request, "reviews/staff/queue.html", {
        "filter": filterset,
        "page_obj": page,
        "query": query_without_page(request),
        "full_query": request.GET.urlencode(),
        "show": show,
        "tabs": tabs,
        "waiting_count": waiting.count(),
    })


BULK_TARGETS = {"round": "reviews:round_create", "notice": "reviews:notice_create"}


def _bulk_action(request):
    ids = parse_ids(request.POST.getlist("applications"))
    action = request.POST.get("action", "")
    back = reverse("reviews:queue") + (f"?{request.POST['query']}" if request.POST.get("query") else "")
    if not ids:
        messages.warning(request, _("Select at least one application first."))
        return redirect(back)
    if action in BULK_TARGETS:
        return redirect(reverse(BULK_TARGETS[action]) + "?applications=" + ",".join(str(i) for i in ids))
    if action != "approve":
        messages.error(request, _("Unknown action."))
        return redirect(back)
    applications = list(Application.objects.visible_to(request.user).filter(pk__in=ids).select_related("host").order_by("pk"))
    if len(applications) < len(set(ids)):
        messages.error(request, _("Some selected applications were not found."))
    for application in applications:
        try:
            application = run_transition(application, "approve", request.user, request.POST.get("comment", ""))
        except (RuleViolation, TransitionConflict, PermissionDenied) as exc:
            messages.error(request, _("“%(app)s”: not signed. %(reason)s") % {"app": application, "reason": rule_text(exc)})
        else:
            if application.status == Status.APPROVED:
                text = _("“%(app)s”: signed; both ministries have signed and construction is approved (Art. 7).")
            else:
                text = _("“%(app)s”: signed for your ministry; the other ministry's sign-off is awaited (Art. 7).")
            messages.success(request, text % {"app": application})
    return redirect(back)


# --- formal review (Art. 13) ------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def formal_review(request, pk):
    application = _application(request, pk)
    form = FormalReviewForm(request.POST or None, items=FormalReviewItem.objects.filter(active=True))
    if request.method == "POST":
        action = request.POST.get("action", "")
        if form.is_valid():
            if action not in FORMAL_REVIEW_ACTIONS:
                form.add_error(None, _("Choose to pass, return for supplement or reject."))
            else:
                try:
                    application = run_transition(application, action, request.user, form.cleaned_data["comment"],
                                                 checks=form.checks())
                except RuleViolation as exc:
                    form.add_rule_violation(exc)
                except (TransitionConflict, PermissionDenied) as exc:
                    messages.error(request, rule_text(exc))
                    return redirect("reviews:formal_review", pk=pk)
                else:
                    messages.success(request, _("Formal review recorded; the status is now “%(status)s”.")
                                     % {"status": application.get_status_display()})
                    return redirect(application)
        if form.errors:
            messages.error(request, _("Nothing was saved: please correct the errors below."))
    texts = dict((str(pk_), text) for pk_, text in FormalReviewItem.objects.values_list("pk", "text"))
    previous = list(application.formal_reviews.select_related("reviewer").order_by("-at"))
    for review in previous:
        review.rows = [(texts.get(key, f"#{key}"), ok) for key, ok in (review.checks or {}).items()]
    return render(request, "reviews/staff/formal_review.html", {
        "application": application,
        "form": form,
        "pending": application.status == Status.RECOMMENDED,
        "previous": previous,
        "supplement_days": settings.SUPPLEMENT_FIX_WORKING_DAYS,
    })


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
        member.field_labels = _field_labels(member.fields)
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


# --- expert review rounds -----------------------------------------------------------------------------


# `?purpose=` of the rounds list: application review, acceptance (Art. 19), evaluation (Art. 26), or both lab kinds.
ROUND_FILTERS = {
    CriteriaSet.Purpose.APPLICATION: [CriteriaSet.Purpose.APPLICATION],
    CriteriaSet.Purpose.ACCEPTANCE: [CriteriaSet.Purpose.ACCEPTANCE],
    CriteriaSet.Purpose.EVALUATION: [CriteriaSet.Purpose.EVALUATION],
    "labs": [CriteriaSet.Purpose.ACCEPTANCE, CriteriaSet.Purpose.EVALUATION],
}


ROUND_COLUMNS = [
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
]


@staff_required
@require_GET
def rounds(request):
    purpose = request.GET.get("purpose", "")
    queryset = ReviewRound.objects.select_related("committee", "criteria_set", "opened_by").annotate(
        n_applications=Count("entries", distinct=True),
        n_assignments=Count("assignments", distinct=True),
        n_submitted=Count("assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED), distinct=True),
    ).order_by("-opened_at", "-pk")
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


RANKING_COLUMNS = [
    ("rank", gettext_lazy("Rank"), lambda r: r.rank),
    ("application", gettext_lazy("Application"), lambda r: str(r.subject)),
    ("host", gettext_lazy("Host institution"), lambda r: str(r.application.host)),
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


@staff_required
@require_http_methods(["GET", "POST"])
def round_detail(request, pk):
    """The ranking, the experts per entry and the conclusion of a round of applications or laboratories.
    Concluding runs the round's `conclude` transition, which runs the conclusion registered for the purpose
    of its criteria (`reviews.subjects`); the pages registered for it name the entries and build the form."""
    review_round = _round(pk)
    pages = round_pages(review_round.criteria_set.purpose)
    results = round_results(review_round)
    pages.describe(request.user, review_round, results)
    open_ = review_round.status == RoundStatus.OPEN
    conclude_form = pages.conclude_form(request.POST or None, review_round, results) if open_ else None
    if request.method == "POST":
        if conclude_form is None:
            messages.error(request, _("This round is concluded."))
            return redirect(review_round)
        if conclude_form.is_valid():
            try:
                run_transition(review_round, "conclude", request.user, request.POST.get("comment", ""),
                               decisions=conclude_form.decisions())
            except RuleViolation as exc:
                conclude_form.add_rule_violation(exc)
            except (TransitionConflict, PermissionDenied) as exc:
                messages.error(request, rule_text(exc))
                return redirect(review_round)
            else:
                pages.concluded(request, conclude_form)
                return redirect(review_round)
        messages.error(request, _("The round was not concluded: please correct the errors below."))

    sorted_results, sort = sort_results(results, request.GET.get("sort", "rank"))
    assignments = defaultdict(list)
    for assignment in (Assignment.objects.visible_to(request.user).filter(round=review_round)
                       .select_related("expert", "expert__organisation").order_by("application_id", "pk")):
        assignments[assignment.application_id].append(assignment)
    entries = [(r, assignments.get(r.application.pk, [])) for r in results]
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
    return render(request, "reviews/staff/round.html", {
        "round": review_round,
        "results": sorted_results,
        "entries": entries,
        "columns": columns,
        "sort": sort,
        "open": open_,
        "conclude_form": conclude_form,
        "lab_round": pages.section == "lab_rounds",
        "acceptance": review_round.criteria_set.purpose == CriteriaSet.Purpose.ACCEPTANCE,
        "conclude_article": pages.decision_article,
        "conclude_template": pages.conclude_template,
        "criteria": review_round.criteria_set.criteria.all(),
        "round_pdf_url": reverse("reviews:round_pdf", args=[review_round.pk]),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def round_assign(request, pk, app_pk):
    """Suggested experts and the assignment form of one application (htmx fragment or full page)."""
    review_round = _round(pk)
    pages = round_pages(review_round.criteria_set.purpose)
    application = get_object_or_404(
        Application.objects.visible_to(request.user).filter(round_entries__round=review_round).select_related("host"), pk=app_pk,
    )
    suggested = suggested_experts(review_round, application) if review_round.status == RoundStatus.OPEN else []
    form = AssignForm(request.POST or None, review_round=review_round, suggested=suggested, auto_id=f"assign-{app_pk}-%s")
    back = reverse("reviews:round", args=[pk]) + f"#application-{app_pk}"
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
        member.field_labels = _field_labels(member.fields)
        member.in_field = application.field in (member.fields or [])
    context = {"round": review_round, "application": application, "entry": pages.entry(review_round, application),
               "suggested": suggested, "form": form}
    if getattr(request, "htmx", False):
        return render(request, "reviews/staff/_assign.html", context)
    return render(request, "reviews/staff/round_assign.html", context)


@staff_required
@require_GET
def round_export(request, pk):
    """The ranking as CSV, UTF-8 with a byte-order mark so that Excel reads the Chinese."""
    review_round = _round(pk)
    pages = round_pages(review_round.criteria_set.purpose)
    results = round_results(review_round)
    pages.describe(request.user, review_round, results)
    results, _sort = sort_results(results, request.GET.get("sort", "rank"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="round-{review_round.pk}-ranking.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([
        _("Rank"), str(pages.entry_label), _("Host institution"), _("Field"),
        _("Experts scored"), _("Weighted mean"),
        _("Spread"), _("Std. deviation"), _("Pending"), _("Deviation flag"), _("Outcome"), _("Expert totals"),
    ])
    for r in results:
        totals = "; ".join(f"{t.assignment.expert}: {t.total}{' (!)' if t.deviates else ''}" for t in r.totals)
        writer.writerow([
            r.rank or "", str(r.subject), str(r.application.host), r.application.get_field_display(), r.count,
            "" if r.mean is None else f"{r.mean:.2f}", "" if r.spread is None else r.spread,
            "" if r.stdev is None else r.stdev, r.pending, _("yes") if r.flagged else "",
            r.decision_label or r.entry.get_outcome_display(),
            totals,
        ])
    return response


@staff_required
@require_POST
def assignment_transition(request, pk, name):
    assignment = get_object_or_404(Assignment.objects.visible_to(request.user), pk=pk)
    default = reverse("reviews:round", args=[assignment.round_id]) + f"#application-{assignment.application_id}"
    return run_and_redirect(request, assignment, name, default)


# --- site inspection ----------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def inspection(request, pk):
    application = _application(request, pk)
    form = InspectionForm(request.POST or None, request.FILES or None, initial={"visited_on": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_site_inspection(
                    application, request.user, team=data["team"], visited_on=data["visited_on"],
                    findings=data["findings"], verdict=data["verdict"], report=data.get("report") or None,
                )
            except RuleViolation as exc:
                form.add_rule_violation(exc)
            except (TransitionConflict, PermissionDenied) as exc:
                form.add_error(None, rule_text(exc))
            else:
                application.refresh_from_db()
                messages.success(request, _("The site inspection is recorded; the status is now “%(status)s”.")
                                 % {"status": application.get_status_display()})
                return redirect(application)
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    return render(request, "reviews/staff/inspection.html", {
        "application": application,
        "form": form,
        "pending": application.status == Status.SITE_INSPECTION,
        "previous": application.site_inspections.select_related("recorded_by"),
    })


# --- publicity and objections (Art. 13) -----------------------------------------------------------------


NOTICE_COLUMNS = [
    Column(gettext_lazy("Notice"), lambda n: n.title),
    Column(gettext_lazy("Publicity of"), lambda n: n.get_subject_display()),
    Column(gettext_lazy("Status"), lambda n: n.get_status_display()),
    Column(gettext_lazy("From"), lambda n: n.starts_on),
    Column(gettext_lazy("To (inclusive)"), lambda n: n.ends_on),
    Column(gettext_lazy("Working days"), lambda n: n.working_days),
    Column(gettext_lazy("Applications"), lambda n: n.n_applications),
    Column(gettext_lazy("Objections"), lambda n: n.n_objections),
    Column(gettext_lazy("Open objections"), lambda n: n.n_open),
]


@staff_required
@require_GET
def notices(request):
    queryset = PublicityNotice.objects.select_related("opened_by").annotate(
        n_applications=Count("applications", distinct=True),
        n_objections=Count("objections", distinct=True),
        n_open=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN), distinct=True),
    ).order_by("-starts_on", "-pk")
    if exports.requested(request):
        return exports.export(request, queryset, NOTICE_COLUMNS, _("Publicity notices"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/staff/notices.html", {"page_obj": page, "query": query_without_page(request)})


def _window(starts_on, working_days):
    """The last day of the window being set up and the sentence that says how it is counted."""
    if not starts_on or not working_days:
        return {"window": None, "window_text": ""}
    window = publicity_end(starts_on, working_days)
    return {"window": window, "window_text": publicity_window_text(starts_on, window.date, working_days)}


@staff_required
@require_http_methods(["GET", "POST"])
def notice_create(request):
    """Publicity of inspected applications (Art. 13) or of laboratories whose acceptance both ministries
    confirmed (Art. 19): the pages registered for the subject chosen open it."""
    initial = {"applications": parse_ids(request.GET.getlist("applications")),
               "laboratories": parse_ids(request.GET.getlist("laboratories"))}
    subject = request.GET.get("subject", "")
    if subject in PublicityNotice.Subject.values:
        initial["subject"] = subject
    elif initial["laboratories"]:
        initial["subject"] = PublicityNotice.Subject.ACCEPTANCE
    form = NoticeForm(request.POST or None, user=request.user, pages=NOTICE_PAGES, initial=initial)
    if request.method == "POST" and "preview" not in request.POST:
        if form.is_valid():
            data = form.cleaned_data
            try:
                notice = notice_pages(data["subject"]).open(data, request.user)
            except RuleViolation as exc:
                form.add_rule_violation(exc)
            except (TransitionConflict, PermissionDenied) as exc:
                form.add_error(None, rule_text(exc))
            else:
                messages.success(request, _("The publicity notice is open from %(start)s to %(end)s.")
                                 % {"start": format_date(notice.starts_on), "end": format_date(notice.ends_on)})
                return redirect(notice.get_staff_url())
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    starts_on, working_days = form.window_values()
    return render(request, "reviews/staff/notice_create.html", {"form": form, **_window(starts_on, working_days)})


@staff_required
@require_GET
def notice_window(request):
    """htmx fragment: the last day of the window for the first day and working days given."""
    form = NoticeForm(request.GET, user=request.user, pages=NOTICE_PAGES)
    starts_on, working_days = form.window_values()
    return render(request, "reviews/staff/_notice_window.html", _window(starts_on, working_days))


@staff_required
@require_GET
def notice(request, pk):
    notice = get_object_or_404(PublicityNotice.objects.select_related("opened_by"), pk=pk)
    objections = list(Objection.objects.visible_to(request.user).filter(notice=notice).select_related("application"))
    by_application = defaultdict(list)
    for objection in objections:
        by_application[objection.application_id].append(objection)
    related = notice_pages(notice.subject).related
    applications = [
        (app, by_application.get(app.pk, []))
        for app in notice.applications.select_related(*related).order_by("pk")
    ]
    return render(request, "reviews/staff/notice.html", {
        "notice": notice,
        "applications": applications,
        "objections": objections,
        "open_objections": sum(1 for o in objections if o.status == ObjectionStatus.OPEN),
    })


@staff_required
@require_POST
def notice_transition(request, pk, name):
    notice = get_object_or_404(PublicityNotice, pk=pk)
    return run_and_redirect(request, notice, name, notice.get_staff_url())


@staff_required
@require_POST
def objection_transition(request, pk, name):
    objection = get_object_or_404(Objection.objects.visible_to(request.user).select_related("notice"), pk=pk)
    return run_and_redirect(request, objection, name, objection.notice.get_staff_url() + f"#objection-{pk}")


OBJECTION_FILES = {"seal": "seal_scan", "evidence": "evidence"}


@staff_required
@require_GET
def objection_file(request, pk, which):
    """An objection's seal scan or evidence, for staff only (the objector's details are not public)."""
    if which not in OBJECTION_FILES:
        raise Http404
    objection = get_object_or_404(Objection.objects.visible_to(request.user), pk=pk)
    stored = getattr(objection, OBJECTION_FILES[which])
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    extension = os.path.splitext(stored.name)[1].lower()
    content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=f"objection-{objection.pk}-{which}{extension}",
                        content_type=content_type)
