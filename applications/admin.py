from django.contrib import admin

from .models import Application, Attachment, PreliminaryReview, Revision


class PreliminaryReviewInline(admin.TabularInline):
    model = PreliminaryReview
    extra = 0
    readonly_fields = ["recommender", "round", "decision", "decided_by", "decided_at", "comment"]
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-mostly: the status changes only through transitions (never edited here)."""

    list_display = ["__str__", "host", "field", "status", "submitted_at", "updated_at"]
    list_filter = ["status", "field", "host__level", "host__province"]
    search_fields = ["name_zh", "host__name"]
    readonly_fields = ["status", "revision_count", "submitted_at", "created_by"]
    inlines = [PreliminaryReviewInline]
    list_select_related = ["host"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "application", "section", "content_type", "size", "uploaded_at"]
    readonly_fields = ["sha256", "content_type", "size"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["application", "number", "submitted_at", "submitted_by"]
    readonly_fields = ["snapshot"]
