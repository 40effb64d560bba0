"""A grievance (信访事项) is a ``Case`` of kind ``grievance`` with this app's ``Grievance`` beside it.

The case row carries what every case has (receipt number = ``Case.number``, private link =
``Case.tracking_token``, status, owner unit = the body that holds the matter now, the running
step and its clock, the region the matter concerns). It carries **nothing confidential**: its
``description`` is a fixed neutral text and its ``contact`` stays blank. The petitioner's
identity and the content of the matter (accusation and whistle-blowing material among it) are
here, and are read only through ``grievances/access.py`` (Art. 30 of the Regulations), which
logs every read.

The statutory clocks (``rules.py``) are kept in columns next to the events, as for problems, so
that ``numbers.py`` counts with aggregate queries.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.grievances import workflow as wf

# What the case row says instead of the content (which may hold accusation material).
NEUTRAL_DESCRIPTION = "信访事项（内容按《信访工作条例》第三十条保密） / Grievance (content confidential, Art. 30)"

MAX_REQUEST = 2000
MAX_FACTS = 5000
MAX_DOCUMENT = 5000


class Grievance(models.Model):
    class Status(models.TextChoices):
        REGISTERED = wf.REGISTERED, _("Registered")
        ASSIGNED = wf.ASSIGNED, _("With the body with authority")
        HANDLING = wf.HANDLING, _("Accepted, being handled")
        DECIDED = wf.DECIDED, _("Decided")
        IN_REVIEW = wf.IN_REVIEW, _("In review")
        REVIEWED = wf.REVIEWED, _("Reviewed")
        IN_REREVIEW = wf.IN_REREVIEW, _("In re-review")
        FINAL = wf.FINAL, _("Final (re-reviewed)")
        NOT_ACCEPTED = wf.NOT_ACCEPTED, _("Not accepted")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        LETTER = "letter", _("Letter")
        PHONE = "phone", _("Phone")
        FAX = "fax", _("Fax")
        VISIT = "visit", _("Visit")

    class Mode(models.TextChoices):
        TRANSFER = "transfer", _("Transfer (转送)")
        ASSIGN = "assign", _("Assignment with a report deadline (交办)")

    class Outcome(models.TextChoices):
        SUPPORT = "support", _("Support the request (予以支持)")
        EXPLAIN = "explain", _("Explain (解释说明)")
        NOT_SUPPORT = "not_support", _("Do not support the request (不予支持)")

    class ReviewOutcome(models.TextChoices):
        UPHELD = "upheld", _("The decision is upheld (维持)")
        CHANGED = "changed", _("The decision is changed (变更)")

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, primary_key=True, related_name="grievance", verbose_name=_("case")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # An oral submission (phone, visit) is recorded faithfully (Art. 19): the officer read the
    # record back to the petitioner, who confirmed it.
    record_confirmed = models.BooleanField(_("record read back and confirmed"), default=False)
    office = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("letters-and-visits office"),
    )

    # The petitioner (Art. 19). Never shown to the person or unit complained about (Art. 30).
    petitioner_name = models.CharField(_("name"), max_length=100)
    petitioner_address = models.CharField(_("address"), max_length=300, blank=True)
    petitioner_contact = models.CharField(_("phone or email"), max_length=120, blank=True)

    # The matter: request, facts and reasons (Art. 19), and whom it is about.
    request = models.TextField(_("request"), max_length=MAX_REQUEST)
    facts_and_reasons = models.TextField(_("facts and reasons"), max_length=MAX_FACTS, blank=True)
    complained_about = models.CharField(_("person or unit complained about"), max_length=300, blank=True)
    complained_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit complained about"),
    )
    is_accusation = models.BooleanField(_("accusation or whistle-blowing material"), default=False)
    earlier = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later",
        verbose_name=_("earlier matter referred to"),
    )
    new_facts = models.BooleanField(_("brings new facts or reasons"), default=False)

    # Triage (Art. 22) and the body with authority (有权处理的机关、单位).
    authority_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("body with authority"),
    )
    mode = models.CharField(_("how it was sent"), max_length=10, choices=Mode.choices, blank=True)
    report_due_on = models.DateField(_("report of the result due"), null=True, blank=True)

    # The statutory clocks (rules.py) and their milestones.
    received_at = models.DateTimeField(_("received"), db_index=True)
    triage_due_at = models.DateTimeField(null=True, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    notice_due_at = models.DateTimeField(null=True, blank=True)
    objection_due_at = models.DateTimeField(null=True, blank=True)
    noticed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    handle_due_at = models.DateTimeField(null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("decision"), max_length=12, choices=Outcome.choices, blank=True)
    reply_served_on = models.DateField(_("decision received by the petitioner"), null=True, blank=True)
    review_request_by = models.DateTimeField(null=True, blank=True)

    review_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewing body")
    )
    review_requested_at = models.DateTimeField(null=True, blank=True)
    review_grounds = models.TextField(_("grounds for the review"), max_length=MAX_REQUEST, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    review_answered_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(max_length=10, choices=ReviewOutcome.choices, blank=True)
    review_served_on = models.DateField(null=True, blank=True)
    rereview_request_by = models.DateTimeField(null=True, blank=True)

    rereview_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("re-reviewing body"),
    )
    rereview_requested_at = models.DateTimeField(null=True, blank=True)
    rereview_grounds = models.TextField(_("grounds for the re-review"), max_length=MAX_REQUEST, blank=True)
    rereview_due_at = models.DateTimeField(null=True, blank=True)
    rereview_answered_at = models.DateTimeField(null=True, blank=True)
    rereview_outcome = models.CharField(max_length=10, choices=ReviewOutcome.choices, blank=True)
    hearing_open_since = models.DateField(_("hearing open since"), null=True, blank=True)

    class Meta:
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        indexes = [
            models.Index(fields=["authority_unit", "received_at"], name="grv_authority_received"),
            models.Index(fields=["complained_unit"], name="grv_complained_unit"),
        ]

    def __str__(self) -> str:
        return f"grievance {self.case_id}"

    @property
    def is_oral(self) -> bool:
        return self.channel in (self.Channel.PHONE, self.Channel.VISIT)


class Document(models.Model):
    """A written notice or opinion the petitioner receives: the acceptance notice, a refusal, the
    extension notice, the decision (信访处理意见书), the review and re-review opinions. The text is
    written by the body; the printable page adds the statutory headings."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice of acceptance (受理告知书)")
        NOT_ACCEPTED = "not_accepted", _("Notice of non-acceptance (不予受理告知书)")
        EXTENSION = "extension", _("Notice of extension (延期告知书)")
        DECISION = "decision", _("Grievance decision (信访处理意见书)")
        REVIEW = "review", _("Review opinion (复查意见书)")
        REREVIEW = "rereview", _("Re-review opinion (复核意见书)")

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=12, blank=True)
    text = models.TextField(_("text"), max_length=MAX_DOCUMENT)
    basis = models.TextField(_("legal basis"), max_length=MAX_DOCUMENT, blank=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(_("issued"))
    served_on = models.DateField(_("received by the petitioner"), null=True, blank=True)

    class Meta:
        ordering = ["issued_at", "pk"]
        verbose_name = _("grievance document")
        verbose_name_plural = _("grievance documents")

    def __str__(self) -> str:
        return f"{self.kind} of {self.grievance_id}"


class Hearing(models.Model):
    """A hearing (听证, Art. 31); one held during a re-review stops that clock (Art. 36)."""

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="hearings")
    step = models.CharField(max_length=10)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["first_day", "pk"]

    def __str__(self) -> str:
        return f"hearing of {self.grievance_id} from {self.first_day}"


class Evaluation(models.Model):
    """The petitioner's evaluation of one stage's handling (Art. 21)."""

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="evaluations")
    stage = models.CharField(max_length=12)
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["grievance", "stage"], name="grv_evaluation_once_per_stage")]

    def __str__(self) -> str:
        return f"{self.rating} for {self.stage} of {self.grievance_id}"


class SameMatterLink(models.Model):
    """The same matter raised again while it was being handled (Art. 19): recorded on the matter,
    not registered as a new one."""

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="raised_again")
    at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Grievance.Channel.choices)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("raised with")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.grievance_id} raised again at {self.at:%Y-%m-%d}"


class ListItem(models.Model):
    """One line of the lead official's lists for a long-open grievance (包案): a problem, a task,
    or a responsibility (who — a staff member or a post — does what by when)."""

    class Kind(models.TextChoices):
        PROBLEM = "problem", _("Problem")
        TASK = "task", _("Task")
        RESPONSIBILITY = "responsibility", _("Responsibility")

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="list_items")
    kind = models.CharField(_("list"), max_length=14, choices=Kind.choices)
    text = models.CharField(_("what"), max_length=500)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible staff member"),
    )
    responsible_post = models.CharField(_("responsible post"), max_length=100, blank=True)
    due_on = models.DateField(_("by when"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]}"
