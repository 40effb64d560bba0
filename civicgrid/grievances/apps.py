from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "civicgrid.grievances"
    label = "grievances"
    verbose_name = _("Grievances (letters and visits)")

    def ready(self):
        from civicgrid.cases.models import STATUS_LABELS
        from civicgrid.cases.workflow import register
        from civicgrid.grievances.models import Grievance
        from civicgrid.grievances.workflow import GRIEVANCE

        register(GRIEVANCE)
        STATUS_LABELS[GRIEVANCE.name] = Grievance.Status
