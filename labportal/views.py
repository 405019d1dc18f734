"""Site pages shared by every role: the home page (the public front page for visitors, the per-role
dashboard for users), the notification inbox, and for staff the audit trail's check."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.rules import is_administrator, is_applicant, is_expert, is_ministry_staff, is_recommender
from applications.models import DOSSIER_LONG_TEXTS, Application, PreliminaryReview
from evaluations import services as lab_services
from evaluations.models import Laboratory
from kernel import audit, tasks
from kernel.models import AuditCheckpoint, Notification
from kernel.workdays import missing_schedules

from .front.views import front_page

DASHBOARD_LIMIT = 20
RECENT_DECISIONS = 10
NOTIFICATIONS_PER_PAGE = 20


def home(request):
    """Visitors get the public front page; users their per-role dashboard: what waits for their action first."""
    if not request.user.is_authenticated:
        return front_page(request)
    user = request.user
    context = {"is_portal_admin": is_administrator(user), "dashboard_limit": DASHBOARD_LIMIT}
    if is_applicant(user):
        context["role_section"] = "applicant"
        context["awaiting"] = list(Application.objects.awaiting(user).for_table()[:DASHBOARD_LIMIT])
        context["applications"] = list(Application.objects.visible_to(user).for_table()[:DASHBOARD_LIMIT])
        context["laboratories"] = list(Laboratory.objects.visible_to(user).for_table()[:DASHBOARD_LIMIT])
        context["lab_reports_due"] = lab_services.reports_due_for(user, limit=DASHBOARD_LIMIT)
    elif is_recommender(user):
        context["role_section"] = "recommender"
        context["awaiting"] = list(Application.objects.awaiting(user).for_table()[:DASHBOARD_LIMIT])
        context["recent_decisions"] = list(
            PreliminaryReview.objects.filter(
                recommender_id=user.organisation_id,
                decided_at__isnull=False,
                application__in=Application.objects.visible_to(user),
            )
            .select_related("application", "application__host", "decided_by")
            .defer(*(f"application__{name}" for name in DOSSIER_LONG_TEXTS))
            .order_by("-decided_at", "-pk")[:RECENT_DECISIONS]
        )
        context["laboratories"] = list(Laboratory.objects.visible_to(user).for_table()
                                       .with_rounds(user.organisation_id)[:DASHBOARD_LIMIT])
    elif is_ministry_staff(user):
        context["role_section"] = "ministry_staff"
        context["awaiting"] = list(Application.objects.awaiting(user).for_table()[:DASHBOARD_LIMIT])
        context["lab_matters"] = lab_services.awaiting_ministry(user, limit=DASHBOARD_LIMIT)
    elif is_expert(user):
        context["role_section"] = "expert"
    elif context["is_portal_admin"]:
        context["role_section"] = "administrator"
    else:
        # An applicant, recommender or ministry account not yet linked to an organisation.
        context["role_section"] = "unlinked"
    if is_ministry_staff(user) or context["is_portal_admin"]:
        # From 1 November, next year's State Council holiday schedule is due (and this year's, if still missing).
        context["missing_schedules"] = missing_schedules()
    return render(request, "home/home.html", context)


@login_required
def notifications(request):
    """The user's inbox, newest first; only their own notifications."""
    queryset = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    page = Paginator(queryset, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
    return render(request, "notifications/inbox.html", {"page_obj": page, "unread_total": unread})


@login_required
@require_POST
def notification_read(request, pk):
    """Mark one of the user's own notifications read and follow its link (404 for anyone else's)."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    if note.url and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.url)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")


@staff_required
def audit_verification(request):
    """The audit chain's last recorded check (ministry staff, administrators): intact with its number of records, or
    the first broken link (an edited, deleted or inserted record). Walking the chain is a task (nightly, or "Check
    now" here), never done in the request."""
    if request.method == "POST":
        tasks.verify_audit.delay(request.user.pk)
        messages.info(request, _("The check has started; its outcome appears here when it is done."))
        return redirect("audit_verification")
    purges = list(AuditCheckpoint.objects.filter(kind=AuditCheckpoint.Kind.PURGE).order_by("-sequence")[:5])
    return render(request, "audit/verification.html", {
        "last_check": audit.last_check(), "head": audit.chain_head(), "purges": purges, "algorithm": audit.algorithm(),
        "retention_days": settings.AUDIT_RETENTION_DAYS, "is_portal_admin": is_administrator(request.user),
    })
