import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.workflow import problem, workflow_for
from civicgrid.geo import codes


def region_q(prefix: str) -> Q:
    """Cases in the region subtree with code prefix ``prefix`` ("" = the whole city).

    A prefix that is a whole district, street, community or grid code matches that level's
    indexed column (``Case.district_code`` … ``grid_code``) exactly, which its index serves where
    a ``LIKE`` prefix reads every row; a shorter prefix (the city's) matches districts by prefix."""
    prefix = prefix or ""
    if prefix and not prefix.isdigit():
        raise ValueError(f"region prefix {prefix!r} must contain digits only")
    if not prefix:
        return Q()
    for level, length in codes.LEVEL_LENGTH.items():
        if len(prefix) == length:
            return Q(**{f"{level}_code": prefix})
    if len(prefix) < codes.LEVEL_LENGTH[codes.DISTRICT]:
        return Q(district_code__startswith=prefix)
    return Q(grid_code__startswith=prefix)


class Case(models.Model):
    """One problem at one place. Its state changes only through ``cases/actions.py``, each change
    bumping ``version`` (optimistic concurrency) and appending a hash-chained ``CaseEvent``.

    The time columns (``accepted_at``, ``handle_due_at``, ``handled_on_time``, ...) are kept by
    the actions so that the numbers module can count without replaying events.
    """

    class Kind(models.TextChoices):
        PROBLEM = "problem", _("Problem")
        DISPUTE = "dispute", _("Dispute")
        GRIEVANCE = "grievance", _("Grievance")
        TIP = "tip", _("Tip")

    class Source(models.TextChoices):
        WEB = "web", _("Resident (web)")
        APP = "app", _("Resident (app)")
        PATROL = "patrol", _("Grid patrol")
        HOTLINE = "hotline", _("Hotline")
        OPEN311 = "open311", _("Open311 client")
        IMPORT = "import", _("Import")

    class Status(models.TextChoices):
        REPORTED = problem.REPORTED, _("Reported")
        ACCEPTED = problem.ACCEPTED, _("Accepted")
        DISPATCHED = problem.DISPATCHED, _("Dispatched")
        SIGNED = problem.SIGNED, _("Signed for")
        IN_PROGRESS = problem.IN_PROGRESS, _("In progress")
        HANDLED = problem.HANDLED, _("Handled")
        CLOSED = problem.CLOSED, _("Closed")
        REJECTED = problem.REJECTED, _("Rejected")
        PARKED = problem.PARKED, _("Parked")
        MERGED = problem.MERGED, _("Merged")

    class Level(models.TextChoices):
        COMMUNITY = "community", _("Community")
        STREET = "street", _("Street / town")
        DISTRICT = "district", _("District")
        CITY = "city", _("City")

    number = models.CharField(_("number"), max_length=20, unique=True)
    tracking_token = models.CharField(max_length=43, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PROBLEM)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    category = models.ForeignKey("categories.Category", on_delete=models.PROTECT, verbose_name=_("category"))
    description = models.TextField(_("description"), max_length=2000)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Location in the city's coordinate system (settings.CITY_CRS), and its grid and ancestors.
    # A problem always has a point and a grid. A grievance or tip may name only a district or a
    # street (or, for a tip, nothing): the level codes it has are filled from the top and
    # ``grid_code`` then holds the most specific region code known, so that the scope filters
    # (code prefixes on ``grid_code``) work the same for every kind of case.
    x = models.FloatField(_("longitude"), null=True, blank=True)
    y = models.FloatField(_("latitude"), null=True, blank=True)
    grid_code = models.CharField(max_length=15, db_index=True, blank=True)
    community_code = models.CharField(max_length=12, db_index=True, blank=True)
    street_code = models.CharField(max_length=9, db_index=True, blank=True)
    district_code = models.CharField(max_length=6, db_index=True, blank=True)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    version = models.PositiveIntegerField(default=0)
    last_event_hash = models.CharField(max_length=64, blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, default="normal", choices=[("normal", _("Normal")), ("urgent", _("Urgent"))]
    )
    owner_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("owner")
    )
    lead_official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead official"),
    )
    urge_count = models.PositiveSmallIntegerField(_("times urged"), default=0)
    escalation_level = models.CharField(max_length=10, choices=Level.choices, default=Level.COMMUNITY)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_children",
        verbose_name=_("merged into"),
    )

    # The reporter: optional. Contact details are shown to handlers only with consent.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reported_cases"
    )
    contact = models.CharField(_("contact (email or phone)"), max_length=120, blank=True)
    contact_shared = models.BooleanField(_("reporter lets handlers see the contact"), default=False)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    # The current deadline step and its clock.
    step = models.CharField(max_length=10, blank=True)
    step_started_at = models.DateTimeField(null=True, blank=True)
    step_due_at = models.DateTimeField(null=True, blank=True)
    overdue_marked = models.BooleanField(default=False)
    pending_extension = models.CharField(max_length=10, blank=True)

    # Milestones, for the numbers module.
    reported_at = models.DateTimeField(db_index=True)
    accept_due_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handle_due_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_on_time = models.BooleanField(null=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_on_spot = models.BooleanField(default=False)
    rework_count = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    ever_escalated = models.BooleanField(default=False)
    ever_parked = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # The time of the case's last event: every write (``actions.py``, ``history.py``) sets it.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "step_due_at"], name="case_status_due"),
            # The sweeper's question: which running steps are past due and not yet marked?
            models.Index(fields=["step_due_at"], condition=Q(overdue_marked=False), name="case_due_unmarked"),
            models.Index(fields=["category", "status", "x"], name="case_dup_lookup"),
            models.Index(fields=["district_code", "reported_at"], name="case_district_time"),
            models.Index(fields=["street_code", "reported_at"], name="case_street_time"),
            models.Index(fields=["owner_unit", "status"], name="case_owner_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_open(self) -> bool:
        return self.status in workflow_for(self.kind).open_states

    @property
    def status_label(self) -> str:
        """The status in the reader's language, for any kind of case (see ``STATUS_LABELS``)."""
        labels = STATUS_LABELS.get(self.kind)
        if labels is not None and self.status in labels.values:
            return str(labels(self.status).label)
        return self.get_status_display()


# Status labels of the workflows other apps add (a TextChoices per kind); the problem workflow's
# are ``Case.Status``. Apps register theirs in their AppConfig.ready().
STATUS_LABELS: dict = {}


class CaseEvent(models.Model):
    """An append-only record of one change to a case, chained to the previous one by hash.

    ``hash`` = SHA-256 over the canonical form of this event and ``prev_hash`` (``cases/chain.py``);
    ``verify_audit`` re-walks every chain.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    actor_role = models.CharField(max_length=20)
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True, help_text=_("Shown on the reporter's tracking page."))
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="caseevent_case_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class Supporter(models.Model):
    """A resident who said "me too" about an open case, or whose merged duplicate follows it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supporters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    contact = models.CharField(max_length=120, blank=True)
    via_merge = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"supporter of {self.case_id}"


class Attachment(models.Model):
    """A photo on a case: from the report, the handler's evidence or the verification."""

    class Purpose(models.TextChoices):
        REPORT = "report", _("Report")
        EVIDENCE = "evidence", _("Handling evidence")
        VERIFICATION = "verification", _("Verification")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(CaseEvent, on_delete=models.SET_NULL, null=True, blank=True)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    file = models.FileField(upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file.name
