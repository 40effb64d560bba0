from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.categories.loading import deadline_errors
from civicgrid.categories.models import Category


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = (
            *("code", "parent", "kind", "name_zh", "name_en", "unit_type", "active", "sort_order"),
            *("deadlines", "on_spot", "duplicate_radius_m", "escalates", "public"),
        )

    def clean_deadlines(self):
        deadlines = self.cleaned_data["deadlines"]
        if deadlines is None:
            return {}
        errors = deadline_errors(deadlines)
        if errors:
            raise ValidationError(errors)
        return deadlines

    def clean(self):
        cleaned = super().clean()
        parent, kind = cleaned.get("parent"), cleaned.get("kind")
        if parent is not None:
            if parent.parent_id is not None:
                self.add_error("parent", _("The parent must be a top-level class."))
            elif self.instance.pk is not None and parent.pk == self.instance.pk:
                self.add_error("parent", _("A category cannot be its own parent."))
            elif kind and parent.kind != kind:
                self.add_error("kind", _("A category has the kind of its class (%(kind)s).") % {"kind": parent.kind})
        return cleaned


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ("code", "name_zh", "name_en", "kind", "unit_type", "on_spot", "duplicate_radius_m", "active")
    list_filter = ("kind", "unit_type", "on_spot", "public", "escalates", "active")
    search_fields = ("code", "name_zh", "name_en")
    autocomplete_fields = ("parent",)
    ordering = ("sort_order", "code")
    fieldsets = (
        (None, {"fields": ("code", "parent", "kind", "name_zh", "name_en", "unit_type", "active", "sort_order")}),
        (
            gettext_lazy("Handling"),
            {
                "fields": ("deadlines", "on_spot", "duplicate_radius_m", "escalates", "public"),
                "description": gettext_lazy(
                    'Deadlines per step (accept, dispatch, sign, handle, verify), e.g. {"sign": "1wd", '
                    '"handle": "4wh"}: wh working hours, wd working days, d calendar days, h hours, min minutes. '
                    "A leaf's deadlines are its class's merged with its own when loaded from the category file."
                ),
            },
        ),
    )
