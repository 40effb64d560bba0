from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "civicgrid.open311"
    label = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self):
        from civicgrid.categories.models import Category
        from civicgrid.open311.forms import SERVICES

        SERVICES.forget_on_change(Category)
