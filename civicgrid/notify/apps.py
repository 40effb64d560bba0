from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "civicgrid.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from civicgrid.cases.signals import event_committed
        from civicgrid.notify.models import Webhook
        from civicgrid.notify.queue import ACTIVE_WEBHOOKS, on_event_committed

        event_committed.connect(on_event_committed, dispatch_uid="civicgrid.notify.queue")
        post_save.connect(ACTIVE_WEBHOOKS.forget, sender=Webhook, dispatch_uid="notify.webhooks.saved")
        post_delete.connect(ACTIVE_WEBHOOKS.forget, sender=Webhook, dispatch_uid="notify.webhooks.deleted")
