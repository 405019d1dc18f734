"""The web conventions every app's pages share: how a refusal reads, where a button goes back to, a bare
transition button, a PDF download with a Chinese file name, and the download of an uploaded file."""

import mimetypes
import re
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .rules import RuleViolation, refusal_text
from .transitions import TransitionConflict, available_transitions, run_transition

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def rule_text(exc):
    """The message of a RuleViolation (or any refusal) with the article it enforces."""
    return refusal_text(exc) or _("You are not allowed to do this.")


def safe_next(request, default):
    """The `next` the form carries, if it stays on this site; else `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def run_and_redirect(request, obj, name, default_url):
    """A bare transition button (committee, assignment, notice, objection, lab): run it, report, go back."""
    labels = {t.name: t.label for t in available_transitions(obj, request.user)}
    try:
        obj = run_transition(obj, name, request.user, request.POST.get("comment", ""))
    except (RuleViolation, TransitionConflict, PermissionDenied) as exc:
        messages.error(request, rule_text(exc))
    else:
        status = getattr(obj, "status_text", None) or obj.get_status_display()  # who still has to act, where it says
        messages.success(request, _("“%(action)s” done; the status is now “%(status)s”.") % {
            "action": labels.get(name, name), "status": status})
    return redirect(safe_next(request, default_url))


def attachment_disposition(filename, fallback):
    """`Content-Disposition: attachment` with the Chinese file name (RFC 6266 / RFC 5987) and an ASCII fallback."""
    name = _UNSAFE.sub("_", filename).strip() or fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def pdf_response(data, filename, fallback):
    """`application/pdf` with a Chinese file name (RFC 6266 / RFC 5987 `filename*`) and an ASCII fallback."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(filename, fallback)
    response["Cache-Control"] = "private, no-store"
    return response


# An uploaded file is never a page of the portal: even if a browser were made to render it, it runs nothing, loads
# nothing and has no access to the portal's origin.
DOWNLOAD_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _type_by_name(name):
    """The type of a stored file whose type was not recorded (checked by content when it was uploaded): its name's,
    when that is a document or picture type, else a plain byte stream (never text, HTML, SVG or script)."""
    guessed = mimetypes.guess_type(name)[0] or ""
    if guessed in {"application/pdf", "image/png", "image/jpeg", "application/msword"} or guessed.startswith(
            ("application/vnd.openxmlformats-officedocument.", "application/vnd.ms-", "application/vnd.oasis.")):
        return guessed
    return "application/octet-stream"


def file_download(stored, filename, content_type=None):
    """An uploaded file as a download (`Content-Disposition: attachment`, never shown inline), with the type it was
    recognised as by its content, `X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy.
    404 when there is no file or it is missing from storage. Call it only after the view checked who may read it."""
    if not stored:
        raise Http404(_("There is no such file."))
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing.")) from exc
    response = FileResponse(handle, as_attachment=True, filename=filename or stored.name.rsplit("/", 1)[-1],
                            content_type=content_type or _type_by_name(stored.name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "private, no-store"
    return response
