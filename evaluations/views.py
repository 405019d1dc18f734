"""Browser pages of a laboratory's life (Art. 14-31) for its host's users and ministry staff (`labs:`).

Thin: who may see is `Laboratory.objects.visible_to` (invisible → 404), who may act is the model's
transitions (`available_transitions`, `run_transition`) and the small "may ..." helpers of
`evaluations.services`, and every rule is a service or a @transition, reported back with its article.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from applications.choices import ResearchDirection
from kernel import exports
from kernel.confirmation import before_transition, drastic_actions
from kernel.exports import Column
from kernel.models import AuditEntry
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from kernel.web import rule_text, run_and_redirect

from . import services
from .forms import (
    AcceptanceForm,
    AnnualReportForm,
    ChangeReportForm,
    ExtensionRequestForm,
    GoalStatementFormSet,
    LaboratoryFilter,
    LabPeopleForm,
    OutputFormSet,
    goal_statements,
    outputs_of,
)
from .models import AnnualReport, ChangeReport, ExtensionRequest, Laboratory, LabStatus
from .progress import lab_progress, staff_action

PAGE_SIZE = 25
DIRECTION_LABELS = dict(ResearchDirection.choices)


def _visible(request, pk, *, lock=False):
    """The lab if `request.user` may see it (404 otherwise: its existence is not disclosed)."""
    queryset = Laboratory.objects.visible_to(request.user).select_related("host", "application")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_object_or_404(queryset, pk=pk)


def _refused(request, exc, lab):
    """A PermissionDenied / TransitionConflict from a form page: say why and go back to the lab."""
    messages.error(request, rule_text(exc))
    return redirect(lab)


# --- list and detail ------------------------------------------------------------------------------


LIST_COLUMNS = [
    Column(gettext_lazy("Name"), lambda lab: lab.name_zh),
    Column(gettext_lazy("English name"), lambda lab: lab.name_en),
    Column(gettext_lazy("Host institution"), lambda lab: lab.host.name),
    Column(gettext_lazy("Province"), lambda lab: lab.host.get_province_display()),
    Column(gettext_lazy("Field"), lambda lab: lab.get_field_display()),
    Column(gettext_lazy("Status"), lambda lab: lab.get_status_display()),
    Column(gettext_lazy("Latest evaluation result"), lambda lab: lab.get_latest_result_display()),
    Column(gettext_lazy("Approved on"), lambda lab: lab.approved_on),
    Column(gettext_lazy("Construction end"), lambda lab: lab.construction_end),
]


@login_required
def lab_list(request):
    queryset = Laboratory.objects.visible_to(request.user).for_table()
    filterset = LaboratoryFilter(request.GET, queryset=queryset)
    if exports.requested(request):
        return exports.export(request, filterset.qs, LIST_COLUMNS, _("Laboratories"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "labs/list.html", {"filter": filterset, "page_obj": page, "query": query_without_page(request)})


def _timeline(lab, extension_requests, change_reports):
    """The audit records of the lab and of its extension requests and change reports, oldest first."""
    types = ContentType.objects.get_for_models(Laboratory, ExtensionRequest, ChangeReport)
    condition = Q(content_type=types[Laboratory], object_id=lab.pk)
    if extension_requests:
        condition |= Q(content_type=types[ExtensionRequest], object_id__in=[r.pk for r in extension_requests])
    if change_reports:
        condition |= Q(content_type=types[ChangeReport], object_id__in=[r.pk for r in change_reports])
    subjects = {types[model].pk: model._meta.verbose_name for model in (ExtensionRequest, ChangeReport)}
    entries = list(AuditEntry.objects.filter(condition).timeline())
    for entry in entries:
        entry.subject_label = subjects.get(entry.content_type_id, "")
    return entries


def _acceptance_not_yet_open(lab):
    """The day acceptance may first be applied for, while that day is still to come (Art. 18)."""
    if lab.status != LabStatus.CONSTRUCTION:
        return None
    opens_on = services.acceptance_opens_on(lab)
    return opens_on if opens_on > timezone.localdate() else None


def _decisions_awaiting(user, extension_requests, change_reports):
    """("extension" | "change", object) for the lab's requests and reports `user` may decide now (Art. 18, 24)."""
    return [(kind, obj) for kind, objects in (("extension", extension_requests), ("change", change_reports))
            for obj in objects if available_transitions(obj, user)]


@login_required
def detail(request, pk):
    lab = _visible(request, pk)
    user = request.user
    extension_requests = list(lab.extension_requests.select_related("filed_by"))
    change_reports = list(lab.change_reports.select_related("filed_by"))
    reports = list(lab.annual_reports.select_related("submitted_by", "acknowledged_by").prefetch_related("outputs")
                   .order_by("-due_on", "-pk"))
    for report in reports:
        report.laboratory = lab
        report.may_acknowledge = services.may_acknowledge_report(report, user)
    for obj in (*extension_requests, *change_reports):
        obj.laboratory = lab
    transitions = available_transitions(lab, user)
    actions = [t for t in transitions if not t.drastic]
    in_round = Laboratory.objects.with_open_round().filter(pk=lab.pk, in_open_round=True).exists()
    staff_page = staff_action(lab, user, in_round)
    decisions = _decisions_awaiting(user, extension_requests, change_reports)
    reports_due = services.reports_due(lab, user)
    return render(request, "labs/detail.html", {
        "lab": lab,
        "progress": lab_progress(lab, in_round),
        "pending": bool(actions or staff_page or decisions or reports_due),
        "has_actions": bool(actions),
        "staff_page": staff_page,
        "decisions": decisions,
        "danger_actions": drastic_actions(lab, transitions, "labs:transition"),  # removal from the list (Art. 25)
        "goals": services.build_plan_goals(lab),
        "directions": [DIRECTION_LABELS.get(code, code) for code in lab.research_directions or []],
        "chair_is_inside": lab.chair_is_inside(),
        "acceptance_applications": list(lab.acceptance_applications.select_related("filed_by")),
        "extension_requests": extension_requests,
        "change_reports": change_reports,
        "reports": reports,
        "evaluations": list(lab.evaluations.all()),
        "timeline": _timeline(lab, extension_requests, change_reports),
        "extension_cutoff": services.extension_cutoff(lab) if lab.status == LabStatus.CONSTRUCTION else None,
        "acceptance_opens_on": _acceptance_not_yet_open(lab),
        "may_edit": services.may_edit_lab(lab, user),
        "may_request_extension": services.may_request_extension(lab, user),
        "reports_due": reports_due,
        "may_report_change": services.may_report_change(lab, user),
    })


# --- the lab's own data (Art. 14-16) --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    lab = _visible(request, pk)
    if not services.may_edit_lab(lab, request.user):
        raise PermissionDenied(_("Only the host institution's users keep the lab's data, while the lab is active."))
    form = LabPeopleForm(request.POST or None, instance=lab)
    if request.method == "POST" and form.is_valid():
        try:
            lab = services.update_lab_people(lab, request.user, form.cleaned_data)
        except RuleViolation as exc:
            form.add_rule_violation(exc)
        except ValidationError as exc:
            form.add_validation_error(exc)
        except PermissionDenied as exc:
            return _refused(request, exc, lab)
        else:
            messages.success(request, _("The lab's data was saved."))
            if lab.chair_is_inside():
                messages.warning(request, _("The academic committee chair is from the host or a consortium member; "
                                            "the chair is generally from outside (Art. 15)."))
            return redirect(lab)
    if request.method == "POST":
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    return render(request, "labs/edit.html", {"lab": lab, "form": form})


# --- acceptance (Art. 17-19) ----------------------------------------------------------------------


def _may_take(obj, user, name):
    return any(t.name == name for t in available_transitions(obj, user))


@login_required
@require_http_methods(["GET", "POST"])
def apply_acceptance(request, pk):
    lab = _visible(request, pk)
    if not _may_take(lab, request.user, "apply_for_acceptance"):
        messages.info(request, _("Acceptance cannot be applied for by you now (status: %(status)s).")
                      % {"status": lab.get_status_display()})
        return redirect(lab)
    goals = services.build_plan_goals(lab)
    form = AcceptanceForm(request.POST or None)
    formset = GoalStatementFormSet(request.POST or None, prefix="goals",
                                   initial=None if request.method == "POST" else [{"goal": g} for g in goals])
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            try:
                lab = run_transition(lab, "apply_for_acceptance", request.user, report=form.cleaned_data["report"],
                                     goal_statements=goal_statements(formset))
            except RuleViolation as exc:
                form.add_rule_violation(exc)
            except (TransitionConflict, PermissionDenied) as exc:
                return _refused(request, exc, lab)
            else:
                messages.success(request, _("The acceptance application was filed; the status is now “%(status)s”.")
                                 % {"status": lab.get_status_display()})
                return redirect(lab)
        messages.error(request, _("Nothing was filed: please correct the errors below."))
    return render(request, "labs/apply_acceptance.html", {"lab": lab, "form": form, "formset": formset, "goals": goals})


# --- extension (Art. 18) --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def request_extension(request, pk):
    lab = _visible(request, pk)
    if not services.is_lab_host(request.user, lab):
        raise PermissionDenied(_("Only the host institution's users can request an extension."))
    form = ExtensionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                locked = _visible(request, pk, lock=True)  # two windows never file two requests
                services.file_extension_request(locked, request.user, form.cleaned_data["months"], form.cleaned_data["reason"])
        except RuleViolation as exc:
            form.add_rule_violation(exc)
        except PermissionDenied as exc:
            return _refused(request, exc, lab)
        else:
            messages.success(request, _("The extension request was sent to the ministries."))
            return redirect(lab)
    if request.method == "POST":
        messages.error(request, _("The request was not filed: please correct the errors below."))
    return render(request, "labs/request_extension.html", {
        "lab": lab, "form": form, "cutoff": services.extension_cutoff(lab),
    })


# --- annual reports (Art. 18, 21-23, 26) ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def file_report(request, pk):
    lab = _visible(request, pk)
    if not services.is_lab_host(request.user, lab):
        raise PermissionDenied(_("Only the host institution's users file the lab's reports."))
    due = services.reports_due(lab)
    form = AnnualReportForm(request.POST or None, due=due)
    formset = OutputFormSet(request.POST or None, prefix="outputs")
    if request.method == "POST" and due:
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    locked = _visible(request, pk, lock=True)
                    report = services.submit_annual_report(locked, request.user, form.cleaned_data["kind"],
                                                           form.data_fields(), outputs_of(formset))
            except RuleViolation as exc:
                form.add_rule_violation(exc)
            except IntegrityError:
                form.add_error(None, _("This report was filed meanwhile, in another window."))
            except PermissionDenied as exc:
                return _refused(request, exc, lab)
            else:
                messages.success(request, _("“%(report)s” was filed.") % {"report": report})
                return redirect(lab)
        messages.error(request, _("Nothing was filed: please correct the errors below."))
    return render(request, "labs/file_report.html", {"lab": lab, "form": form, "formset": formset, "due": due})


@login_required
@require_POST
def acknowledge_report(request, pk):
    report = get_object_or_404(AnnualReport.objects.select_related("laboratory", "laboratory__host")
                               .filter(laboratory__in=Laboratory.objects.visible_to(request.user)), pk=pk)
    lab = report.laboratory
    if not services.may_acknowledge_report(report, request.user):
        messages.error(request, _("You cannot acknowledge this report."))
        return redirect(lab)
    try:
        services.acknowledge_report(report, request.user)
    except PermissionDenied as exc:
        return _refused(request, exc, lab)
    messages.success(request, _("“%(report)s” acknowledged by the host institution (Art. 18).") % {"report": report})
    return redirect(lab)


# --- changes (Art. 24, 31) ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_change(request, pk):
    lab = _visible(request, pk)
    if not services.is_lab_host(request.user, lab):
        raise PermissionDenied(_("Only the host institution's users report the lab's changes."))
    form = ChangeReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.file_change_report(lab, request.user, data["kind"], data["description"],
                                        new_name_zh=data["new_name_zh"], new_name_en_subject=data["new_name_en_subject"])
        except RuleViolation as exc:
            form.add_rule_violation(exc)
        except ValidationError as exc:  # the model's Art. 31 check of a new name
            form.add_validation_error(exc)
        except PermissionDenied as exc:
            return _refused(request, exc, lab)
        else:
            messages.success(request, _("The change report was sent to the ministries (Art. 24)."))
            return redirect(lab)
    if request.method == "POST":
        messages.error(request, _("The report was not filed: please correct the errors below."))
    return render(request, "labs/report_change.html", {"lab": lab, "form": form})


# --- bare transitions (buttons) -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def transition(request, pk, name):
    """confirm_acceptance, delist (drastic: a confirmation page first; comment required, Art. 25) ... on the lab;
    403/409/400 become messages."""
    lab = _visible(request, pk)
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

