"""Admin of the ministry stage: the configurable parts (checklist, committees and their members,
criteria) are edited here; records of what happened are read-mostly. A status is never edited in the
admin: it changes only through the transitions (the staff pages, the API, the deadline sweep)."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from applications.choices import Field
from kernel.admin import PortalModelAdmin, ReadMostlyAdmin, ReadOnlyAdmin, ReadOnlyInline, register_audit_subject
from kernel.formatting import mask_contact, mask_identifier

from .bands import bands_text, parse_bands
from .models import (
    Assignment,
    AssignmentProposal,
    CommitteeMember,
    CommitteeStatus,
    CriteriaSet,
    Criterion,
    Employment,
    ExpertCommittee,
    Expertise,
    FormalReview,
    FormalReviewItem,
    MemberReplacement,
    Objection,
    PublicityNotice,
    ReviewRound,
    RoundEntry,
    Score,
    SiteInspection,
)

register_audit_subject(Assignment.objects.select_related("expert", "application"))
register_audit_subject(CommitteeMember.objects.select_related("expert"))
register_audit_subject(MemberReplacement.objects.select_related("outgoing", "incoming"))
register_audit_subject(Expertise.objects.select_related("expert"))
register_audit_subject(Employment.objects.select_related("expert", "organisation"))
register_audit_subject(AssignmentProposal.objects.select_related("round"))


@admin.register(FormalReviewItem)
class FormalReviewItemAdmin(PortalModelAdmin):
    list_display = ["text", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]


class CommitteeMemberForm(forms.ModelForm):
    fields = forms.MultipleChoiceField(label=_("fields (Art. 4)"), choices=Field.choices, required=False,
                                       widget=forms.SelectMultiple(attrs={"size": 4}))

    class Meta:
        model = CommitteeMember
        fields = ["expert", "position", "fields"]


class CommitteeMemberInline(admin.TabularInline):
    """Members are chosen here while the committee is being formed; once it is active a seat changes hands only
    through "Replace a member" on the staff page, where the Art. 9 composition is checked again."""

    model = CommitteeMember
    form = CommitteeMemberForm
    extra = 1
    raw_id_fields = ["expert"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("expert")

    def _forming(self, obj):
        return obj is None or obj.status == CommitteeStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._forming(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._forming(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._forming(obj) and super().has_delete_permission(request, obj)


class MemberReplacementInline(ReadOnlyInline):
    """Mid-term changes of membership, made on the staff page where Art. 9 is checked (never here)."""

    model = MemberReplacement
    fields = ["at", "outgoing", "outgoing_position", "incoming", "position", "reason", "by"]


@admin.register(ExpertCommittee)
class ExpertCommitteeAdmin(PortalModelAdmin):
    """Membership is edited here; activation (Art. 9 composition check) is a button on the staff page."""

    list_display = ["name", "status", "term_start", "term_end", "member_count"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["status", "term_start", "term_end", "composition"]
    inlines = [CommitteeMemberInline, MemberReplacementInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, obj):
        return obj.n_members

    @admin.display(description=_("Art. 9 composition"))
    def composition(self, obj):
        if obj.pk is None:
            return "—"
        errors = obj.composition_errors()
        return "；".join(str(e) for e in errors) if errors else _("Meets Art. 9")


class CriterionForm(forms.ModelForm):
    """The grading bands typed as lines, `90-100 Excellent`, rather than as JSON."""

    bands = forms.CharField(label=_("grading bands"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 36}),
                            help_text=_("One band per line: low-high, then what it means (e.g. “90-100 Excellent”)."))

    class Meta:
        model = Criterion
        fields = ["order", "title", "article", "dimension", "weight", "guidance", "bands"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["bands"] = bands_text(self.instance.bands)

    def clean_bands(self):
        return parse_bands(self.cleaned_data["bands"])


class CriterionInline(admin.TabularInline):
    model = Criterion
    form = CriterionForm
    extra = 1
    fields = ["order", "title", "article", "dimension", "weight", "guidance", "bands"]


@admin.register(CriteriaSet)
class CriteriaSetAdmin(PortalModelAdmin):
    list_display = ["name", "purpose", "weights"]
    list_filter = ["purpose"]
    readonly_fields = ["weights"]
    inlines = [CriterionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("criteria")

    @admin.display(description=_("weights"))
    def weights(self, obj):
        if obj.pk is None:
            return "—"
        return obj.weight_error() or _("The weights add up to 100.")


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
    """Members as a list across committees; they are chosen on the committee's own page."""

    list_display = ["expert", "position", "committee"]
    list_filter = ["position", "committee"]
    list_select_related = ["expert", "committee"]
    search_fields = ["expert__full_name", "expert__username"]


@admin.register(MemberReplacement)
class MemberReplacementAdmin(ReadOnlyAdmin):
    """Mid-term changes of membership across committees; made on the committee's staff page (Art. 9 checked)."""

    list_display = ["at", "committee", "outgoing", "incoming", "position", "by"]
    list_filter = ["committee"]
    list_select_related = ["committee", "outgoing", "incoming", "by"]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    """Criteria as a list across sets; they are edited on their criteria set's page."""

    list_display = ["title", "criteria_set", "weight", "article", "order"]
    list_filter = ["criteria_set"]
    list_select_related = ["criteria_set"]


@admin.register(FormalReview)
class FormalReviewAdmin(ReadOnlyAdmin):
    list_display = ["application", "revision_number", "outcome", "reviewer", "at"]
    list_filter = ["outcome"]
    list_select_related = ["application", "reviewer"]
    search_fields = ["application__name_zh"]


class RoundEntryInline(ReadOnlyInline):
    model = RoundEntry
    fields = ["application", "outcome", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application")


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnlyAdmin):
    """Rounds are opened and concluded on the staff pages (Art. 13, 19, 26)."""

    list_display = ["title", "committee", "criteria_set", "status", "opened_by", "opened_at", "concluded_at"]
    list_filter = ["status", "criteria_set__purpose"]
    list_select_related = ["committee", "criteria_set", "opened_by"]
    search_fields = ["title"]
    inlines = [RoundEntryInline]


@admin.register(RoundEntry)
class RoundEntryAdmin(ReadOnlyAdmin):
    list_display = ["application", "round", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["application", "round"]
    search_fields = ["application__name_zh", "round__title"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["expert", "application", "round", "status", "assigned_at", "submitted_at"]
    list_filter = ["status"]
    list_select_related = ["expert", "application", "round"]
    search_fields = ["expert__full_name", "application__name_zh"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    """Blind scores (Art. 9): a record of what each expert gave, never changed here."""

    list_display = ["assignment_expert", "assignment_application", "criterion", "value"]
    list_select_related = ["assignment__expert", "assignment__application", "criterion"]

    @admin.display(description=_("expert"), ordering="assignment__expert")
    def assignment_expert(self, score):
        return score.assignment.expert

    @admin.display(description=_("application"), ordering="assignment__application")
    def assignment_application(self, score):
        return score.assignment.application


@admin.register(SiteInspection)
class SiteInspectionAdmin(ReadOnlyAdmin):
    list_display = ["application", "visited_on", "verdict", "recorded_by", "recorded_at"]
    list_filter = ["verdict"]
    list_select_related = ["application", "recorded_by"]
    exclude = ["report"]


@admin.register(PublicityNotice)
class PublicityNoticeAdmin(ReadMostlyAdmin):
    """The title may be corrected; the window, the applications and the status are set by the staff pages."""

    list_display = ["title", "subject", "status", "starts_on", "ends_on", "working_days"]
    list_filter = ["status", "subject"]
    readonly_fields = ["subject", "starts_on", "ends_on", "working_days", "applications", "opened_by",
                       "opened_at", "closed_at"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    """Objections as staff see them: the ID card number and the contact masked (PIPL), the files and the full
    contact only on the staff pages."""

    list_display = ["receipt_number", "objector", "masked_id_number", "application", "notice", "status", "lodged_at"]
    list_filter = ["status", "objector_kind"]
    list_select_related = ["notice", "application"]
    search_fields = ["receipt_number", "name", "organisation_name"]
    fields = ["receipt_number", "notice", "application", "objector_kind", "name", "masked_id_number",
              "organisation_name", "credit_code", "legal_representative", "masked_contact", "grounds", "status",
              "resolution", "lodged_at"]
    readonly_fields = fields

    @admin.display(description=_("objection by"))
    def objector(self, objection):
        return objection.name or objection.organisation_name

    @admin.display(description=_("ID card number"))
    def masked_id_number(self, objection):
        return mask_identifier(objection.id_number) if objection.id_number else "—"

    @admin.display(description=_("phone or e-mail"))
    def masked_contact(self, objection):
        # Staff who handle the objection read the contact on the notice's page; the admin does not call anyone.
        return mask_contact(objection.contact)


@admin.register(Expertise)
class ExpertiseAdmin(PortalModelAdmin):
    """An expert's fields and directions, matched by the automatic assignment."""

    list_display = ["expert", "fields", "directions"]
    list_select_related = ["expert"]
    search_fields = ["expert__full_name", "expert__username"]
    autocomplete_fields = ["expert"]


@admin.register(Employment)
class EmploymentAdmin(PortalModelAdmin):
    """An expert's employers with dates: the conflicts of interest are computed from them (`reviews.conflicts`)."""

    list_display = ["expert", "organisation", "started_on", "ended_on"]
    list_select_related = ["expert", "organisation"]
    search_fields = ["expert__full_name", "expert__username", "organisation__name"]
    autocomplete_fields = ["expert", "organisation"]


@admin.register(AssignmentProposal)
class AssignmentProposalAdmin(ReadOnlyAdmin):
    """Automatic assignments proposed (`reviews.autoassign`): kept as they were made and confirmed."""

    list_display = ["round", "made_at", "made_by", "per_subject", "max_load", "edited", "confirmed_at"]
    list_select_related = ["round", "made_by"]
