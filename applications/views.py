"""Browser pages of the application dossier. Thin: who may see is `Application.objects.visible_to`,
who may edit is `Application.is_editable_by`, every status change goes through `run_transition`,
and the Art. 12 check is `applications.eligibility.check_eligibility`."""

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kernel import exports
from kernel.confirmation import before_transition, confirmation_page, confirmed, drastic_actions
from kernel.exports import Column
from kernel.models import AuditEntry
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from kernel.web import rule_text

from . import permissions
from .eligibility import check_eligibility
from .forms import (
    EDITOR_SECTIONS,
    REVIEW_ACTIONS,
    SECTION_ORDER,
    SECTIONS,
    ApplicationFilter,
    AttachmentUploadForm,
    PreliminaryReviewForm,
    SectionEditor,
)
from .models import (
    DISCARD_DRAFT_CONSEQUENCE,
    DISCARD_DRAFT_LABEL,
    Application,
    ConsortiumMember,
    PreliminaryReview,
    Status,
)
from .progress import application_progress, hooks, host_request
from .revisions import compare

PAGE_SIZE = 25

DOSSIER_PREFETCH = (
    "team_members",
    "projects",
    "outcome_claims",
    "standards",
    "transfers",
    "service_incomes",
    Prefetch("consortium_members", queryset=ConsortiumMember.objects.select_related("organisation")),
    "attachments",
)


def _visible(request, pk, *prefetch):
    """The application if `request.user` may see it (404 otherwise: its existence is not disclosed)."""
    queryset = Application.objects.visible_to(request.user).select_related("host", "host__competent_department")
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    return get_object_or_404(queryset, pk=pk)


def _locked_editable(application, user):
    """Inside transaction.atomic: the row locked and re-read, or None if it is no longer editable."""
    locked = (
        Application.objects.visible_to(user).select_for_update(of=("self",)).select_related("host").filter(pk=application.pk).first()
    )
    if locked is None or not locked.is_editable_by(user):
        return None
    return locked


def _not_editable(request, application):
    messages.error(request, _("This application cannot be edited now (status: %(status)s).") % {
        "status": application.get_status_display()})
    return redirect(application)


# --- list and create ------------------------------------------------------------------------------


LIST_COLUMNS = [
    Column(gettext_lazy("Name"), str),
    Column(gettext_lazy("Host institution"), lambda a: a.host.name),
    Column(gettext_lazy("Host level"), lambda a: a.host.get_level_display()),
    Column(gettext_lazy("Province"), lambda a: a.host.get_province_display()),
    Column(gettext_lazy("Field"), lambda a: a.get_field_display()),
    Column(gettext_lazy("Status"), lambda a: a.get_status_display()),
    Column(gettext_lazy("Last saved"), lambda a: a.updated_at),
]


@login_required
def application_list(request):
    queryset = Application.objects.visible_to(request.user).for_table()
    filterset = ApplicationFilter(request.GET, queryset=queryset)
    if exports.requested(request):
        return exports.export(request, filterset.qs, LIST_COLUMNS, _("Applications"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/list.html", {
        "filter": filterset,
        "page_obj": page,
        "query": query_without_page(request),
        "can_create": permissions.may_create_application(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    if not permissions.may_create_application(request.user):
        raise PermissionDenied(_("Only applicants of a host institution can start an application."))
    if request.method == "POST":
        with transaction.atomic():
            application = Application.objects.create(host=request.user.organisation, created_by=request.user)
        messages.success(request, _("A draft application was created. Fill it in section by section and save as you go."))
        return redirect("applications:edit", pk=application.pk, section=SECTION_ORDER[0])
    return render(request, "applications/create.html", {"host": request.user.organisation})


# --- detail ---------------------------------------------------------------------------------------


def _danger_actions(application, user, transitions):
    """Withdrawal or rejection, or deleting a draft, each leading to its confirmation page."""
    actions = drastic_actions(application, transitions, "applications:transition")
    if application.may_discard(user):
        actions.append({"name": "discard", "label": DISCARD_DRAFT_LABEL, "consequence": DISCARD_DRAFT_CONSEQUENCE,
                        "article": "", "url": reverse("applications:discard", args=[application.pk])})
    return actions


def _laboratory(application, user):
    """The laboratory an approved application created, if `user` may see it."""
    if application.status != Status.APPROVED:
        return None
    laboratory_model = Application._meta.get_field("laboratory").related_model  # a higher app: not imported
    return laboratory_model.objects.visible_to(user).filter(application=application).first()


@login_required
def detail(request, pk):
    application = _visible(
        request, pk, *DOSSIER_PREFETCH,
        Prefetch("preliminary_reviews", queryset=PreliminaryReview.objects.select_related("recommender", "decided_by")
                 .order_by("-round", "recommender__kind", "pk"), to_attr="review_list"),
    )
    user = request.user
    # the current submission's reviews, already loaded: who has recommended and who has not (applications.progress)
    application.current_round_reviews = [r for r in application.review_list if r.round == application.revision_count]
    transitions = available_transitions(application, user)
    review_actions = [t for t in transitions if t.name in REVIEW_ACTIONS]
    actions = [t for t in transitions if t.name not in REVIEW_ACTIONS and not t.drastic]
    rounds = [(number, list(reviews)) for number, reviews in groupby(application.review_list, key=lambda r: r.round)]
    editable = application.is_editable_by(user)
    timeline = list(AuditEntry.objects.for_object(application).timeline())
    staff_page = hooks.staff_action(application, user) if hooks.staff_action else None
    return render(request, "applications/detail.html", {
        "application": application,
        "progress": application_progress(application, last_entry=timeline[-1] if timeline else None),
        "host_request": host_request(application),
        "pending": bool(actions or review_actions or editable or staff_page),
        "has_actions": bool(actions),
        "review_actions": review_actions,
        "staff_page": staff_page,
        "danger_actions": _danger_actions(application, user, transitions),
        "laboratory": _laboratory(application, user),
        "eligibility": application.eligibility,
        "missing": application.missing_for_submission() if editable else [],
        "editable": editable,
        "sections": [SECTIONS[s] for s in SECTION_ORDER],
        "rounds": rounds,
        "timeline": timeline,
        "revision_count": application.revisions.count(),
    })


# --- edit -----------------------------------------------------------------------------------------


def _next_section(section):
    index = SECTION_ORDER.index(section)
    return SECTION_ORDER[index + 1] if index + 1 < len(SECTION_ORDER) else None


def _edit_context(application, section, **extra):
    return {
        "application": application,
        "section": SECTIONS[section],
        "sections": [SECTIONS[s] for s in SECTION_ORDER],
        "next_section": _next_section(section),
        "eligibility": application.eligibility,
        "host_request": host_request(application),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk, section):
    if section not in SECTIONS:
        raise Http404
    application = _visible(request, pk)
    if not application.is_editable_by(request.user):
        return _not_editable(request, application)
    if section == "attachments":
        return _attachments(request, application)

    if request.method == "POST":
        with transaction.atomic():
            locked = _locked_editable(application, request.user)
            if locked is None:
                return _not_editable(request, application)
            editor = SectionEditor(section, locked, request.POST, request.FILES)
            saved = conflict = False
            if editor.is_valid():
                try:
                    with transaction.atomic():
                        editor.save()
                    saved = True
                except IntegrityError:
                    # e.g. a row duplicating one saved meanwhile in another window: nothing is kept.
                    conflict = True
                    messages.error(request, _("Some rows conflict with rows already saved (for example the same year "
                                              "twice); reload the page and check for duplicates."))
            if saved:
                messages.success(request, _("“%(section)s” saved as draft.") % {"section": editor.section.title})
                target = section
                if "save_next" in request.POST:
                    target = _next_section(section) or section
                return redirect("applications:edit", pk=pk, section=target)
        if not conflict:
            messages.error(request, _("Nothing was saved: please correct the errors below."))
    else:
        editor = SectionEditor(section, application)
    return render(request, "applications/edit.html", _edit_context(application, section, editor=editor))


@login_required
@require_http_methods(["GET", "POST"])
def discard(request, pk):
    """Delete a never-submitted draft, after a confirmation page that says so."""
    application = _visible(request, pk)
    if not application.may_discard(request.user):
        messages.error(request, _("Only a draft that was never submitted can be deleted; withdraw it instead (Art. 13)."))
        return redirect(application)
    action = {"label": DISCARD_DRAFT_LABEL, "consequence": DISCARD_DRAFT_CONSEQUENCE}
    if not confirmed(request):
        return confirmation_page(request, application, action, application.get_absolute_url(), comment_field=False)
    name = str(application)
    try:
        application.discard_draft(request.user)
    except (TransitionConflict, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
        return redirect("applications:list")
    messages.success(request, _("The draft “%(name)s” was deleted.") % {"name": name})
    return redirect("applications:list")


def _attachments(request, application):
    form = AttachmentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                locked = _locked_editable(application, request.user)
                if locked is None:
                    return _not_editable(request, application)
                attachment = form.save(locked, request.user)
                locked.save()  # bump updated_at
            messages.success(request, _("“%(name)s” uploaded.") % {"name": attachment.original_name})
            return redirect("applications:edit", pk=application.pk, section="attachments")
        messages.error(request, _("The file was not uploaded: please correct the errors below."))
    attachments = application.attachments.select_related("uploaded_by")
    return render(request, "applications/edit.html", _edit_context(
        application, "attachments", upload_form=form, attachments=attachments))


@login_required
@require_http_methods(["GET", "POST"])
def eligibility(request, pk):
    """htmx partial: the Art. 12 check. POST previews the posted section form without saving."""
    application = _visible(request, pk)
    oob_name = False
    result = None
    if request.method == "POST":
        if not application.is_editable_by(request.user):
            raise PermissionDenied(_("This application cannot be edited now."))
        section = request.POST.get("_section", "")
        if section in EDITOR_SECTIONS:
            editor = SectionEditor(section, application, request.POST, request.FILES)
            result = check_eligibility(editor.preview())
            oob_name = section == "overview"
    if result is None:
        result = application.eligibility
    return render(request, "applications/_eligibility.html", {
        "application": application, "eligibility": result, "oob_name": oob_name,
    })


# --- transitions and the preliminary review -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def transition(request, pk, name):
    """Run a transition; a drastic one (withdraw, reject) first shows its confirmation page."""
    application = _visible(request, pk)
    answer = before_transition(request, application, name, application.get_absolute_url())
    if answer is not None:
        return answer
    labels = {t.name: t.label for t in available_transitions(application, request.user)}
    try:
        application = run_transition(application, name, request.user, request.POST.get("comment", ""))
    except RuleViolation as exc:
        messages.error(request, rule_text(exc))
    except TransitionConflict as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You are not allowed to do this."))
    else:
        messages.success(request, _("“%(action)s” done; the status is now “%(status)s”.") % {
            "action": labels.get(name, name), "status": application.status_text})
    return redirect("applications:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    application = _visible(request, pk, *DOSSIER_PREFETCH)
    if not permissions.has_pending_review(application, request.user):
        messages.info(request, _("No preliminary review of this application is waiting for your organisation."))
        return redirect(application)
    eligibility_result = application.eligibility
    form = PreliminaryReviewForm(request.POST or None, show_acknowledgement=eligibility_result.has_warnings)
    if request.method == "POST":
        action = request.POST.get("action")
        if form.is_valid():
            if action not in REVIEW_ACTIONS:
                form.add_error(None, _("Choose to recommend, return for revision or decline."))
            else:
                try:
                    application = run_transition(
                        application, action, request.user, form.cleaned_data["comment"],
                        dimensions=form.dimensions(),
                        warnings_acknowledged=form.cleaned_data.get("warnings_acknowledged", False),
                    )
                except RuleViolation as exc:
                    form.add_rule_violation(exc)
                except (TransitionConflict, PermissionDenied) as exc:
                    messages.error(request, getattr(exc, "message", None) or str(exc))
                    return redirect(application)
                else:
                    messages.success(request, _("Your preliminary review was recorded; the status is now “%(status)s”.")
                                     % {"status": application.status_text})
                    return redirect(application)
    return render(request, "applications/review.html", {
        "application": application,
        "form": form,
        "eligibility": eligibility_result,
        "sections": [SECTIONS[s] for s in SECTION_ORDER],
        "fix_days": settings.RETURNED_DOSSIER_FIX_WORKING_DAYS,
    })


# --- attachments ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def attachment_download(request, pk, attachment_pk):
    application = _visible(request, pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    application = _visible(request, pk)
    if not application.is_editable_by(request.user):
        raise PermissionDenied(_("This application cannot be edited now."))
    with transaction.atomic():
        locked = _locked_editable(application, request.user)
        if locked is None:
            raise PermissionDenied(_("This application cannot be edited now."))
        attachment = get_object_or_404(locked.attachments, pk=attachment_pk)
        name, storage = attachment.file.name, attachment.file.storage
        attachment.delete()
        locked.save()  # bump updated_at
        transaction.on_commit(lambda: storage.delete(name))
    messages.success(request, _("“%(name)s” deleted.") % {"name": attachment.original_name})
    return redirect(reverse("applications:edit", args=[pk, "attachments"]))


# --- revisions --------------------------------------------------------------------------------------


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def revisions(request, pk):
    application = _visible(request, pk)
    revision_list = list(application.revisions.select_related("submitted_by").order_by("number"))
    by_number = {r.number: r for r in revision_list}
    new = by_number.get(_number(request.GET.get("b"))) or (revision_list[-1] if revision_list else None)
    old = by_number.get(_number(request.GET.get("a")))
    if old is None and new is not None:
        earlier = [r for r in revision_list if r.number < new.number]
        old = earlier[-1] if earlier else None
    return render(request, "applications/revisions.html", {
        "application": application,
        "revisions": revision_list,
        "old": old,
        "new": new,
        "comparison": compare(old.snapshot, new.snapshot) if old and new else None,
    })
