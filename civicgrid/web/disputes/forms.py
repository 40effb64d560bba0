"""Forms of the mediation pages: the resident's application, the staff registration, one small
form per dispute action, the screening report.

The forms parse and check input only; whether an action is allowed and whether the statutes
permit it (consent, deadlines) is decided by ``disputes/actions.py``, whose refusals the views
show on the form.
"""

import uuid

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.categories.models import Category
from civicgrid.disputes.access import mediators_of
from civicgrid.disputes.actions import MAX_CAUSE, MAX_PLACE, may_report_screening
from civicgrid.disputes.models import (
    Agreement,
    Consent,
    Dispute,
    FollowUp,
    MediationSession,
    Party,
)
from civicgrid.geo.models import Region
from civicgrid.org import access
from civicgrid.org.models import Unit
from civicgrid.org.roles import UnitType

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
PARTY_SLOTS = 3  # other parties an application or registration may name at once


def dispute_types() -> list[Category]:
    return list(
        Category.objects.filter(active=True, kind=Category.Kind.DISPUTE, parent__isnull=False, parent__active=True)
        .select_related("parent")
        .order_by("sort_order", "code")
    )


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if timezone.is_aware(value) else value
        return value


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=DateInput, **kwargs)


def datetime_field(label, **kwargs):
    return forms.DateTimeField(
        label=label, widget=DateTimeInput, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs
    )


def _bounded_date(value):
    if value is not None and not 2000 <= value.year <= 2099:
        raise forms.ValidationError(_("Give a date between 2000 and 2099."))
    return value


class BoundedDates:
    """Dates and moments within 2000–2099 (no deadline arithmetic runs off the calendar)."""

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if hasattr(value, "year"):
                try:
                    _bounded_date(value)
                except forms.ValidationError as e:
                    self.add_error(name, e)
        return data


# --- the resident's application -------------------------------------------------------------


class ApplyForm(BoundedDates, forms.Form):
    category = forms.TypedChoiceField(label=_("Kind of dispute"), coerce=int)
    district = forms.ChoiceField(label=_("District"))
    street = forms.ChoiceField(label=_("Street or town (if you know it)"), required=False)
    place = forms.CharField(
        label=_("Where (a building, a shop, a site)"),
        max_length=MAX_PLACE,
        required=False,
        help_text=_("Only the mediators see it."),
    )
    cause = forms.CharField(
        label=_("What is the dispute about?"),
        max_length=MAX_CAUSE,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only the mediation organisation sees it."),
    )
    applicant_name = forms.CharField(label=_("Your name"), max_length=100)
    applicant_contact = forms.CharField(
        label=_("Your phone or email"),
        max_length=120,
        help_text=_("For the mediators to reach you. Only the mediators assigned and their supervisors see it."),
    )
    organisation = forms.ChoiceField(
        label=_("Mediation organisation"),
        required=False,
        help_text=_("By default the people's mediation committee of the place; you may choose a trade committee."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {c.pk: c for c in dispute_types()}
        self.fields["category"].choices = [("", _("Choose the kind of dispute"))] + [
            (c.pk, c.name) for c in self.types.values()
        ]
        regions = list(
            Region.objects.filter(level__in=["district", "street"], valid_to__isnull=True)
            .only("code", "level", "name_zh", "name_en")
            .order_by("code")
        )
        districts = [(r.code, r.name) for r in regions if r.level == "district"]
        names = dict(districts)
        streets: dict[str, list] = {}
        for r in regions:
            if r.level == "street":
                streets.setdefault(names.get(r.code[:6], r.code[:6]), []).append((r.code, r.name))
        self.fields["district"].choices = [("", _("Choose the district")), *districts]
        self.fields["street"].choices = [("", _("I do not know")), *streets.items()]
        self.trade = {
            u.code: u
            for u in Unit.objects.filter(active=True, unit_type=UnitType.MEDIATION, region__level="city").order_by(
                "code"
            )
        }
        self.fields["organisation"].choices = [
            ("", _("The committee of the place")),
            *((c, u.name) for c, u in self.trade.items()),
        ]
        for i in range(1, PARTY_SLOTS + 1):
            required = i == 1
            self.fields[f"other{i}_name"] = forms.CharField(
                label=_("Other party's name") if i == 1 else _("Another party's name (optional)"),
                max_length=100,
                required=required,
            )
            self.fields[f"other{i}_contact"] = forms.CharField(
                label=_("Their phone or email (if you know it)"), max_length=120, required=False
            )
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_category(self):
        return self.types[self.cleaned_data["category"]]

    def clean_organisation(self):
        code = self.cleaned_data.get("organisation")
        return self.trade.get(code) if code else None

    def clean(self):
        data = super().clean()
        district, street = data.get("district"), data.get("street")
        if district and street and not street.startswith(district):
            self.add_error("street", _("This street is not in the district you chose."))
        data["region_code"] = street or district
        return data

    def others(self) -> list[tuple[str, str]]:
        out = []
        for i in range(1, PARTY_SLOTS + 1):
            name = self.cleaned_data.get(f"other{i}_name", "").strip()
            if name:
                out.append((name, self.cleaned_data.get(f"other{i}_contact", "").strip()))
        return out


# --- staff registration ---------------------------------------------------------------------

IDENTIFY_CHOICES = [
    ("screening", _("Found by screening (grid worker, community, committee)")),
    ("hotline", _("Taken by the hotline")),
]
REFERRAL_CHOICES = [
    ("court_delegated", _("Court, before filing (委派, 30 days)")),
    ("court_entrusted", _("Court, after filing (委托, 15 or 7 days)")),
    ("police", _("Police station")),
]


class RegisterForm(BoundedDates, forms.Form):
    source = forms.ChoiceField(label=_("Where the dispute comes from"), choices=IDENTIFY_CHOICES + REFERRAL_CHOICES)
    category = forms.TypedChoiceField(label=_("Kind of dispute"), coerce=int)
    region_code = forms.RegexField(
        label=_("Region code"),
        regex=r"^[0-9]{6,15}$",
        help_text=_("The grid, community, street or district where the dispute is."),
    )
    place = forms.CharField(label=_("Place"), max_length=MAX_PLACE, required=False)
    cause = forms.CharField(label=_("Cause"), max_length=MAX_CAUSE, widget=forms.Textarea(attrs={"rows": 4}))
    referred_by = forms.CharField(label=_("Referring court or police station"), max_length=200, required=False)
    procedure = forms.ChoiceField(
        label=_("Court procedure (委托 only)"), choices=[("", "-"), *Dispute.Procedure.choices], required=False
    )
    received_at = datetime_field(_("Referral received"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {c.pk: c for c in dispute_types()}
        self.fields["category"].choices = [("", "-")] + [(c.pk, c.name) for c in self.types.values()]
        for i in range(1, PARTY_SLOTS + 1):
            self.fields[f"party{i}_name"] = forms.CharField(
                label=_("Party %(n)s: name") % {"n": i}, max_length=100, required=False
            )
            self.fields[f"party{i}_contact"] = forms.CharField(
                label=_("Party %(n)s: contact") % {"n": i}, max_length=120, required=False
            )

    def clean_category(self):
        return self.types[self.cleaned_data["category"]]

    def is_referral(self) -> bool:
        return self.cleaned_data["source"] in {c for c, _label in REFERRAL_CHOICES}

    def parties(self) -> list[tuple[str, str]]:
        out = []
        for i in range(1, PARTY_SLOTS + 1):
            name = self.cleaned_data.get(f"party{i}_name", "").strip()
            if name:
                out.append((name, self.cleaned_data.get(f"party{i}_contact", "").strip()))
        return out


# --- dispute actions ------------------------------------------------------------------------


class ActionForm(BoundedDates, forms.Form):
    """One action on one dispute: carries the version the user saw."""

    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, dispute, record=None, **kwargs):
        kwargs.setdefault("prefix", self.action)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("expected_version", dispute.case.version)
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        self.record = record
        self.setup()

    def setup(self):
        pass

    def available(self) -> bool:
        """Whether there is anything to act on (a session to record, a party to ask...)."""
        return True


class AssignForm(ActionForm):
    action = "assign"
    title = _("Assign mediators")
    mediators = forms.TypedMultipleChoiceField(label=_("Mediators"), coerce=int, widget=forms.CheckboxSelectMultiple)
    chosen_by_parties = forms.BooleanField(label=_("Chosen by the parties"), required=False)

    def setup(self):
        self.people = {u.pk: u for u in mediators_of(self.dispute.organisation)}
        self.fields["mediators"].choices = [
            (pk, u.get_full_name() or u.get_username()) for pk, u in self.people.items()
        ]

    def clean_mediators(self):
        return [self.people[pk] for pk in self.cleaned_data["mediators"]]


class AddPartyForm(ActionForm):
    action = "add_party"
    title = _("Add a party")
    name = forms.CharField(label=_("Name"), max_length=100)
    contact = forms.CharField(label=_("Contact"), max_length=120, required=False)
    role = forms.ChoiceField(label=_("Role in the dispute"), choices=Party.Role.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Party.Kind.choices)


class AskConsentForm(ActionForm):
    action = "ask_consent"
    title = _("Ask the parties whether they accept mediation")


def _unanswered_parties(form):
    """The parties whose answer in the current consent round is not recorded yet."""
    record = form.record
    if record is None:
        return []
    answered = {c.party_id for c in record.consents if c.round == form.dispute.consent_round}
    return [p for p in record.parties if p.pk not in answered]


class ConsentForm(ActionForm):
    action = "record_consent"
    title = _("Record a party's answer")
    party = forms.TypedChoiceField(label=_("Party"), coerce=int)
    answer = forms.ChoiceField(label=_("Accepts mediation?"), choices=YES_NO, widget=forms.RadioSelect, initial="yes")
    channel = forms.ChoiceField(label=_("How"), choices=Consent.Channel.choices)
    note = forms.CharField(label=_("What the party said (required for a refusal)"), max_length=500, required=False)

    def setup(self):
        self.parties = {p.pk: p for p in _unanswered_parties(self)}
        self.fields["party"].choices = [(p.pk, f"{p.name} ({p.get_role_display()})") for p in self.parties.values()]

    def available(self):
        return bool(self.parties)

    def clean_party(self):
        return self.parties[self.cleaned_data["party"]]


class StartForm(ActionForm):
    action = "start_mediation"
    title = _("Start the mediation")
    agreed_days = forms.IntegerField(
        label=_("Period the parties agreed on (days; empty for the default)"),
        min_value=1,
        max_value=365,
        required=False,
    )


class PeriodForm(ActionForm):
    action = "extend_period"
    title = _("The parties agree on a longer period")
    days = forms.IntegerField(label=_("Days added"), min_value=1, max_value=365)


class SessionForm(ActionForm):
    action = "schedule_session"
    title = _("Schedule a session")
    mode = forms.ChoiceField(label=_("Mode"), choices=MediationSession.Mode.choices)
    scheduled_for = datetime_field(_("Date and time"))
    venue = forms.CharField(label=_("Venue or online meeting room"), max_length=200, required=False)
    public = forms.BooleanField(label=_("Public session (the parties chose it)"), required=False)


class SessionRecordForm(ActionForm):
    action = "record_session"
    title = _("Record a session")
    session = forms.TypedChoiceField(label=_("Session"), coerce=int)
    held_at = datetime_field(_("Held at (empty: as scheduled)"), required=False)
    participants = forms.CharField(label=_("Participants"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(label=_("Minutes"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))

    def setup(self):
        sessions = [s for s in (self.record.sessions if self.record else []) if s.held_at is None]
        self.sessions = {s.pk: s for s in sessions}
        self.fields["session"].choices = [
            (s.pk, f"{timezone.localtime(s.scheduled_for):%Y-%m-%d %H:%M} · {s.get_mode_display()}") for s in sessions
        ]

    def available(self):
        return bool(self.sessions)

    def clean_session(self):
        return self.sessions[self.cleaned_data["session"]]


class DraftForm(ActionForm):
    action = "draft_agreement"
    title = _("Draft the written agreement")
    facts = forms.CharField(
        label=_("Main facts, disputed items and each party's responsibility"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    terms = forms.CharField(label=_("Agreed terms"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    performance = forms.CharField(label=_("Manner of performance"), max_length=2000, required=False)
    perform_by = date_field(_("Performance deadline"), required=False)

    def setup(self):
        draft = next(
            (a for a in reversed(self.record.agreements if self.record else []) if a.effective_on is None), None
        )
        if draft is not None and not self.is_bound:
            for name in ("facts", "terms", "performance", "perform_by"):
                self.initial.setdefault(name, getattr(draft, name))


class AgreementForm(ActionForm):
    action = "reach_agreement"
    title = _("Record the agreement")
    kind = forms.ChoiceField(label=_("Form"), choices=Agreement.Form.choices, widget=forms.RadioSelect)
    effective_on = date_field(_("Effective on"))
    signed_by_all = forms.BooleanField(
        label=_("Written: every party signed, sealed or fingerprinted it"), required=False
    )
    sealed = forms.BooleanField(
        label=_("Written: the mediator signed it and the committee's seal is on it"), required=False
    )
    terms = forms.CharField(
        label=_("Oral: what was agreed"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TerminateForm(ActionForm):
    action = "terminate"
    title = _("Terminate the mediation")
    ground = forms.ChoiceField(label=_("Why"), choices=Dispute.Ground.choices)
    routes = forms.MultipleChoiceField(
        label=_("Other routes the parties were told of"),
        choices=Dispute.Route.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmationForm(ActionForm):
    action = "apply_confirmation"
    title = _("Record the joint application for judicial confirmation")
    court = forms.CharField(label=_("Court"), max_length=200)
    applied_on = date_field(_("Applied on"))
    joint = forms.BooleanField(label=_("Every party joined the application"), required=False)


class AcceptanceForm(ActionForm):
    action = "court_accept"
    title = _("Record the court's answer on acceptance")
    answer = forms.ChoiceField(label=_("Accepted?"), choices=YES_NO, widget=forms.RadioSelect, initial="yes")
    on = date_field(_("On"))
    court_number = forms.CharField(label=_("Court case number (调确字)"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ExtensionForm(ActionForm):
    action = "court_extend"
    title = _("The court extended its decision time by 10 days")


class DecisionForm(ActionForm):
    action = "court_confirm"
    title = _("Record the court's decision")
    answer = forms.ChoiceField(label=_("Confirmed valid?"), choices=YES_NO, widget=forms.RadioSelect, initial="yes")
    on = date_field(_("On"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RemediateForm(ActionForm):
    action = "remediate"
    title = _("Mediate again (a changed or new agreement)")


class FollowUpForm(ActionForm):
    action = "follow_up"
    title = _("Follow up the performance")
    on = date_field(_("Date"))
    method = forms.ChoiceField(label=_("How"), choices=FollowUp.Method.choices)
    performance = forms.ChoiceField(label=_("Performance"), choices=FollowUp.Performance.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(ActionForm):
    action = "close"
    title = _("Close the file")


class ReferralForm(ActionForm):
    action = "refer_police"
    title = _("Refer the dispute to the police (Art. 25)")
    police_unit = forms.ChoiceField(label=_("Police unit"), required=False)
    station = forms.CharField(label=_("Or police station"), max_length=200, required=False)
    risk = forms.CharField(
        label=_("What in the dispute may escalate"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Describe the dispute and the risk; this is not a file on a person."),
    )

    def setup(self):
        place = self.dispute.case.grid_code
        units = [
            u
            for u in Unit.objects.filter(active=True, unit_type=UnitType.PUBLIC_SECURITY).select_related("region")
            if place.startswith(u.region.subtree_prefix)
        ]
        self.units = {u.code: u for u in units}
        self.fields["police_unit"].choices = [("", "-"), *((u.code, u.name) for u in units)]

    def clean_police_unit(self):
        code = self.cleaned_data.get("police_unit")
        return self.units.get(code) if code else None


class FeedbackForm(ActionForm):
    action = "police_feedback"
    title = _("Record the police's feedback")
    referral = forms.TypedChoiceField(label=_("Referral"), coerce=int)
    feedback = forms.CharField(
        label=_("What the police did"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def setup(self):
        referrals = [r for r in (self.record.police_referrals if self.record else []) if r.feedback_at is None]
        self.referrals = {r.pk: r for r in referrals}
        self.fields["referral"].choices = [
            (r.pk, f"{timezone.localtime(r.referred_at):%Y-%m-%d} · {r.police_unit or r.station}") for r in referrals
        ]

    def available(self):
        return bool(self.referrals)

    def clean_referral(self):
        return self.referrals[self.cleaned_data["referral"]]


class CriminalForm(ActionForm):
    action = "record_criminal_case"
    title = _("Record that the dispute became a criminal case")
    on = date_field(_("Notified on"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


# The form of each action the dispute page offers; the table decides which are shown. A refusal
# (decline) and a rejection (court_decline, court_reject) share the form of their positive twin.
FORMS = {
    f.action: f
    for f in (
        AssignForm,
        AddPartyForm,
        AskConsentForm,
        ConsentForm,
        StartForm,
        PeriodForm,
        SessionForm,
        SessionRecordForm,
        DraftForm,
        AgreementForm,
        TerminateForm,
        ConfirmationForm,
        AcceptanceForm,
        ExtensionForm,
        DecisionForm,
        RemediateForm,
        FollowUpForm,
        CloseForm,
        ReferralForm,
        FeedbackForm,
        CriminalForm,
    )
}
# Forms built from the record (they name parties, sessions or referrals): building them is a read.
NEEDS_RECORD = frozenset({"record_consent", "record_session", "draft_agreement", "police_feedback"})
ALIASES = {"decline": "record_consent", "court_decline": "court_accept", "court_reject": "court_confirm"}


# --- screening ------------------------------------------------------------------------------


class ScreeningForm(BoundedDates, forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    period_start = date_field(_("From"))
    period_end = date_field(_("To (inclusive)"))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.communities = {c.code: c for c in reportable_communities(user)}
        self.fields["community"].choices = [(code, f"{c.name} ({code})") for code, c in self.communities.items()]

    def clean_community(self):
        return self.communities[self.cleaned_data["community"]]


MAX_COMMUNITIES = 300


def reportable_communities(user) -> list[Region]:
    """The communities the user may report on (``may_report_screening``), at most a few hundred."""
    prefixes = access.scope_prefixes(user)
    inside = {p[:12] for p in prefixes if len(p) > 12}
    qs = Region.objects.filter(level=Region.Level.COMMUNITY, valid_to__isnull=True)
    q = access.region_scope_q(user, "code")
    if inside:
        q |= Q(code__in=inside)
    rows = list(qs.filter(q).only("code", "name_zh", "name_en").order_by("code")[:MAX_COMMUNITIES])
    return [c for c in rows if may_report_screening(user, c)]
