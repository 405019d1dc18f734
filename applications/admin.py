"""Admin of the dossiers: read-mostly. An application's status changes only through its transitions; the
rows of a dossier are edited by its host on the portal's pages, looked at here."""

from django.contrib import admin

from kernel.admin import ReadMostlyAdmin, ReadOnlyAdmin, ReadOnlyInline, register_audit_subject, register_signoff_decision
from kernel.audit_labels import transition_label

from .models import (
    APPROVAL_DECISION,
    CALL_LIST_DECISION,
    CALL_OPENING_DECISION,
    Application,
    Attachment,
    Call,
    CallQuota,
    ConsortiumMember,
    NationalProject,
    OutcomeClaim,
    PreliminaryReview,
    Revision,
    ServiceIncome,
    StandardLed,
    TeamMember,
    TechnologyTransfer,
)

register_signoff_decision(APPROVAL_DECISION, transition_label(Application, "approve"))
# Objects named by related rows, fetched with them when the audit log, deadlines or sign-offs name them.
register_audit_subject(PreliminaryReview.objects.select_related("application", "recommender"))  # a letter's subject
register_audit_subject(CallQuota.objects.select_related("recommender"))
register_audit_subject(ConsortiumMember.objects.select_related("organisation"))
register_signoff_decision(CALL_OPENING_DECISION, transition_label(Call, "sign_opening"))
register_signoff_decision(CALL_LIST_DECISION, transition_label(Call, "sign_list"))


class CallQuotaInline(ReadOnlyInline):
    model = CallQuota
    fields = ["recommender", "quota"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recommender")


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    """Read-only: staff draft calls and set quotas on the portal's pages; both ministries sign them there."""

    list_display = ["number", "title", "status", "opens_on", "closes_on", "recommenders_due"]
    list_filter = ["status"]
    search_fields = ["number", "title"]
    inlines = [CallQuotaInline]


@admin.register(CallQuota)
class CallQuotaAdmin(ReadOnlyAdmin):
    list_display = ["call", "recommender", "quota"]
    list_select_related = ["call", "recommender"]


class PreliminaryReviewInline(ReadOnlyInline):
    model = PreliminaryReview
    fields = ["recommender", "round", "decision", "decided_by", "decided_at", "comment"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recommender", "decided_by")


@admin.register(Application)
class ApplicationAdmin(ReadMostlyAdmin):
    """Read-mostly: the status changes only through transitions (never edited here)."""

    list_display = ["__str__", "host", "field", "status", "submitted_at", "updated_at"]
    list_filter = ["status", "field", "host__level", "host__province"]
    search_fields = ["name_zh", "host__name"]
    readonly_fields = ["host", "revision_count", "submitted_at", "created_by"]
    inlines = [PreliminaryReviewInline]
    list_select_related = ["host"]


class DossierRowAdmin(ReadOnlyAdmin):
    """A row of a dossier (team, projects, standards, ...): the host edits it on the dossier pages."""

    list_select_related = ["application"]
    search_fields = ["application__name_zh"]


@admin.register(ConsortiumMember)
class ConsortiumMemberAdmin(DossierRowAdmin):
    list_display = ["organisation", "role", "application"]
    list_select_related = ["application", "organisation"]


@admin.register(TeamMember)
class TeamMemberAdmin(DossierRowAdmin):
    list_display = ["name", "role", "organisation_name", "title", "application"]
    list_filter = ["role"]
    search_fields = ["name", "organisation_name", "application__name_zh"]


@admin.register(NationalProject)
class NationalProjectAdmin(DossierRowAdmin):
    list_display = ["title", "number", "year", "amount_cny", "application"]
    list_filter = ["year"]
    search_fields = ["title", "number", "application__name_zh"]


@admin.register(OutcomeClaim)
class OutcomeClaimAdmin(DossierRowAdmin):
    list_display = ["item", "application"]
    list_filter = ["item"]


@admin.register(StandardLed)
class StandardLedAdmin(DossierRowAdmin):
    list_display = ["number", "title", "level", "year", "application"]
    list_filter = ["level", "year"]
    search_fields = ["number", "title", "application__name_zh"]


@admin.register(TechnologyTransfer)
class TechnologyTransferAdmin(DossierRowAdmin):
    list_display = ["title", "year", "amount_cny", "application"]
    list_filter = ["year"]


@admin.register(ServiceIncome)
class ServiceIncomeAdmin(DossierRowAdmin):
    list_display = ["year", "amount_cny", "application"]
    list_filter = ["year"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Evidence files; downloaded through the portal's permission-checked pages, never from here."""

    list_display = ["original_name", "application", "section", "content_type", "size", "uploaded_at"]
    list_filter = ["section", "content_type"]
    list_select_related = ["application"]
    search_fields = ["original_name", "application__name_zh"]
    exclude = ["file"]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "number", "submitted_at", "submitted_by"]
    list_select_related = ["application", "submitted_by"]
    search_fields = ["application__name_zh"]


@admin.register(PreliminaryReview)
class PreliminaryReviewAdmin(ReadOnlyAdmin):
    list_display = ["application", "recommender", "round", "decision", "decided_by", "decided_at"]
    list_filter = ["decision", "recommender__kind"]
    list_select_related = ["application", "recommender", "decided_by"]
    search_fields = ["application__name_zh", "recommender__name"]

