from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "civicgrid.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from civicgrid.cases.signals import event_committed
        from civicgrid.notify.models import Webhook
        from civicgrid.notify.queue import ACTIVE_WEBHOOKS, on_event_committed

        event_committed.connect(on_event_committed, dispatch_uid="civicgrid.notify.queue")
        ACTIVE_WEBHOOKS.forget_on_change(Webhook)
