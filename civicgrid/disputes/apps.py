from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "civicgrid.disputes"
    label = "disputes"
    verbose_name = _("Disputes and mediation")

    def ready(self):
        from civicgrid.cases.models import STATUS_LABELS
        from civicgrid.cases.workflow import register
        from civicgrid.disputes.models import DisputeStatus
        from civicgrid.disputes.workflow import DISPUTE

        register(DISPUTE)
        STATUS_LABELS[DISPUTE.name] = DisputeStatus
