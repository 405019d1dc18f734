"""Browser pages of the host institution's users for their laboratory (`labs:`): keep the lab's people
(Art. 14-16), apply for acceptance (Art. 17-18), request the extension (Art. 18), file and acknowledge
annual reports (Art. 18, 21-23, 26), report changes (Art. 24, 31). A refusal is said with its article."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from kernel.web import rule_text

from . import lifecycle, services
from .forms import (
    AcceptanceForm,
    AnnualReportForm,
    ChangeReportForm,
    ExtensionRequestForm,
    GoalStatementFormSet,
    LabPeopleForm,
    OutputFormSet,
    StatementForm,
    goal_statements,
    outputs_of,
)
from .models import AnnualReport, Laboratory
from .rules import is_lab_host
from .views import visible_or_404


def _refused(request, exc, lab):
    """A PermissionDenied / TransitionConflict from a form page: say why and go back to the lab."""
    messages.error(request, rule_text(exc))
    return redirect(lab)


# --- the lab's own data (Art. 14-16) --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    lab = visible_or_404(request, pk)
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
    lab = visible_or_404(request, pk)
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
    lab = visible_or_404(request, pk)
    if not is_lab_host(request.user, lab):
        raise PermissionDenied(_("Only the host institution's users can request an extension."))
    form = ExtensionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                locked = visible_or_404(request, pk, lock=True)  # two windows never file two requests
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
        "lab": lab, "form": form, "cutoff": lifecycle.extension_cutoff(lab),
    })


# --- the written statement on a proposed termination or removal (Art. 18, 19, 25, 27) ------------


@login_required
@require_http_methods(["GET", "POST"])
def make_statement(request, pk):
    lab = visible_or_404(request, pk)
    if not is_lab_host(request.user, lab):
        raise PermissionDenied(_("Only the host institution's users answer for the laboratory."))
    proposal = lab.open_proposal
    if proposal is None or not proposal.accepts_statement():
        messages.error(request, _("There is no proposal awaiting your written statement."))
        return redirect(lab)
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.make_statement(lab, request.user, form.cleaned_data["statement"], form.cleaned_data["files"])
        except RuleViolation as exc:
            form.add_rule_violation(exc)
        except PermissionDenied as exc:
            return _refused(request, exc, lab)
        else:
            messages.success(request, _("Your written statement was sent to SAMR and MIIT."))
            return redirect(proposal)
    if request.method == "POST":
        messages.error(request, _("The statement was not sent: please correct the errors below."))
    return render(request, "labs/statement.html", {"lab": lab, "proposal": proposal, "form": form})


# --- annual reports (Art. 18, 21-23, 26) ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def file_report(request, pk):
    lab = visible_or_404(request, pk)
    if not is_lab_host(request.user, lab):
        raise PermissionDenied(_("Only the host institution's users file the lab's reports."))
    due = services.reports_due(lab)
    periods = {kind: services.report_period(lab, kind, deadline) for kind, deadline in due.items()}
    form = AnnualReportForm(request.POST or None, due=due, periods=periods)
    formset = OutputFormSet(request.POST or None, prefix="outputs")
    if request.method == "POST" and not due and form.is_bound:
        # Filed meanwhile (a second click, another window): the page the host sent was for a report now on file.
        filed = _filed_from(lab, form)
        if filed is not None:
            messages.info(request, services.ReportAlreadyFiled(filed).rule_message)
            return redirect(lab)
    if request.method == "POST" and due:
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    locked = visible_or_404(request, pk, lock=True)
                    report = services.submit_annual_report(locked, request.user, form.cleaned_data["kind"],
                                                           form.data_fields(), outputs_of(formset), period=form.period())
            except services.ReportAlreadyFiled as exc:
                messages.info(request, exc.rule_message)
                return redirect(lab)
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
    for kind, deadline in due.items():
        deadline.period = periods[kind]
    return render(request, "labs/file_report.html", {"lab": lab, "form": form, "formset": formset, "due": due,
                                                      "upcoming": [] if due else services.upcoming_reports(lab)})


def _filed_from(lab, form):
    """The report a posted page was filing, when it is on file already (the kind and year the page showed)."""
    kind = form.data.get(form.add_prefix("kind"), "")
    for item in (form.data.get(form.add_prefix("periods")) or "").split(","):
        item_kind, _sep, number = item.partition(":")
        if item_kind == kind and number.isdecimal():
            return lab.annual_reports.filter(kind=kind, period=int(number)).first()
    return None


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
    lab = visible_or_404(request, pk)
    if not is_lab_host(request.user, lab):
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
