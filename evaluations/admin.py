"""Admin of the laboratories (Art. 14-31): read-mostly. A lab's status, its clocks and its decisions move
only through the transitions and services on the portal's pages; here they are looked at."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kernel.admin import ReadMostlyAdmin, ReadOnlyAdmin, ReadOnlyInline, register_audit_subject, register_signoff_decision
from kernel.audit_labels import transition_label

from .models import (
    CONFIRM_ACCEPTANCE,
    DELIST,
    TERMINATE,
    AcceptanceApplication,
    AdverseProposal,
    AnnualReport,
    ChangeReport,
    Evaluation,
    ExtensionRequest,
    Laboratory,
    RecommenderOpinion,
    ReportOutput,
    StatementAttachment,
)

register_signoff_decision(CONFIRM_ACCEPTANCE, transition_label(Laboratory, "confirm_acceptance"))
register_signoff_decision(TERMINATE, transition_label(Laboratory, "sign_termination"))
register_signoff_decision(DELIST, transition_label(Laboratory, "sign_delisting"))
register_audit_subject(AdverseProposal.objects.select_related("laboratory"))  # a decision's subject
register_audit_subject(RecommenderOpinion.objects.select_related("recommender", "laboratory"))

LAB_CLOCK_FIELDS = ["application", "host", "field", "province", "approved_on", "construction_start", "construction_end",
                    "extension_granted", "acceptance_rectified", "operation_started_on", "evaluation_rectified",
                    "latest_result"]


@admin.register(Laboratory)
class LaboratoryAdmin(ReadMostlyAdmin):
    """The lab's people may be corrected here; its clocks and results are the services' (Art. 18, 19, 26, 27)."""

    list_display = ["name_zh", "host", "field", "status", "approved_on", "construction_end", "latest_result"]
    list_filter = ["status", "field", "latest_result"]
    list_select_related = ["host"]
    search_fields = ["name_zh", "host__name"]
    readonly_fields = LAB_CLOCK_FIELDS


class LabRecordAdmin(ReadOnlyAdmin):
    list_select_related = ["laboratory"]
    search_fields = ["laboratory__name_zh"]


@admin.register(AcceptanceApplication)
class AcceptanceApplicationAdmin(LabRecordAdmin):
    list_display = ["laboratory", "filed_at", "verdict", "decided_at"]
    list_filter = ["verdict"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(LabRecordAdmin):
    list_display = ["laboratory", "months", "filed_on", "status"]
    list_filter = ["status"]


class ReportOutputInline(ReadOnlyInline):
    model = ReportOutput
    fields = ["kind", "title", "credit_line"]


@admin.register(AnnualReport)
class AnnualReportAdmin(LabRecordAdmin):
    list_display = ["laboratory", "kind", "period", "due_on", "submitted_at", "acknowledged_at"]
    list_filter = ["kind"]
    inlines = [ReportOutputInline]


@admin.register(ReportOutput)
class ReportOutputAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "laboratory", "credit_line"]
    list_filter = ["kind"]
    list_select_related = ["report__laboratory"]
    search_fields = ["title", "report__laboratory__name_zh"]

    @admin.display(description=_("laboratory"), ordering="report__laboratory")
    def laboratory(self, output):
        return output.report.laboratory


@admin.register(Evaluation)
class EvaluationAdmin(LabRecordAdmin):
    list_display = ["laboratory", "cycle", "is_reevaluation", "result", "decided_at"]
    list_filter = ["result", "is_reevaluation"]


@admin.register(ChangeReport)
class ChangeReportAdmin(LabRecordAdmin):
    list_display = ["laboratory", "kind", "filed_at", "status"]
    list_filter = ["kind", "status"]


class StatementAttachmentInline(ReadOnlyInline):
    model = StatementAttachment
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]


@admin.register(AdverseProposal)
class AdverseProposalAdmin(LabRecordAdmin):
    list_display = ["laboratory", "grounds", "proposed_at", "statement_due", "statement_at", "outcome", "closed_at"]
    list_filter = ["grounds", "outcome"]
    inlines = [StatementAttachmentInline]


@admin.register(StatementAttachment)
class StatementAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "proposal", "content_type", "size", "uploaded_at"]
    list_select_related = ["proposal__laboratory"]
    search_fields = ["original_name", "proposal__laboratory__name_zh"]


@admin.register(RecommenderOpinion)
class RecommenderOpinionAdmin(LabRecordAdmin):
    """The recommenders' opinions on acceptance and evaluation rounds (Art. 10(3)): given on the portal's pages."""

    list_display = ["laboratory", "recommender", "entry", "author", "submitted_at", "updated_at"]
    list_select_related = ["laboratory", "recommender", "entry__round", "author"]
