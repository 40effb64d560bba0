from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civicgrid.notify.models import Outbox, Webhook


def masked(address: str) -> str:
    """``r***@example.org``: enough to tell messages apart without showing the address."""
    if "@" not in address:
        return address
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "recipient_masked", "subject", "case", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "channel")
    search_fields = ("case__number",)
    list_select_related = ("case",)
    date_hierarchy = "created_at"
    fields = (
        "channel",
        "recipient_masked",
        "subject",
        "body",
        "case",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("recipient"))
    def recipient_masked(self, obj):
        return masked(obj.recipient) if obj.channel == Outbox.Channel.EMAIL else obj.recipient

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        # The list is read-only; sending again needs the model's change permission.
        return request.user.has_perm("notify.change_outbox")

    @admin.action(description=_("Send the selected failed messages again"), permissions=["resend"])
    def send_again(self, request, queryset):
        n = queryset.filter(status=Outbox.Status.FAILED).update(
            status=Outbox.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )
        self.message_user(
            request, ngettext("%(n)d message queued again.", "%(n)d messages queued again.", n) % {"n": n}
        )


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "active", "kinds", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
