from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "civicgrid.open311"
    label = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from civicgrid.categories.models import Category
        from civicgrid.open311.forms import SERVICES

        post_save.connect(SERVICES.forget, sender=Category, dispatch_uid="civicgrid.open311.services.saved")
        post_delete.connect(SERVICES.forget, sender=Category, dispatch_uid="civicgrid.open311.services.deleted")
