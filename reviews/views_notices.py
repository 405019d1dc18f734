"""Ministry staff pages of publicity (Art. 13, 19): the notices, opening one with its window, closing it, and
the objections lodged against it with their files."""

import os
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from kernel import exports
from kernel.audit import record_download
from kernel.documents import issued_for_each
from kernel.exports import Column
from kernel.formatting import format_date
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict
from kernel.web import file_download, rule_text, run_and_redirect

from .documents import PUBLICITY_NOTICE
from .forms import (
    NoticeForm,
    RevealIdNumberForm,
    parse_ids,
)
from .models import (
    Objection,
    ObjectionStatus,
    PublicityNotice,
    publicity_window_text,
)
from .rules import may_reveal_id_number
from .services import (
    publicity_end,
    reveal_id_number,
)
from .subject_pages import NOTICE_PAGES, notice_pages
from .views_common import PAGE_SIZE

# --- publicity and objections (Art. 13) -----------------------------------------------------------------


NOTICE_COLUMNS = exports.columns(__name__, "NOTICE_COLUMNS", [
    Column(gettext_lazy("Notice"), lambda n: n.title),
    Column(gettext_lazy("Publicity of"), lambda n: n.get_subject_display()),
    Column(gettext_lazy("Status"), lambda n: n.get_status_display()),
    Column(gettext_lazy("From"), lambda n: n.starts_on),
    Column(gettext_lazy("To (inclusive)"), lambda n: n.ends_on),
    Column(gettext_lazy("Working days"), lambda n: n.working_days),
    Column(gettext_lazy("Applications"), lambda n: n.n_applications),
    Column(gettext_lazy("Objections"), lambda n: n.n_objections),
    Column(gettext_lazy("Open objections"), lambda n: n.n_open),
])


OBJECTION_COLUMNS = exports.columns(__name__, "OBJECTION_COLUMNS", [
    Column(gettext_lazy("Receipt number"), lambda o: o.receipt_number),
    Column(gettext_lazy("Application"), lambda o: o.application),
    Column(gettext_lazy("Status"), lambda o: o.get_status_display()),
    Column(gettext_lazy("Lodged"), lambda o: o.lodged_at),
    Column(gettext_lazy("Objection by"), lambda o: o.get_objector_kind_display()),
    # The objector's name or organisation; never the ID card number or the contact (PIPL: a spreadsheet travels).
    Column(gettext_lazy("Objector"), lambda o: o.name or o.organisation_name),
    Column(gettext_lazy("Grounds"), lambda o: o.grounds),
    Column(gettext_lazy("Resolution"), lambda o: o.resolution),
])


@staff_required
@require_GET
def notices(request):
    queryset = PublicityNotice.objects.for_table().order_by("-starts_on", "-pk")
    if exports.requested(request):
        return exports.export(request, queryset, NOTICE_COLUMNS, _("Publicity notices"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/staff/notices.html", {"page_obj": page, "query": query_without_page(request)})


def _window(starts_on, working_days):
    """The last day of the window being set up and the sentence that says how it is counted."""
    if not starts_on or not working_days:
        return {"window": None, "window_text": ""}
    window = publicity_end(starts_on, working_days)
    return {"window": window, "window_start": starts_on,
            "window_text": publicity_window_text(starts_on, window.date, working_days)}


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
                dates = {"start": format_date(notice.starts_on), "end": format_date(notice.ends_on)}
                if notice.is_scheduled:
                    messages.success(request, _("The publicity notice is scheduled: it is published on %(start)s and "
                                                "runs to %(end)s; the public sees it from %(start)s.") % dates)
                else:
                    messages.success(request, _("The publicity notice is open from %(start)s to %(end)s.") % dates)
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
    queryset = Objection.objects.visible_to(request.user).filter(notice=notice).select_related("application")
    if exports.requested(request):
        return exports.export(request, queryset.order_by("lodged_at", "pk"), OBJECTION_COLUMNS,
                              _("Objections to %(notice)s") % {"notice": notice})
    objections = list(queryset)
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
        "documents": issued_for_each([notice], [PUBLICITY_NOTICE]).get(notice.pk, []),
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


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def objection_reveal(request, pk):
    """"Show the full ID card number" (PIPL): the one place the number is shown whole, to ministry staff who
    state why; each reveal is audited and the answer is never cached (`Cache-Control: no-store`)."""
    objection = get_object_or_404(Objection.objects.visible_to(request.user).select_related("notice", "application"), pk=pk)
    if not may_reveal_id_number(request.user, objection):
        raise PermissionDenied(_("Only SAMR or MIIT staff can see a person's full ID card number."))
    form = RevealIdNumberForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            revealed = reveal_id_number(objection, request.user, form.cleaned_data["reason"])
        except RuleViolation as exc:
            form.add_rule_violation(exc)
    return render(request, "reviews/staff/objection_reveal.html", {
        "objection": objection, "notice": objection.notice, "form": form, "revealed": revealed,
        "back_url": objection.notice.get_staff_url() + f"#objection-{objection.pk}",
    })


OBJECTION_FILES = {"seal": "seal_scan", "evidence": "evidence"}


@staff_required
@require_GET
def objection_file(request, pk, which):
    """An objection's seal scan or evidence, for staff only (the objector's details are not public)."""
    if which not in OBJECTION_FILES:
        raise Http404
    objection = get_object_or_404(Objection.objects.visible_to(request.user), pk=pk)
    stored = getattr(objection, OBJECTION_FILES[which])
    extension = os.path.splitext(stored.name)[1].lower()
    filename = f"objection-{objection.pk}-{which}{extension}"
    response = file_download(stored, filename)
    record_download(request, objection, filename, field=OBJECTION_FILES[which])
    return response
