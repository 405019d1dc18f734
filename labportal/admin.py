from django.contrib import admin

from .models import AuditEntry, Notification


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "content_type", "object_id", "transition", "source_state", "target_state", "actor", "article"]
    list_filter = ["content_type", "transition", "article"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "read_at", "emailed_at"]
    search_fields = ["subject", "recipient__username"]


from .models import CalendarDay, CalendarYear, Deadline  # noqa: E402


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["kind", "content_type", "object_id", "due_date", "state", "article"]
    list_filter = ["state", "kind", "article"]
    date_hierarchy = "due_date"
    readonly_fields = ["content_type", "object_id", "kind", "article", "state", "created_at", "closed_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays and make-up working days: correct or add days the State Council announces."""

    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source"]
