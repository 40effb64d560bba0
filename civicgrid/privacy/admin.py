"""The personal-data access log for auditors: read-only, and visible only to users who hold the
auditor role (or are superusers). Other administrators, who may edit reference data, do not see
who read what."""

from django.contrib import admin

from civicgrid.org import access
from civicgrid.org.roles import Role
from civicgrid.privacy.models import PersonalDataAccess


def is_auditor(user) -> bool:
    return user.is_active and (user.is_superuser or access.has_role(user, Role.AUDITOR))


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "case", "field", "purpose", "ip")
    list_filter = ("field",)
    search_fields = ("case__number", "user__username")
    list_select_related = ("user", "case")
    date_hierarchy = "at"
    fields = ("at", "user", "case", "field", "purpose", "ip")
    readonly_fields = fields
    show_full_result_count = False

    def has_module_permission(self, request):
        return is_auditor(request.user)

    def has_view_permission(self, request, obj=None):
        return is_auditor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
