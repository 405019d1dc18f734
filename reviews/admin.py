"""Admin of the ministry stage: the configurable parts (checklist, committees and their members,
criteria) are edited here; records of what happened are read-mostly. A status is never edited in the
admin: it changes only through the transitions (the staff pages, the API, the deadline sweep)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.choices import Field

from .models import (
    CommitteeStatus,
    CommitteeMember,
    CriteriaSet,
    Criterion,
    ExpertCommittee,
    FormalReviewItem,
    Objection,
    PublicityNotice,
    SiteInspection,
)


@admin.register(FormalReviewItem)
class FormalReviewItemAdmin(admin.ModelAdmin):
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
    """Members are chosen while the committee is being formed; once activated the Art. 9 composition
    it was checked against is frozen (a new committee is formed for the next term)."""

    model = CommitteeMember
    form = CommitteeMemberForm
    extra = 1
    raw_id_fields = ["expert"]

    def _forming(self, obj):
        return obj is None or obj.status == CommitteeStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._forming(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._forming(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._forming(obj) and super().has_delete_permission(request, obj)


@admin.register(ExpertCommittee)
class ExpertCommitteeAdmin(admin.ModelAdmin):
    """Membership is edited here; activation (Art. 9 composition check) is a button on the staff page."""

    list_display = ["name", "status", "term_start", "term_end", "member_count"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["status", "term_start", "term_end", "composition"]
    inlines = [CommitteeMemberInline]

    def get_queryset(self, request):
        from django.db.models import Count

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


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 1


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ["name", "purpose", "weights"]
    list_filter = ["purpose"]
    readonly_fields = ["weights"]
    inlines = [CriterionInline]

    @admin.display(description=_("weights"))
    def weights(self, obj):
        if obj.pk is None:
            return "—"
        return obj.weight_error() or _("The weights add up to 100.")


class ReadMostlyAdmin(admin.ModelAdmin):
    """Records created by the portal's pages and services: looked at here, never created or deleted."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SiteInspection)
class SiteInspectionAdmin(ReadMostlyAdmin):
    list_display = ["application", "visited_on", "verdict", "recorded_by", "recorded_at"]
    list_filter = ["verdict"]
    list_select_related = ["application", "recorded_by"]
    readonly_fields = ["application", "team", "visited_on", "findings", "verdict", "report", "report_name",
                       "recorded_by", "recorded_at"]


@admin.register(PublicityNotice)
class PublicityNoticeAdmin(ReadMostlyAdmin):
    list_display = ["title", "subject", "status", "starts_on", "ends_on", "working_days"]
    list_filter = ["status", "subject"]
    readonly_fields = ["subject", "status", "starts_on", "ends_on", "working_days", "applications", "opened_by",
                       "opened_at", "closed_at"]


@admin.register(Objection)
class ObjectionAdmin(ReadMostlyAdmin):
    list_display = ["__str__", "notice", "application", "objector_kind", "status", "lodged_at"]
    list_filter = ["status", "objector_kind"]
    list_select_related = ["notice", "application"]
    readonly_fields = [f.name for f in Objection._meta.fields]
