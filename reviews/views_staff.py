"""Ministry staff pages of the review stage on one dossier (Art. 7, 13): the queue with bulk actions, formal
review and site inspection. Committees, rounds and notices have their own modules (`views_committees`,
`views_rounds`, `views_notices`).

Thin: who may see is the visibility querysets (`Application.objects.visible_to`, `Assignment`/
`Objection.objects.visible_to`), every rule is `reviews.services` or a model @transition, and every
status change goes through `kernel.transitions.run_transition`. Only SAMR/MIIT staff (and portal
administrators, who may look but whom the transitions refuse) reach these pages; others get 403.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.rules import is_ministry_staff
from applications.models import APPROVAL_DECISION, Application, Status
from kernel import exports
from kernel.exports import Column
from kernel.models import SignOff
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from kernel.web import rule_text, safe_next

from . import batch
from .filters import QueueFilter
from .forms import (
    FORMAL_REVIEW_ACTIONS,
    FormalReviewForm,
    InspectionForm,
    parse_ids,
)
from .models import (
    FormalReviewItem,
)
from .progress import next_step, with_scheduled_notice
from .services import (
    record_site_inspection,
)
from .views_common import PAGE_SIZE

# --- access and small helpers ---------------------------------------------------------------------


def _application(request, pk):
    queryset = Application.objects.visible_to(request.user).select_related("host", "host__competent_department")
    return get_object_or_404(queryset, pk=pk)


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


QUEUE_COLUMNS = exports.columns(__name__, "QUEUE_COLUMNS", [
    Column(gettext_lazy("Proposed laboratory"), str),
    Column(gettext_lazy("Host institution"), lambda a: a.host.name),
    Column(gettext_lazy("Host level"), lambda a: a.host.get_level_display()),
    Column(gettext_lazy("Province"), lambda a: a.host.get_province_display()),
    Column(gettext_lazy("Field"), lambda a: a.get_field_display()),
    Column(gettext_lazy("Stage"), lambda a: a.get_status_display()),
    Column(gettext_lazy("Sign-offs"), _signoff_text),
    Column(gettext_lazy("Next step"), _next_step),
    Column(gettext_lazy("Last saved"), lambda a: a.updated_at),
])


def _queue_tab(request):
    """The queue opens on what waits for the viewer's ministry; a portal administrator, who acts on nothing, on all."""
    show = request.GET.get("show", "")
    if show not in dict(QUEUE_TABS):
        show = "waiting" if is_ministry_staff(request.user) else "all"
    return show


def _queue_rows(applications):
    return with_scheduled_notice(applications.for_table()).annotate(
        signed_samr=_signed(SignOff.Ministry.SAMR), signed_miit=_signed(SignOff.Ministry.MIIT))


@staff_required
@require_GET
def queue(request):
    """Every application past drafting the user may see, or those waiting for their ministry (the default),
    searched and filtered; batch actions on the selection (`batch`); the same rows as CSV or XLSX."""
    show = _queue_tab(request)
    waiting = Application.objects.awaiting(request.user).exclude(status=Status.DRAFT)
    base = waiting if show == "waiting" else Application.objects.listed_for(request.user).exclude(status=Status.DRAFT)
    filterset = QueueFilter(request.GET, queryset=_queue_rows(base))
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
        "actions": batch.ACTIONS,
    })


@staff_required
@require_POST
def batch_action(request):
    """A batch action on the applications selected on the queue or the application list: the per-item report
    (`reviews.batch`), the selection as CSV/XLSX (`?export=`), or the expert to assign to each."""
    back = safe_next(request, reverse("reviews:queue"))
    action = request.POST.get("action", "")
    ids = parse_ids(request.POST.getlist("applications"))
    applications, missing = batch.selected(request.user, ids)
    if not applications and not missing:
        messages.warning(request, _("Select at least one application first."))
        return redirect(back)
    if action == "export" and exports.requested(request):
        rows = _queue_rows(Application.objects.visible_to(request.user).filter(pk__in=[a.pk for a in applications]))
        return exports.export(request, rows, QUEUE_COLUMNS, _("Selected applications"))
    context = {"back": back, "selection": applications}
    if action == "approve":
        report = batch.approve(applications, request.user, request.POST.get("comment", ""))
    elif action == "round":
        report = batch.prepare_round(applications)
    elif action == "notice":
        report = batch.prepare_notice(applications)
    elif action == "assign":
        expert = batch.experts().filter(expert_id__in=parse_ids(request.POST.get("expert", ""))).first()
        if expert is None:
            report = batch.prepare_assign(applications)
            context["experts"] = batch.experts()
            if "expert" in request.POST:
                context["expert_error"] = _("Choose an expert of the active committee.")
        else:
            report = batch.assign(applications, expert.expert, request.user)
    else:
        messages.error(request, _("Unknown action."))
        return redirect(back)
    context["report"] = report.finish(missing, ids)
    return render(request, "reviews/staff/batch.html", context)


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
