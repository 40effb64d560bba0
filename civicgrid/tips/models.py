"""The tip line's records. A tip is a ``Case`` of kind "tip" (its number, status, step clock and
hash-chained events) plus a ``Tip`` row that holds everything else, encrypted.

What the case carries publicly is nothing of the tip: its description and address stay empty,
its category is the neutral tip-line category, and its location is at most the district the
submitter chose to name. The text, topic, photos, follow-ups, answers, notes, reward reasons
and any contact the submitter chose to leave are Fernet tokens (``tips/crypto.py``). The
receipt code is kept only as its SHA-256 and the passphrase only as a slow hash (Django's
password hashers). No account, IP address or user agent is stored, and the submission time is
kept to the day.

Every read goes through ``tips/access.py``; every change through ``tips/actions.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.tips import workflow

# The category every tip case carries: neutral, never offered to residents reporting problems,
# and left out of escalation by the deadline sweeper (tips have their own clock and handlers).
CATEGORY_CODE = "J01"


def tip_category():
    """The tip-line category (created on first use)."""
    from civicgrid.categories.models import Category
    from civicgrid.org.roles import UnitType

    category, _created = Category.objects.get_or_create(
        code=CATEGORY_CODE,
        defaults={
            "kind": "tip",
            "name_zh": "线索举报",
            "name_en": "Tip line",
            "unit_type": UnitType.PUBLIC_SECURITY,
            "public": False,
            "escalates": False,
            "deadlines": {},
        },
    )
    return category


class Status(models.TextChoices):
    """The tip workflow's states (``Case.status`` of a tip case), registered in ``STATUS_LABELS``."""

    SUBMITTED = workflow.SUBMITTED, _("Submitted")
    SCREENED = workflow.SCREENED, _("Screened")
    VERIFIED = workflow.VERIFIED, _("Substantiated")
    HANDLED = workflow.HANDLED, _("Handled")
    UNFOUNDED = workflow.UNFOUNDED, _("Not substantiated")
    TRANSFERRED = workflow.TRANSFERRED, _("Transferred")
    ANSWERED = workflow.ANSWERED, _("Answered")


class Tip(models.Model):
    class Outcome(models.TextChoices):
        SUBSTANTIATED = workflow.SUBSTANTIATED, _("Substantiated")
        NOT_SUBSTANTIATED = workflow.NOT_SUBSTANTIATED, _("Not substantiated")
        TRANSFERRED = workflow.TRANSFERRED, _("Transferred to another body")

    class Topic(models.TextChoices):
        ORGANISED_CRIME = "organised_crime", _("Organised crime (涉黑涉恶)")
        SAFETY_HAZARD = "safety_hazard", _("Safety hazard (安全隐患)")
        OTHER = "other", _("Something else")

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="tip")
    # SHA-256 of the normalised receipt code: the code itself is shown once and never stored.
    receipt_digest = models.CharField(max_length=64, unique=True)
    passphrase_hash = models.CharField(max_length=256)
    # Encrypted JSON {"text": ..., "topic": ...}.
    content = models.BinaryField()
    # Encrypted contact, only when the submitter chose to leave one.
    contact = models.BinaryField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(_("submitted on"))

    # The four steps: when each was due and when it was done (the numbers count these).
    screen_due_at = models.DateTimeField(null=True, blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    verify_due_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verify_extensions = models.PositiveSmallIntegerField(default=0)
    handle_due_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        # A tip is handled by tip handlers only: no model permission opens it in the admin.
        default_permissions = ()

    def __str__(self) -> str:
        return f"tip {self.pk}"


class TipMessage(models.Model):
    """Something written about a tip: information the submitter added, a message or the final
    answer to the submitter, or an internal note (with the action it came with)."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information from the submitter")
        REPLY = "reply", _("Message to the submitter")
        ANSWER = "answer", _("Answer to the submitter")
        NOTE = "note", _("Internal note")

    # What the submitter sees on "check my tip".
    SUBMITTER_KINDS = (Kind.INFORMATION, Kind.REPLY, Kind.ANSWER)

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.CharField(max_length=30, blank=True)
    body = models.BinaryField()
    # The tip handler who wrote it; None for the submitter (who is never identified).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        default_permissions = ()
        indexes = [models.Index(fields=["tip", "kind"], name="tipmessage_tip_kind")]

    def __str__(self) -> str:
        return f"{self.kind} on tip {self.tip_id}"


class TipAttachment(models.Model):
    """A photo sent with the tip or with a follow-up: cleaned of metadata (``lib/images.py``),
    then encrypted. Kept in the database so that nothing of it is ever written to disk in clear."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(TipMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    data = models.BinaryField()
    content_type = models.CharField(max_length=40)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"attachment {self.pk} of tip {self.tip_id}"


class TipReward(models.Model):
    """A reward decision: proposed by one tip handler (amount and basis), approved or refused by
    another. At most one proposal waits for a decision at a time."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for a second tip handler")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="rewards")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    basis = models.BinaryField()  # encrypted: why the tip earns it
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.BinaryField(null=True, blank=True)  # encrypted

    class Meta:
        ordering = ["proposed_at", "id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["tip"], condition=Q(decision="pending"), name="tipreward_one_pending_per_tip"
            ),
            # Four eyes, enforced by the database too: nobody decides their own proposal.
            models.CheckConstraint(condition=~Q(decided_by=F("proposed_by")), name="tipreward_second_person"),
        ]

    def __str__(self) -> str:
        return f"reward {self.pk} of tip {self.tip_id}"
