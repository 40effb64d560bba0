"""Request and response schemas of the disputes API (``disputes/api.py``).

Limits repeat the models' and the actions' so that bad input is refused before anything is
written and the OpenAPI document tells clients the limits. Dates are bounded to 2000–2099 so
that no deadline arithmetic runs off the calendar.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, field_validator

from civicgrid.cases.schemas import CategoryRef, In, UnitRef
from civicgrid.disputes import rules
from civicgrid.disputes import workflow as wf
from civicgrid.disputes.models import Agreement, Consent, Dispute, FollowUp, MediationSession, Party

Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]
StatusName = Literal[wf.STATES]
PartyRole = Literal[tuple(Party.Role.values)]
PartyKind = Literal[tuple(Party.Kind.values)]
Channel = Literal[tuple(Consent.Channel.values)]
SessionMode = Literal[tuple(MediationSession.Mode.values)]
AgreementForm = Literal[tuple(Agreement.Form.values)]
Ground = Literal[tuple(Dispute.Ground.values)]
Route = Literal[tuple(Dispute.Route.values)]
Method = Literal[tuple(FollowUp.Method.values)]
Performance = Literal[tuple(FollowUp.Performance.values)]
IdentifySource = Literal[rules.SCREENING, rules.HOTLINE]
ReferralSource = Literal[rules.COURT_DELEGATED, rules.COURT_ENTRUSTED, rules.POLICE]
Procedure = Literal[rules.ORDINARY, rules.SIMPLIFIED]
REGION_CODE = r"^[0-9]{6,15}$"
UNIT_CODE = r"^[0-9A-Za-z_-]{1,40}$"


class Moment(In):
    """Base of inputs with moments: aware, and within 2000–2099."""

    @field_validator("*")
    @classmethod
    def _in_range(cls, value):
        if isinstance(value, datetime) and not 2000 <= value.year <= 2099:
            raise ValueError("must be within the years 2000 to 2099")
        return value


class Versioned(Moment):
    version: int | None = Field(None, ge=0, le=2**31, description="The dispute's version you saw (409 if stale).")


# --- residents ------------------------------------------------------------------------------


class PartyIn(In):
    name: str = Field(..., min_length=1, max_length=100)
    contact: str = Field("", max_length=120, description="Phone or email, for the mediators only.")
    kind: PartyKind = "person"


class ApplicationIn(In):
    category: str = Field(..., min_length=1, max_length=20, description="Code of a dispute type (D01xx).")
    region_code: str = Field(
        ..., pattern=REGION_CODE, description="The district, street, community or grid where the dispute is."
    )
    cause: str = Field(..., min_length=1, max_length=2000, description="What the dispute is about.")
    place: str = Field("", max_length=300)
    applicant: PartyIn
    others: list[PartyIn] = Field(..., min_length=1, max_length=19, description="The other parties.")
    organisation: str | None = Field(
        None, pattern=UNIT_CODE, description="Code of a mediation organisation serving the place; default: the area's."
    )


class ApplicationOut(Schema):
    number: str = Field(..., description="The receipt number.")
    status: str
    organisation: UnitRef
    follow_token: str = Field(..., description="The private key of the follow link; keep it.")
    follow_url: str


class FollowSession(Schema):
    mode: str
    scheduled_for: datetime
    venue: str
    held: bool


class FollowStep(Schema):
    at: datetime
    action: str
    label: str
    to_state: str


class FollowOut(Schema):
    number: str
    status: str
    status_label: str
    category: CategoryRef
    organisation: UnitRef
    received_at: datetime
    period_ends_at: datetime | None
    sessions: list[FollowSession]
    timeline: list[FollowStep]


# --- staff: reading -------------------------------------------------------------------------


class Person(Schema):
    id: int
    name: str


class SessionOut(Schema):
    id: int
    mode: str
    scheduled_for: datetime
    venue: str
    public: bool
    held_at: datetime | None


class ConfirmationOut(Schema):
    id: int
    court: str
    applied_on: date
    apply_by: datetime
    accept_by: datetime
    accepted_on: date | None
    court_number: str
    decide_by: datetime | None
    extended: bool
    decided_on: date | None
    result: str


class DisputeOut(Schema):
    id: int
    number: str
    version: int
    status: str
    status_label: str
    category: CategoryRef
    source: str
    region_code: str
    district_code: str
    street_code: str
    community_code: str
    organisation: UnitRef
    mediators: list[Person]
    referred_by: str
    court_procedure: str
    received_at: datetime
    mediation_started_at: datetime | None
    period_days: int | None
    period_agreed: bool
    period_ends_at: datetime | None
    outcome: str
    parties_count: int
    sessions: list[SessionOut]
    confirmations: list[ConfirmationOut]
    became_criminal_at: datetime | None
    allowed_actions: list[str]
    record_readable: bool = Field(..., description="Whether you may read the parties and record (logged).")


class DisputeItem(Schema):
    id: int
    number: str
    status: str
    status_label: str
    category: CategoryRef
    organisation: UnitRef
    region_code: str
    received_at: datetime
    period_ends_at: datetime | None
    assigned_to_me: bool


class DisputeList(Schema):
    total: int
    limit: int
    offset: int
    items: list[DisputeItem]


class ListQuery(In):
    status: StatusName | None = None
    mine: bool = Field(False, description="Only the disputes assigned to me.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100000)


class PurposeIn(In):
    purpose: str = Field(..., min_length=1, max_length=200, description="Why you read the parties (logged).")


class PartyOut(Schema):
    id: int
    name: str
    contact: str
    role: str
    kind: str


class ConsentOut(Schema):
    party_id: int
    round: int
    accepted: bool
    channel: str
    note: str
    recorded_at: datetime


class SessionRecordOut(SessionOut):
    participants: str
    minutes: str


class AgreementOut(Schema):
    id: int
    form: str
    facts: str
    terms: str
    performance: str
    perform_by: date | None
    effective_on: date | None


class FollowUpOut(Schema):
    id: int
    on: date
    method: str
    performance: str
    note: str


class ReferralOut(Schema):
    id: int
    police_unit: str
    station: str
    risk: str
    referred_at: datetime
    feedback: str
    feedback_at: datetime | None


class RecordOut(Schema):
    number: str
    cause: str
    place: str
    parties: list[PartyOut]
    consents: list[ConsentOut]
    sessions: list[SessionRecordOut]
    agreements: list[AgreementOut]
    follow_ups: list[FollowUpOut]
    police_referrals: list[ReferralOut]


# --- staff: acting --------------------------------------------------------------------------


class RegisterIn(Moment):
    kind: Literal["identify", "referral"] = Field(
        ..., description="identify: found by screening or the hotline; referral: from a court or police station."
    )
    category: str = Field(..., min_length=1, max_length=20)
    region_code: str = Field(..., pattern=REGION_CODE)
    cause: str = Field(..., min_length=1, max_length=2000)
    place: str = Field("", max_length=300)
    source: IdentifySource | ReferralSource
    referred_by: str = Field("", max_length=200, description="For a referral: the court or police station.")
    procedure: Procedure | Literal[""] = Field("", description="For a court's 委托: its procedure.")
    received_at: AwareDatetime | None = None
    organisation: str | None = Field(None, pattern=UNIT_CODE)
    parties: list[PartyIn] = Field([], max_length=20)


class MediatorsIn(Versioned):
    mediator_ids: list[int] = Field(..., min_length=1, max_length=5)
    chosen_by_parties: bool = False


class AddPartyIn(Versioned):
    name: str = Field(..., min_length=1, max_length=100)
    contact: str = Field("", max_length=120)
    role: PartyRole
    kind: PartyKind = "person"


class ConsentIn(Versioned):
    party_id: int = Field(..., ge=1, le=2**63 - 1)
    accepted: bool
    channel: Channel
    note: str = Field("", max_length=500, description="Required for a refusal: what the party said.")


class StartIn(Versioned):
    agreed_days: int | None = Field(
        None, ge=1, le=365, description="A period the parties agreed on instead of the default."
    )


class PeriodIn(Versioned):
    days: int = Field(..., ge=1, le=365, description="Days the parties agreed to add.")


class SessionIn(Versioned):
    mode: SessionMode
    scheduled_for: AwareDatetime
    venue: str = Field("", max_length=200)
    public: bool = False


class SessionRecordIn(Versioned):
    held_at: AwareDatetime | None = None
    participants: str = Field(..., min_length=1, max_length=1000)
    minutes: str = Field(..., min_length=1, max_length=10000)


class DraftIn(Versioned):
    facts: str = Field("", max_length=5000)
    terms: str = Field(..., min_length=1, max_length=5000)
    performance: str = Field("", max_length=2000)
    perform_by: Day | None = None


class AgreementIn(Versioned):
    form: AgreementForm
    effective_on: Day
    signed_by_all: bool = Field(False, description="Written: every party signed, sealed or fingerprinted it.")
    sealed: bool = Field(False, description="Written: the mediator signed it with the committee's seal.")
    terms: str = Field("", max_length=5000, description="Oral: the content recorded.")
    facts: str = Field("", max_length=5000)
    performance: str = Field("", max_length=2000)
    perform_by: Day | None = None


class TerminationIn(Versioned):
    ground: Ground
    routes: list[Route] = Field(..., min_length=1, max_length=5)
    note: str = Field("", max_length=2000)


class ConfirmationIn(Versioned):
    court: str = Field(..., min_length=1, max_length=200)
    applied_on: Day
    joint: bool = Field(..., description="The parties applied jointly (Art. 33).")


class AcceptanceIn(Versioned):
    accepted: bool
    on: Day
    court_number: str = Field("", max_length=60)
    note: str = Field("", max_length=500)


class DecisionIn(Versioned):
    confirmed: bool
    on: Day
    note: str = Field("", max_length=500)


class FollowUpIn(Versioned):
    on: Day
    method: Method
    performance: Performance
    note: str = Field("", max_length=2000)


class ReferralIn(Versioned):
    police_unit: str | None = Field(None, pattern=UNIT_CODE)
    station: str = Field("", max_length=200)
    risk: str = Field(..., min_length=1, max_length=2000, description="What in the dispute may escalate.")


class FeedbackIn(Versioned):
    feedback: str = Field(..., min_length=1, max_length=2000)


class CriminalIn(Versioned):
    on: Day
    note: str = Field("", max_length=300)


# --- numbers and screening ------------------------------------------------------------------


class NumbersQuery(In):
    region: str = Field(..., pattern=r"^[0-9]{2,15}$", description="A region code (the city's: the whole city).")
    start: Day
    end: Day = Field(..., description="Exclusive.")


class RateOut(Schema):
    numerator: int
    denominator: int
    percent: str | None


class NumbersOut(Schema):
    region: str
    start: date
    end: date
    found: int
    screened: int
    mediated: int
    agreed: int
    refused: int
    terminated: int
    criminal: int
    resolution: RateOut
    mediation: RateOut
    coverage: RateOut


class ScreeningIn(In):
    community: str = Field(..., pattern=r"^[0-9]{12}$")
    period_start: Day
    period_end: Day
    note: str = Field("", max_length=2000)


class ScreeningDispute(Schema):
    number: str
    category: CategoryRef
    status: str
    status_label: str


class ScreeningOut(Schema):
    id: int
    community: str
    period_start: date
    period_end: date
    submitted_at: datetime
    note: str
    disputes: list[ScreeningDispute]


class ScreeningList(Schema):
    total: int
    limit: int
    offset: int
    items: list[ScreeningOut]


class ScreeningQuery(In):
    community: str | None = Field(None, pattern=r"^[0-9]{12}$")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100000)
