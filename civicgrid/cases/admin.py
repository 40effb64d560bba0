"""Cases in the admin are read-only: every change goes through ``cases/actions.py`` (the
workbench and the API), so the admin never edits a case or an event behind the audit chain.
The reporter's contact is not shown here (personal data; see the privacy app's logged reveal)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.models import Case, CaseEvent

HIDDEN = ("contact", "tracking_token", "idempotency_key", "reporter")


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseEvent
    fields = ("seq", "at", "action", "from_state", "to_state", "actor_role", "actor", "reason", "hash")
    readonly_fields = fields
    ordering = ("seq",)
    extra = 0
    show_change_link = False


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "category", "status", "district_code", "owner_unit", "reported_at", "step_due_at")
    list_filter = ("status", "source", "escalation_level", "category__parent")
    search_fields = ("number", "grid_code")
    list_select_related = ("category", "owner_unit")
    exclude = HIDDEN
    inlines = [CaseEventInline]
    show_full_result_count = False  # counting millions of rows on every list page is wasted work

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields if f.name not in HIDDEN]

    @admin.display(description=_("open"), boolean=True)
    def is_open(self, obj):
        return obj.is_open
