"""Browser pages of the host institution's applicants: start an application, edit the dossier section by
section (with the Art. 12 check as they type), upload and delete evidence, delete a never-submitted draft.
Every edit is guarded by `Application.is_editable_by` (draft or returned, host applicant)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kernel.confirmation import confirmation_page, confirmed
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict
from kernel.web import rule_text

from .calls import check_start
from .eligibility import check_eligibility
from .forms import EDITOR_SECTIONS, SECTION_ORDER, SECTIONS, AttachmentUploadForm, SectionEditor, StartApplicationForm
from .models import DISCARD_DRAFT_CONSEQUENCE, DISCARD_DRAFT_LABEL, Application, Call
from .progress import host_request
from .rules import may_create_application
from .views import visible_or_404


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


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    """Start a dossier in one of the calls taking applications today (Art. 13)."""
    if not may_create_application(request.user):
        raise PermissionDenied(_("Only applicants of a host institution can start an application."))
    accepting = Call.objects.accepting()
    form = StartApplicationForm(request.POST or None, calls=accepting,
                                initial={"call": accepting.first()} if request.method == "GET" else None)
    if request.method == "POST":
        call = Call.objects.chosen(request.POST.get("call"))
        try:
            with transaction.atomic():
                check_start(call)
                application = Application.objects.create(host=request.user.organisation, created_by=request.user,
                                                         call=call)
        except RuleViolation as exc:
            messages.error(request, rule_text(exc))
        else:
            messages.success(request, _("A draft application was created. Fill it in section by section and save as you "
                                        "go."))
            return redirect("applications:edit", pk=application.pk, section=SECTION_ORDER[0])
    return render(request, "applications/create.html", {"host": request.user.organisation, "form": form,
                                                         "calls": accepting})


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
    application = visible_or_404(request, pk)
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
    application = visible_or_404(request, pk)
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
    application = visible_or_404(request, pk)
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


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    application = visible_or_404(request, pk)
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
