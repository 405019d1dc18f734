"""Browser pages of the application dossier that every reader of it sees: the list, the dossier, its
buttons, its evidence files and its revisions. The host's editing pages are `views_host`, the
recommenders' preliminary review `views_recommender` (the ministries' pages are in `reviews`).

Thin: who may see is `Application.objects.visible_to`, who may edit is `Application.is_editable_by`,
every status change goes through `run_transition`, and the Art. 12 check is
`applications.eligibility.check_eligibility`."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kernel import exports
from kernel.audit import record_download
from kernel.confirmation import before_transition, drastic_actions
from kernel.document_views import document_response
from kernel.documents import issued_for_each, prepare
from kernel.exports import Column
from kernel.models import AuditEntry
from kernel.paging import query_without_page
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from kernel.web import file_download, rule_text

from . import dossier_book
from .documents import RECOMMENDATION_LETTER
from .forms import REVIEW_ACTIONS, SECTION_ORDER, SECTIONS, ApplicationFilter
from .models import (
    DISCARD_DRAFT_CONSEQUENCE,
    DISCARD_DRAFT_LABEL,
    Application,
    ConsortiumMember,
    PreliminaryReview,
    Revision,
    Status,
)
from .progress import application_progress, hooks, host_request
from .revisions import compare
from .rules import may_create_application

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


def visible_or_404(request, pk, *prefetch):
    """The application if `request.user` may see it (404 otherwise: its existence is not disclosed)."""
    queryset = Application.objects.visible_to(request.user).select_related("host", "host__competent_department")
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    return get_object_or_404(queryset, pk=pk)


# --- list -----------------------------------------------------------------------------------------


LIST_COLUMNS = exports.columns(__name__, "LIST_COLUMNS", [
    Column(gettext_lazy("Name"), str),
    Column(gettext_lazy("Host institution"), lambda a: a.host.name),
    Column(gettext_lazy("Host level"), lambda a: a.host.get_level_display()),
    Column(gettext_lazy("Province"), lambda a: a.host.get_province_display()),
    Column(gettext_lazy("Field"), lambda a: a.get_field_display()),
    Column(gettext_lazy("Status"), lambda a: a.get_status_display()),
    Column(gettext_lazy("Current value of instruments"), lambda a: a.instrument_value_cny, money=True),
    Column(gettext_lazy("Last saved"), lambda a: a.updated_at),
])


@login_required
def application_list(request):
    queryset = Application.objects.listed_for(request.user).for_table()
    filterset = ApplicationFilter(request.GET, queryset=queryset)
    if exports.requested(request):
        return exports.export(request, filterset.qs, LIST_COLUMNS, _("Applications"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/list.html", {
        "filter": filterset,
        "page_obj": page,
        "query": query_without_page(request),
        "can_create": may_create_application(request.user),
        **_batch_form(request.user),
    })


def _batch_form(user):
    """The batch actions staff run on the selected rows, supplied by the review stage (`hooks.batch_actions`)."""
    found = hooks.batch_actions(user) if hooks.batch_actions else None
    return {"batch_url": found[0], "actions": found[1]} if found else {}


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
    application = visible_or_404(
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
    letters = issued_for_each(application.review_list, [RECOMMENDATION_LETTER], user)
    for review in application.review_list:
        review.documents = letters.get(review.pk, [])
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
        "book_revision": Revision.objects.printable_for(user).filter(application=application).order_by("-number").first(),
    })


# --- transitions ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def transition(request, pk, name):
    """Run a transition; a drastic one (withdraw, reject) first shows its confirmation page."""
    application = visible_or_404(request, pk)
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


# --- attachments ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def attachment_download(request, pk, attachment_pk):
    application = visible_or_404(request, pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    response = file_download(attachment.file, attachment.original_name, attachment.content_type)
    record_download(request, application, attachment.original_name, attachment=attachment.pk, sha256=attachment.sha256)
    return response


# --- revisions --------------------------------------------------------------------------------------


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def revisions(request, pk):
    application = visible_or_404(request, pk)
    revision_list = list(application.revisions.select_related("submitted_by").defer("snapshot").order_by("number"))
    by_number = {r.number: r for r in revision_list}
    new = by_number.get(_number(request.GET.get("b"))) or (revision_list[-1] if revision_list else None)
    old = by_number.get(_number(request.GET.get("a")))
    if old is None and new is not None:
        earlier = [r for r in revision_list if r.number < new.number]
        old = earlier[-1] if earlier else None
    compared = [r for r in (old, new) if r is not None]  # the two frozen dossiers read, of all the revisions listed
    snapshots = dict(application.revisions.filter(number__in=[r.number for r in compared]).values_list("number", "snapshot"))
    for revision in compared:
        revision.snapshot = snapshots[revision.number]
    printable = set(Revision.objects.printable_for(request.user).filter(application=application).values_list("number", flat=True))
    return render(request, "applications/revisions.html", {
        "application": application,
        "revisions": revision_list,
        "printable": printable,
        "old": old,
        "new": new,
        "comparison": compare(old.snapshot, new.snapshot) if old and new else None,
    })


# --- the dossier as a book (申报书) --------------------------------------------------------------------


@login_required
@require_GET
def dossier_pdf(request, pk, number):
    """Revision `number` of the dossier as a book (PDF), rendered once off the request path and then served; an
    expert downloads their own copy, which names them on every page. Who may: `Revision.objects.printable_for`
    (404 for anyone else, as for any dossier they cannot see)."""
    application = visible_or_404(request, pk)
    revision = get_object_or_404(Revision.objects.printable_for(request.user).select_related("application"),
                                 application=application, number=number)
    copy = dossier_book.copy_for(request.user)
    document = prepare(
        kind=dossier_book.KIND, key=dossier_book.document_key(revision, copy), title=dossier_book.title_of(revision),
        build=dossier_book.BUILD, filename=dossier_book.filename_of(revision), subject=revision,
        params={"revision_id": revision.pk, **({"expert_id": copy.pk} if copy else {})},
    )
    return document_response(request, document)
