"""Public pages, no login (namespace "public", included at "public/"): the publicity notices (公示),
the real-name objection form and the objector's look-up of its status, and the approved construction
list (批准建设名单) with its PDF.

Thin: what the public may read is `PublicityNotice.objects.public()` and `Application.objects.public()`;
whether objections are accepted is `PublicityNotice.accepts_objections()`; the real-name rules are
`Objection.clean()`; saving is `reviews.services.lodge_objection`. Nothing here shows a dossier's
internals: only the name, host, field and province of what is under publicity or approved. The notices and the
approved list are read from the cache by visitors without a session (`kernel.shared_pages`).
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from applications.models import Application, Call
from kernel import exports, throttle
from kernel.document_views import document_response
from kernel.documents import issued_for_each
from kernel.exports import Column
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.shared_pages import shared_with_visitors

from .documents import PUBLICITY_NOTICE
from .models import Objection, PublicityNotice
from .prepared import FILTERS, approved_applications, approved_list
from .public_forms import ApprovedListFilter, ObjectionForm, ObjectionLookupForm
from .public_pages import APPROVED, NOTICES
from .services import lodge_objection

NOTICES_PER_PAGE = 10
APPROVED_PER_PAGE = 50
SESSION_RECEIPT = "public_objection_receipt"


def _public_applications():
    """Applications as the public sees them: only what is under publicity or approved, host joined (and, for an
    acceptance notice of Art. 19, the laboratory, whose name the notice shows)."""
    return Application.objects.public().select_related("host", "laboratory").order_by("name_sort", "pk")


def _public_notices():
    return PublicityNotice.objects.public().prefetch_related(
        Prefetch("applications", queryset=_public_applications())
    )


@require_GET
@shared_with_visitors(NOTICES)
def notices(request):
    """Open publicity notices, newest first, each with its window and its applications."""
    page = Paginator(_public_notices(), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "public/notices.html", {
        "page_obj": page,
        "notices": page.object_list,
        "today": timezone.localdate(),
    })


@require_GET
@shared_with_visitors(NOTICES)
def notice(request, pk):
    notice = get_object_or_404(_public_notices(), pk=pk)
    return render(request, "public/notice.html", {
        "notice": notice, "today": timezone.localdate(),
        "documents": issued_for_each([notice], [PUBLICITY_NOTICE]).get(notice.pk, [])})


def _throttled(request, notice):
    response = render(request, "public/throttled.html", {
        "notice": notice,
        "limit": settings.OBJECTIONS_PER_HOUR_PER_ADDRESS,
    }, status=429)
    response["Retry-After"] = str(throttle.retry_after(throttle.OBJECTION_WINDOW_SECONDS))
    return response


@require_http_methods(["GET", "POST"])
def lodge(request, pk):
    """The real-name objection form of one notice, during its window only (Art. 13)."""
    notice = get_object_or_404(PublicityNotice.objects.public(), pk=pk)
    window_error = ""
    if request.method == "POST":
        if not throttle.allow_objection(request):
            return _throttled(request, notice)
        form = ObjectionForm(request.POST, request.FILES, notice=notice)
        if form.is_valid():
            try:
                with transaction.atomic():
                    objection = lodge_objection(form.save(commit=False))
            except RuleViolation as exc:
                if exc.field and exc.field in form.fields:
                    form.add_error(exc.field, exc.rule_message)
                else:
                    window_error = exc.rule_message
            else:
                request.session[SESSION_RECEIPT] = {"notice": notice.pk, "receipt_number": objection.receipt_number}
                return redirect("public:object_received", pk=notice.pk)
    else:
        initial = {}
        chosen = request.GET.get("application", "")
        if chosen.isdecimal():
            initial["application"] = int(chosen)
        form = ObjectionForm(notice=notice, initial=initial)
    return render(request, "public/object.html", {
        "notice": notice,
        "form": form,
        "accepting": notice.accepts_objections() and not window_error,
        "window_error": window_error,
        "today": timezone.localdate(),
        "limit": settings.OBJECTIONS_PER_HOUR_PER_ADDRESS,
    })


@require_GET
def object_received(request, pk):
    """The confirmation after an objection is lodged: its receipt number and what happens next.
    Read from the sender's session; the status is looked up with the number and the sender's identity."""
    notice = get_object_or_404(PublicityNotice.objects.public(), pk=pk)
    receipt = request.session.get(SESSION_RECEIPT) or {}
    if receipt.get("notice") != notice.pk or not receipt.get("receipt_number"):
        return redirect(notice.get_absolute_url())
    return render(request, "public/object_received.html", {"notice": notice, "receipt_number": receipt["receipt_number"]})


@never_cache
@require_http_methods(["GET", "POST"])
def objection_lookup(request):
    """The objector follows their objection: receipt number plus the ID card number (a person) or the unified
    social credit code (an organisation) they gave. POST only, so the numbers never sit in a URL or a log;
    every attempt counts against the address's hourly limit, so numbers cannot be tried in bulk."""
    objection, decision = None, None
    if request.method == "POST":
        if not throttle.allow_objection_lookup(request):
            response = render(request, "public/lookup_throttled.html", {
                "limit": settings.OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS,
            }, status=429)
            response["Retry-After"] = str(throttle.retry_after(throttle.OBJECTION_WINDOW_SECONDS))
            return response
        form = ObjectionLookupForm(request.POST)
        if form.is_valid():
            objection = Objection.objects.by_receipt(form.cleaned_data["receipt_number"], form.cleaned_data["identity"])
            if objection is None:
                form.add_error(None, _("No objection matches this receipt number and ID card number or credit code. "
                                       "Check both and try again."))
            else:
                decision = objection.decision_entry()
    else:
        form = ObjectionLookupForm()
    return render(request, "public/lookup.html", {
        "form": form,
        "objection": objection,
        "decision": decision,
        "limit": settings.OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS,
    })


# --- the approved construction list --------------------------------------------------------------


def _approved_filter(request):
    years = [d.year for d in approved_applications().dates("laboratory__approved_on", "year", order="DESC")]
    calls = Call.objects.public().filter(pk__in=approved_applications().values("call_id")).order_by("-opens_on", "-pk")
    return ApprovedListFilter(request.GET or None, years=years, calls=calls)


def _province(application):
    host = application.host
    return host.get_province_display() if host.province else host.get_level_display()


APPROVED_COLUMNS = exports.columns(__name__, "APPROVED_COLUMNS", [
    Column(gettext_lazy("Laboratory"), lambda a: a.laboratory.name_zh),
    Column(gettext_lazy("English name"), lambda a: a.laboratory.name_en),
    Column(gettext_lazy("Host institution"), lambda a: a.host.name),
    Column(gettext_lazy("Field"), lambda a: a.laboratory.get_field_display()),
    Column(gettext_lazy("Province"), _province),
    Column(gettext_lazy("Approved on"), lambda a: a.laboratory.approved_on),
    Column(gettext_lazy("Construction ends"), lambda a: a.laboratory.construction_end),
])


@require_GET
@shared_with_visitors(APPROVED)
def approved(request):
    filters = _approved_filter(request)
    rows = filters.filter(approved_applications())
    if exports.requested(request):
        return exports.export(request, rows, APPROVED_COLUMNS, gettext_lazy("Approved construction list"))
    page = Paginator(rows, APPROVED_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "public/approved.html", {
        "filter_form": filters,
        "page_obj": page,
        "applications": page.object_list,
        "query": query_without_page(request),
    })


@require_GET
def approved_pdf(request):
    """The list as a PDF: the stored file of these filters and rows, or the page saying that a worker is preparing it
    (thousands of rows take half a minute to lay out, never in a request)."""
    filters = _approved_filter(request)
    chosen = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    return document_response(request, approved_list(**{name: chosen.get(name) for name in FILTERS}))
