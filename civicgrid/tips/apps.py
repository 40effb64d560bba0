from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "civicgrid.tips"
    label = "tips"
    verbose_name = _("Tip line")

    def ready(self):
        from django.core.exceptions import ImproperlyConfigured

        from civicgrid.cases.models import STATUS_LABELS, Case
        from civicgrid.cases.workflow import register
        from civicgrid.tips import crypto, requestlog, rules
        from civicgrid.tips.actions import step_periods
        from civicgrid.tips.models import Status
        from civicgrid.tips.workflow import TIP

        register(TIP)
        STATUS_LABELS[Case.Kind.TIP] = Status
        # A production site without its own keys refuses to start (crypto.py).
        crypto.check_configuration()
        try:
            rules.periods(step_periods())
        except rules.RuleError as e:
            raise ImproperlyConfigured(f"TIP_STEP_PERIODS: {e}") from None
        requestlog.install()
