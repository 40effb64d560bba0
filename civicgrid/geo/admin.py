from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Region
from civicgrid.geo.svg import region_map

MAX_CHILD_OUTLINES = 400


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "level", "synthetic", "valid_from", "valid_to")
    list_filter = ("level", "synthetic")
    search_fields = ("code", "name_zh", "name_en")
    raw_id_fields = ("parent",)
    readonly_fields = ("map", "area_m2", "min_x", "min_y", "max_x", "max_y")
    exclude = ("geometry",)
    list_per_page = 50

    @admin.display(description=_("map"))
    def map(self, obj):
        children = obj.children.only("geometry")[:MAX_CHILD_OUTLINES] if obj.pk else []
        return region_map(obj.shape, [c.shape for c in children])

    def has_delete_permission(self, request, obj=None):
        # Cases and units refer to regions; retire a region with "valid to" instead.
        return False
