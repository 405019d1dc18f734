from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kernel.admin import ReadOnlyAdmin

from .models import ApiToken, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "host_type", "level", "province", "competent_department", "document_prefix"]
    list_filter = ["kind", "level", "province", "host_type"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["competent_department"]
    list_select_related = ["competent_department"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active", "organisation__kind"]
    search_fields = ["username", "full_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Portal"), {"fields": ("full_name", "phone", "organisation", "role", "notification_preference")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Portal"), {"fields": ("full_name", "email", "organisation", "role")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Users' API tokens: looked at and revoked (deleted), never made or read here (only their SHA-256 is kept)."""

    list_display = ["name", "user", "masked", "created_at", "last_used_at", "expires_at"]
    list_filter = ["expires_at"]
    search_fields = ["name", "user__username", "user__full_name", "prefix"]
    list_select_related = ["user"]
    exclude = ["digest"]

    @admin.display(description=_("token"))
    def masked(self, obj):
        return obj.masked

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("accounts.delete_apitoken")
