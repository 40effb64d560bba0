from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import RoleGrant, Staff, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "unit_type", "region", "active")
    list_filter = ("kind", "unit_type", "active")
    search_fields = ("code", "name_zh", "name_en")
    raw_id_fields = ("region", "parent")
    list_select_related = ("region",)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "title", "roles_list")
    list_filter = ("roles__role",)
    search_fields = ("user__username", "unit__name_zh", "unit__code")
    raw_id_fields = ("user", "unit", "scope_regions")
    filter_horizontal = ("scope_categories",)
    inlines = [RoleGrantInline]
    list_select_related = ("user", "unit")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description=_("roles"))
    def roles_list(self, obj):
        return ", ".join(g.get_role_display() for g in obj.roles.all())
