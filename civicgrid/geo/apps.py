from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "civicgrid.geo"
    label = "geo"
    verbose_name = _("Regions and grids")

    def ready(self):
        from civicgrid.geo import signals  # noqa: F401  (rebuild the locator when regions change)
