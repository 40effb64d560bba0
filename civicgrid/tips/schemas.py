"""Request and response schemas of the tip-line API (``tips/api.py``). Length limits repeat the
actions' so that over-long input is refused before anything is written."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

from civicgrid.tips import actions, workflow

StatusName = Literal[workflow.STATES]
Queue = Literal["screen", "verify", "handle", "answer", "ended", "rewards"]
StaffAction = Literal[
    "screen", "verify", "find_unfounded", "transfer", "extend_verification", "handle", "answer", "reply", "note"
]
Topic = Literal["", "organised_crime", "safety_hazard", "other"]
SlaColour = Literal["green", "yellow", "red"]


class In(Schema):
    """Text never carries NUL characters (PostgreSQL refuses them)."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


# --- submitters -----------------------------------------------------------------------------


class TipIn(In):
    text: str = Field(..., min_length=1, max_length=actions.MAX_TEXT, description="What you want to report.")
    topic: Topic = Field("", description="What the tip is about, if you want to say.")
    district: str = Field(
        "", max_length=6, pattern=r"^([0-9]{6})?$", description="Code of the district concerned, or empty."
    )
    contact: str = Field(
        "", max_length=actions.MAX_CONTACT, description="Only if you want to be contacted; kept encrypted."
    )
    passphrase: str = Field(
        ...,
        min_length=actions.MIN_PASSPHRASE,
        max_length=actions.MAX_PASSPHRASE,
        description="Chosen by you; with the receipt code it opens the answers.",
    )


class ReceiptOut(Schema):
    receipt_code: str | None = Field(
        description="Shown once and never again; null when a retried request found the tip it sent before."
    )
    message: str


class CheckIn(In):
    receipt_code: str = Field(..., min_length=1, max_length=40)
    passphrase: str = Field(..., min_length=1, max_length=actions.MAX_PASSPHRASE)


class InformationIn(CheckIn):
    text: str = Field(..., min_length=1, max_length=actions.MAX_TEXT)


class StepOut(Schema):
    label: str
    on: datetime


class SubmitterMessageOut(Schema):
    kind: Literal["information", "reply", "answer"]
    kind_label: str
    text: str
    on: datetime


class RewardNoticeOut(Schema):
    amount: Decimal
    decided_on: datetime | None


class TipStatusOut(Schema):
    status: StatusName
    status_label: str
    open: bool
    text: str
    topic: str
    steps: list[StepOut]
    messages: list[SubmitterMessageOut]
    photos_sent: int
    rewards: list[RewardNoticeOut]


# --- tip handlers ---------------------------------------------------------------------------


class TipListQuery(Schema):
    queue: Queue = "screen"
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(50, ge=1, le=200)


class TipRow(Schema):
    id: int
    number: str
    status: StatusName
    status_label: str
    district_code: str
    step: str
    step_due_at: datetime | None
    sla_colour: SlaColour | None
    submitted_on: datetime
    information_count: int


class TipList(Schema):
    total: int
    limit: int
    offset: int
    items: list[TipRow]


class MessageOut(Schema):
    id: int
    kind: Literal["information", "reply", "answer", "note"]
    action: str
    text: str
    author: str
    at: datetime
    photo_ids: list[int]


class RewardOut(Schema):
    id: int
    amount: Decimal
    basis: str
    decision: Literal["pending", "approved", "refused"]
    proposed_by: str
    proposed_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str


class DeadlinesOut(Schema):
    screen_due_at: datetime | None
    screened_at: datetime | None
    verify_due_at: datetime | None
    verified_at: datetime | None
    verify_extensions: int
    handle_due_at: datetime | None
    handled_at: datetime | None
    answer_due_at: datetime | None
    answered_at: datetime | None


class TipDetail(Schema):
    id: int
    number: str
    version: int
    status: StatusName
    status_label: str
    outcome: str
    district_code: str
    submitted_on: datetime
    step: str
    step_due_at: datetime | None
    sla_colour: SlaColour | None
    text: str
    topic: str
    has_contact: bool
    deadlines: DeadlinesOut
    photo_ids: list[int]
    messages: list[MessageOut]
    rewards: list[RewardOut]
    allowed_actions: list[str]


class TipActionIn(In):
    expected_version: int | None = Field(None, ge=0, le=2**31 - 1)
    note: str = Field("", max_length=actions.MAX_NOTE, description="Internal note (screen, verify, ...).")
    text: str = Field("", max_length=actions.MAX_TEXT, description="The message or answer to the submitter.")
    to_body: str = Field("", max_length=actions.MAX_BODY_NAME, description="Transfer: the receiving body.")


class RewardIn(In):
    amount: Decimal = Field(..., gt=0, le=Decimal("1000000"), max_digits=9, decimal_places=2)
    basis: str = Field(..., min_length=1, max_length=actions.MAX_NOTE)


class RewardDecisionIn(In):
    approve: bool
    note: str = Field("", max_length=actions.MAX_NOTE)


class PurposeIn(In):
    purpose: str = Field(..., min_length=1, max_length=200)


class ContactOut(Schema):
    contact: str


class NumbersQuery(Schema):
    region: str = Field("", max_length=15, pattern=r"^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})?$")
    start: date
    end: date


class StepNumbersOut(Schema):
    step: str
    due: int
    done: int
    on_time: int
    rate: float | None
    on_time_rate: float | None


class TipNumbersOut(Schema):
    region: str
    start: date
    end: date
    submitted: int
    steps: list[StepNumbersOut]
    substantiated: int
    not_substantiated: int
    transferred: int
    open_overdue: int
    rewards_approved: int
    reward_amount: Decimal
