"""Browser pages of a laboratory's life (Art. 14-31) for its host's users and ministry staff (`labs:`): the
list and the lab's page, which everyone who may see the lab reads. What the host files is `views_host`,
what staff decide with a button is `views_staff`; the public directory is `views_directory`, the staff
dashboard `views_dashboard`.

Thin: who may see is `Laboratory.objects.visible_to` (invisible → 404), who may act is the model's
transitions (`available_transitions`, `run_transition`) and the small "may ..." helpers of
`evaluations.services`, and every rule is a service or a @transition, reported back with its article.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.rules import is_ministry_staff
from applications.choices import ResearchDirection
from kernel import exports
from kernel.audit import record_download
from kernel.confirmation import drastic_actions
from kernel.documents import issued_for_each
from kernel.exports import Column
from kernel.models import AuditEntry
from kernel.paging import query_without_page
from kernel.transitions import available_transitions
from kernel.web import file_download

from . import archive as lab_archive
from . import batch, lifecycle, services
from .documents import ACCEPTANCE_OPINION, DELISTING_DECISION, EVALUATION_NOTICE, TERMINATION_DECISION, UNQUALIFIED_NOTICE
from .forms import LaboratoryFilter
from .models import ChangeReport, ExtensionRequest, Laboratory, LabStatus, StatementAttachment
from .progress import lab_progress, proposal_signatures, staff_action
from .rules import reads_archive, reads_proposals

PAGE_SIZE = 25
DIRECTION_LABELS = dict(ResearchDirection.choices)


def visible_or_404(request, pk, *, lock=False):
    """The lab if `request.user` may see it (404 otherwise: its existence is not disclosed)."""
    queryset = Laboratory.objects.visible_to(request.user).select_related("host", "application")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_object_or_404(queryset, pk=pk)


# --- list and detail ------------------------------------------------------------------------------


LIST_COLUMNS = exports.columns(__name__, "LIST_COLUMNS", [
    Column(gettext_lazy("Name"), lambda lab: lab.name_zh),
    Column(gettext_lazy("English name"), lambda lab: lab.name_en),
    Column(gettext_lazy("Host institution"), lambda lab: lab.host.name),
    Column(gettext_lazy("Province"), lambda lab: lab.host.get_province_display()),
    Column(gettext_lazy("Field"), lambda lab: lab.get_field_display()),
    Column(gettext_lazy("Status"), lambda lab: lab.get_status_display()),
    Column(gettext_lazy("Latest evaluation result"), lambda lab: lab.get_latest_result_display()),
    Column(gettext_lazy("Approved on"), lambda lab: lab.approved_on),
    Column(gettext_lazy("Construction end"), lambda lab: lab.construction_end),
])


@login_required
def lab_list(request):
    queryset = Laboratory.objects.visible_to(request.user).for_table()
    filterset = LaboratoryFilter(request.GET, queryset=queryset)
    if exports.requested(request):
        return exports.export(request, filterset.qs, LIST_COLUMNS, _("Laboratories"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "labs/list.html", {"filter": filterset, "page_obj": page, "query": query_without_page(request),
                                              "actions": batch.ACTIONS if is_ministry_staff(request.user) else None})


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
    opens_on = lifecycle.acceptance_opens_on(lab)
    return opens_on if opens_on > timezone.localdate() else None


def _decisions_awaiting(user, extension_requests, change_reports):
    """("extension" | "change", object) for the lab's requests and reports `user` may decide now (Art. 18, 24)."""
    return [(kind, obj) for kind, objects in (("extension", extension_requests), ("change", change_reports))
            for obj in objects if available_transitions(obj, user)]


def _proposal_context(lab, user):
    """The proposed termination or removal and its record, for the parties to it (Art. 18, 19, 25, 27)."""
    if not reads_proposals(user, lab):
        return {"proposals": []}
    proposals = list(lab.proposals.select_related("proposed_by__organisation", "statement_by").prefetch_related("attachments"))
    _with_documents(proposals, [TERMINATION_DECISION, DELISTING_DECISION], user)
    open_one = next((p for p in proposals if p.is_open), None)
    return {
        "proposals": proposals,
        "proposal_signatures": proposal_signatures(lab) if open_one else [],
        "may_make_statement": services.may_make_statement(lab, user),
    }


def _with_documents(rows, kinds, user):
    """Each row's issued documents of `kinds` that `user` may read, as `row.documents` (Art. 19, 25, 27)."""
    found = issued_for_each(rows, kinds, user)
    for row in rows:
        row.documents = found.get(row.pk, [])
    return rows


@login_required
def detail(request, pk):
    lab = visible_or_404(request, pk)
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
    proposal = _proposal_context(lab, user)
    lab_rounds = services.lab_round_entries(lab, user)
    return render(request, "labs/detail.html", {
        "lab": lab,
        "progress": lab_progress(lab, in_round),
        "pending": bool(actions or staff_page or decisions or reports_due or proposal.get("may_make_statement")
                        or any(entry.may_give_opinion for entry in lab_rounds)),
        "has_actions": bool(actions),
        "staff_page": staff_page,
        "decisions": decisions,
        "danger_actions": drastic_actions(lab, transitions, "labs:transition"),  # removal from the list (Art. 25)
        "goals": services.build_plan_goals(lab),
        "directions": [DIRECTION_LABELS.get(code, code) for code in lab.research_directions or []],
        "chair_is_inside": lab.chair_is_inside(),
        "acceptance_applications": _with_documents(list(lab.acceptance_applications.select_related("filed_by")),
                                                   [ACCEPTANCE_OPINION], user),
        "extension_requests": extension_requests,
        "change_reports": change_reports,
        "reports": reports,
        "evaluations": _with_documents(list(lab.evaluations.all()), [EVALUATION_NOTICE, UNQUALIFIED_NOTICE], user),
        "timeline": _timeline(lab, extension_requests, change_reports),
        "extension_cutoff": lifecycle.extension_cutoff(lab) if lab.status == LabStatus.CONSTRUCTION else None,
        "acceptance_opens_on": _acceptance_not_yet_open(lab),
        "may_edit": services.may_edit_lab(lab, user),
        "may_request_extension": services.may_request_extension(lab, user),
        **proposal,
        "reports_due": reports_due,
        "may_report_change": services.may_report_change(lab, user),
        "may_archive": reads_archive(user, lab),
        "lab_rounds": lab_rounds,
        "opinion_entry": next((entry for entry in lab_rounds if entry.may_give_opinion), None),
    })


@login_required
@require_http_methods(["GET"])
def statement_file(request, pk):
    """A file of the host's written statement: for the host's users and ministry staff only."""
    attachment = get_object_or_404(StatementAttachment.objects.select_related("proposal__laboratory"), pk=pk)
    lab = attachment.proposal.laboratory
    if not Laboratory.objects.visible_to(request.user).filter(pk=lab.pk).exists() or not reads_proposals(request.user, lab):
        raise Http404
    response = file_download(attachment.file, attachment.original_name, attachment.content_type)
    record_download(request, attachment.proposal, attachment.original_name, statement_attachment=attachment.pk,
                    sha256=attachment.sha256)
    return response


@login_required
@require_POST
def archive(request, pk):
    """The lab's archive (档案): the stored zip of its record as it is now, or the page that shows it being
    prepared and turns into the download (ministry staff and the host's users; 404 for anyone else)."""
    lab = visible_or_404(request, pk)
    if not reads_archive(request.user, lab):
        raise Http404
    return redirect("documents:download", lab_archive.request_archive(lab, request.user, request).pk)
