"""Disputes and their mediation record (人民调解法; DESIGN.md §3 "Dispute").

A ``Dispute`` is one-to-one with a ``Case`` of kind ``dispute``: the case carries the type (its
category, D01xx), the place (region codes), the status and the hash-chained events; the dispute
carries what mediation needs. The case's ``description`` and ``address`` hold nothing personal
(staff who see the case in general lists never see the parties); the cause and place as told
are here, and belong to the record below.

Personal data: the cause and place as told, the parties (``Party``) and everything that names
them (consents, session participants and minutes, agreement texts, referrals) are read only
through ``disputes/access.py``, which allows the assigned mediators and the supervisors over
them and logs every read. Rows change only through ``disputes/actions.py``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.disputes import rules
from civicgrid.disputes import workflow as wf


class DisputeStatus(models.TextChoices):
    """Labels of the dispute workflow's states (registered in ``cases.models.STATUS_LABELS``)."""

    APPLIED = wf.APPLIED, _("Applied")
    IDENTIFIED = wf.IDENTIFIED, _("Identified")
    CONSENTING = wf.CONSENTING, _("Consent asked")
    MEDIATING = wf.MEDIATING, _("Mediating")
    AGREED = wf.AGREED, _("Agreement reached")
    JC_APPLIED = wf.JC_APPLIED, _("Judicial confirmation applied for")
    JC_ACCEPTED = wf.JC_ACCEPTED, _("Judicial confirmation accepted by the court")
    JC_CONFIRMED = wf.JC_CONFIRMED, _("Agreement confirmed by the court")
    JC_REJECTED = wf.JC_REJECTED, _("Agreement not confirmed by the court")
    CLOSED = wf.CLOSED, _("Closed")
    REFUSED = wf.REFUSED, _("Mediation refused")
    TERMINATED = wf.TERMINATED, _("Mediation terminated")


class Dispute(models.Model):
    class Source(models.TextChoices):
        SCREENING = rules.SCREENING, _("Screening by a grid worker or community")
        APPLICATION = rules.APPLICATION, _("A party's application")
        COURT_DELEGATED = rules.COURT_DELEGATED, _("Court, before filing (委派)")
        COURT_ENTRUSTED = rules.COURT_ENTRUSTED, _("Court, after filing (委托)")
        POLICE = rules.POLICE, _("Police station referral")
        HOTLINE = rules.HOTLINE, _("Hotline")

    class Procedure(models.TextChoices):
        ORDINARY = rules.ORDINARY, _("Ordinary procedure (15 days)")
        SIMPLIFIED = rules.SIMPLIFIED, _("Simplified procedure (7 days)")

    class Outcome(models.TextChoices):
        NONE = "", _("Not yet")
        REFUSED = "refused", _("Mediation refused")
        AGREED = "agreed", _("Agreement reached")
        TERMINATED = "terminated", _("Mediation terminated")

    class Route(models.TextChoices):
        LITIGATION = "litigation", _("Suing in court")
        ARBITRATION = "arbitration", _("Arbitration")
        ADMINISTRATIVE = "administrative", _("Administrative mediation, ruling or review")
        COURT_REGISTRATION = "court_registration", _("Back to the referring court, which registers the case")
        OTHER = "other", _("Another route")

    class Ground(models.TextChoices):
        FAILED = "failed", _("No agreement could be reached")
        WITHDRAWN = "withdrawn", _("A party stopped the mediation")
        PERIOD_ENDED = "period_ended", _("The mediation period ended")
        NOT_CONFIRMED = "not_confirmed", _("The court did not confirm the agreement")

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="dispute")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    cause = models.TextField(_("cause"), max_length=2000)
    place = models.CharField(_("place"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="disputes", verbose_name=_("mediation organisation")
    )
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mediated_disputes", verbose_name=_("mediators")
    )
    mediators_chosen_by_parties = models.BooleanField(_("mediators chosen by the parties"), default=False)
    # A body, never a person: the court or police station that referred the dispute.
    referred_by = models.CharField(_("referred by"), max_length=200, blank=True)
    court_procedure = models.CharField(_("court procedure"), max_length=12, choices=Procedure.choices, blank=True)
    received_at = models.DateTimeField(_("received"))
    consent_round = models.PositiveSmallIntegerField(default=1)
    mediation_started_at = models.DateTimeField(_("mediation started"), null=True, blank=True)
    period_days = models.PositiveSmallIntegerField(_("mediation period (days)"), null=True, blank=True)
    period_agreed = models.BooleanField(_("period agreed by the parties"), default=False)
    period_ends_at = models.DateTimeField(_("mediation period ends"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    termination_ground = models.CharField(max_length=16, choices=Ground.choices, blank=True)
    routes_explained = models.JSONField(default=list, blank=True)
    termination_note = models.TextField(max_length=2000, blank=True)
    became_criminal_at = models.DateTimeField(_("became a criminal case"), null=True, blank=True)
    criminal_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [
            models.Index(fields=["organisation", "outcome"], name="dispute_org_outcome"),
            models.Index(fields=["became_criminal_at"], name="dispute_criminal"),
        ]

    def __str__(self) -> str:
        return self.case.number


class Party(models.Model):
    """A party to a dispute. Personal data: read only through ``disputes/access.py``."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        OTHER = "other", _("Other party")

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    role = models.CharField(_("role in the dispute"), max_length=12, choices=Role.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dispute_id", "pk"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return f"party {self.pk} of dispute {self.dispute_id}"


class Consent(models.Model):
    """A party's answer to "do you accept mediation?" (人民调解法 Art. 17). ``round`` counts
    the times consent was asked (a remediation after the court's refusal asks again)."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("By phone")
        ONLINE = "online", _("Online")
        WRITTEN = "written", _("In writing")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="consents")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="consents")
    round = models.PositiveSmallIntegerField(default=1)
    accepted = models.BooleanField(_("accepts mediation"))
    channel = models.CharField(_("how"), max_length=12, choices=Channel.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dispute_id", "round", "pk"]
        constraints = [models.UniqueConstraint(fields=["party", "round"], name="consent_party_round")]

    def __str__(self) -> str:
        return f"consent of party {self.party_id} (round {self.round})"


class MediationSession(models.Model):
    """A session, in person or online. Once held it records who took part and the minutes
    (人民调解法 Art. 27); an online session is exactly that dated record."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    scheduled_for = models.DateTimeField(_("scheduled for"))
    venue = models.CharField(_("venue or meeting room"), max_length=200, blank=True)
    public = models.BooleanField(_("public session"), default=False, help_text=_("Art. 23(3): the parties choose."))
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    participants = models.TextField(_("participants"), max_length=1000, blank=True)
    minutes = models.TextField(_("minutes"), max_length=10000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dispute_id", "scheduled_for", "pk"]

    def __str__(self) -> str:
        return f"session {self.pk} of dispute {self.dispute_id}"


class Agreement(models.Model):
    """A mediation agreement (人民调解法 Art. 28–30). Written: drafted, printed, signed by every
    party and the mediator with the committee's seal; effective on the day that is complete.
    Oral: its content recorded by the mediator; effective on the day agreed."""

    class Form(models.TextChoices):
        WRITTEN = rules.WRITTEN, _("Written agreement (调解协议书)")
        ORAL = rules.ORAL, _("Oral agreement, recorded")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    form = models.CharField(_("form"), max_length=8, choices=Form.choices)
    facts = models.TextField(
        _("main facts, disputed items and each party's responsibility"), max_length=5000, blank=True
    )
    terms = models.TextField(_("agreed terms"), max_length=5000)
    performance = models.TextField(_("manner of performance"), max_length=2000, blank=True)
    perform_by = models.DateField(_("performance deadline"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    drafted_at = models.DateTimeField()
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dispute_id", "pk"]

    def __str__(self) -> str:
        return f"agreement {self.pk} of dispute {self.dispute_id}"

    @property
    def is_effective(self) -> bool:
        return self.effective_on is not None


class JudicialConfirmation(models.Model):
    """The parties' joint application to a court to confirm an agreement (人民调解法 Art. 33)
    and the court's steps (SPC rules 2011, Art. 4–5), each with its deadline."""

    class Result(models.TextChoices):
        PENDING = "", _("Pending")
        NOT_ACCEPTED = "not_accepted", _("Not accepted by the court")
        CONFIRMED = "confirmed", _("Confirmed valid")
        REJECTED = "rejected", _("Not confirmed")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="confirmations")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="confirmations")
    court = models.CharField(_("court"), max_length=200)
    applied_on = models.DateField(_("applied on"))
    apply_by = models.DateTimeField(_("application deadline"))
    accept_by = models.DateTimeField(_("court to decide on acceptance by"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    court_number = models.CharField(_("court case number"), max_length=60, blank=True)
    decide_by = models.DateTimeField(_("court to decide by"), null=True, blank=True)
    extended = models.BooleanField(_("decision time extended"), default=False)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, blank=True)
    result_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["dispute_id", "pk"]

    def __str__(self) -> str:
        return f"judicial confirmation {self.pk} of dispute {self.dispute_id}"


class FollowUp(models.Model):
    """A check on how the agreement is performed (人民调解法 Art. 31)."""

    class Method(models.TextChoices):
        VISIT = "visit", _("Visit")
        PHONE = "phone", _("Phone")
        ONLINE = "online", _("Online")

    class Performance(models.TextChoices):
        FULL = "full", _("Performed in full")
        PARTIAL = "partial", _("Partly performed")
        NONE = "none", _("Not performed")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="follow_ups")
    on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    performance = models.CharField(_("performance"), max_length=8, choices=Performance.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dispute_id", "on", "pk"]

    def __str__(self) -> str:
        return f"follow-up {self.pk} of dispute {self.dispute_id}"


class PoliceReferral(models.Model):
    """The dispute reported to the police because it may lead to a public-security or criminal
    case (人民调解法 Art. 25). It refers the dispute: it has no link to a party and no field
    about a person; ``risk`` describes what in the dispute may escalate."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="police_referrals")
    police_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("police unit")
    )
    station = models.CharField(_("police station"), max_length=200, blank=True)
    risk = models.TextField(_("what may escalate"), max_length=2000)
    referred_at = models.DateTimeField()
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    feedback = models.TextField(_("police feedback"), max_length=2000, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dispute_id", "pk"]

    def __str__(self) -> str:
        return f"police referral {self.pk} of dispute {self.dispute_id}"


class ScreeningReport(models.Model):
    """A community's periodic dispute-screening report (矛盾纠纷排查, "100% screened, 100%
    mediated"): the disputes registered in the community in the period, or a nil return."""

    community = models.ForeignKey("geo.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to (inclusive)"))
    disputes = models.ManyToManyField(Dispute, blank=True, related_name="screening_reports")
    note = models.TextField(_("note"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-period_end", "community_id"]
        verbose_name = _("screening report")
        verbose_name_plural = _("screening reports")
        constraints = [
            models.UniqueConstraint(fields=["community", "period_start", "period_end"], name="screening_period"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="screening_order"
            ),
        ]

    def __str__(self) -> str:
        return f"screening {self.community_id} {self.period_start}–{self.period_end}"
