import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.workflow.problem import PROBLEM


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """An outside system told about case events: a POST of the event's public facts, signed
    with ``secret`` (``transports/webhook.py``). Never carries personal data."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.CharField(_("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    secret = models.CharField(
        _("secret"),
        max_length=100,
        default=new_secret,
        help_text=_("Key of the HMAC-SHA256 signature in the X-CivicGrid-Signature header."),
    )
    active = models.BooleanField(_("active"), default=True)
    kinds = models.JSONField(
        _("actions wanted"),
        default=list,
        blank=True,
        help_text=_('A list of case actions, such as ["accept", "handle"]. Empty: every action.'),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        known = {t.action for t in PROBLEM.transitions}
        if not isinstance(self.kinds, list) or not all(isinstance(k, str) for k in self.kinds):
            raise ValidationError({"kinds": _("Give a list of action names.")})
        unknown = sorted(set(self.kinds) - known)
        if unknown:
            raise ValidationError({"kinds": _("Unknown actions: %(names)s.") % {"names": ", ".join(unknown)}})

    def wants(self, action: str) -> bool:
        return not self.kinds or action in self.kinds


class Outbox(models.Model):
    """One message to send: an email to a person or a POST to a webhook.

    Rows are written by ``queue.queue_for_event`` after a case change commits and sent by
    ``manage.py send_notifications``. A worker claims a row by moving ``next_attempt_at`` forward
    (a lease) with a conditional update; a row whose worker died is picked up again when its
    lease runs out, so delivery is at least once.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # An email address, or the id of a Webhook.
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    payload = models.JSONField(default=dict, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    event = models.ForeignKey("cases.CaseEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due")]
        constraints = [
            # Queueing the same event twice (a retried callback) does not tell anyone twice.
            models.UniqueConstraint(fields=["event", "channel", "recipient"], name="outbox_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"
