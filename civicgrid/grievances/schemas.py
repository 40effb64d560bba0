"""Request and response schemas of the grievances API (``grievances/api.py``).

Length limits repeat the model's, so over-long input is refused before anything is written and
the OpenAPI document tells clients the limits. No response schema has a field for the
petitioner's identity except ``GrievanceFileOut``, which only the access module fills.
"""

from datetime import date, datetime

from ninja import Field, Schema

from civicgrid.cases.schemas import In
from civicgrid.grievances import workflow as wf
from civicgrid.grievances.models import MAX_DOCUMENT, MAX_FACTS, MAX_REQUEST

CODE = {"min_length": 1, "max_length": 40}


class RefOut(Schema):
    code: str
    name: str


# --- residents ------------------------------------------------------------------------------


class SubmitIn(In):
    category: str = Field(..., min_length=1, max_length=20, description="Grievance type: G0101, G0102 or G0103.")
    region: str = Field(
        ..., pattern=r"^[0-9]{6}([0-9]{3})?$", description="Code of the district (or street) the matter concerns."
    )
    petitioner_name: str = Field(..., min_length=1, max_length=100)
    petitioner_address: str = Field("", max_length=300)
    petitioner_contact: str = Field("", max_length=120, description="Phone or email.")
    request: str = Field(..., min_length=1, max_length=MAX_REQUEST, description="What you ask for.")
    facts_and_reasons: str = Field("", max_length=MAX_FACTS)
    complained_about: str = Field("", max_length=300, description="The person or unit complained about, if any.")
    complained_unit: str | None = Field(None, **CODE, description="Code of the unit complained about, if known.")
    earlier_number: str = Field(
        "", max_length=20, description="Receipt number of the same matter raised before (Art. 19, 36)."
    )
    new_facts: bool = Field(False, description="After a re-review: this brings new facts or reasons (Art. 36).")


class SubmitOut(Schema):
    number: str = Field(..., description="The receipt number (Art. 21): look up its status with it.")
    status: str
    linked: bool = Field(
        False, description="The matter is already being handled under this number; recorded there (Art. 19)."
    )
    tracking_token: str | None = Field(None, description="The private key of the follow link; keep it.")
    follow_url: str | None = None


class PublicStatusOut(Schema):
    number: str
    status: str
    status_label: str
    received_at: datetime
    step: str
    step_due_at: datetime | None
    closed_at: datetime | None


class DocumentRef(Schema):
    id: int
    kind: str
    kind_label: str
    issued_at: datetime
    served_on: date | None


class DocumentOut(DocumentRef):
    outcome: str
    text: str
    basis: str
    unit: RefOut | None
    number: str


class EventOut(Schema):
    at: datetime
    action: str
    to_state: str
    actor: str
    reason: str


class ClocksOut(Schema):
    """The statutory clocks as they stand; each null until its step has started."""

    received_at: datetime
    triage_due_at: datetime | None
    notice_due_at: datetime | None
    objection_due_at: datetime | None
    handle_due_at: datetime | None
    extension_days: int
    review_request_by: datetime | None
    review_due_at: datetime | None
    rereview_request_by: datetime | None
    rereview_due_at: datetime | None
    hearing_open_since: date | None


class GrievanceFileOut(Schema):
    """The confidential part. The identity is null when withheld from the reader (Art. 30)."""

    name: str | None
    address: str | None
    contact: str | None
    identity_withheld: bool
    request: str
    facts_and_reasons: str
    complained_about: str
    complained_unit: RefOut | None
    is_accusation: bool


class FollowOut(Schema):
    number: str
    status: str
    status_label: str
    version: int
    category: RefOut
    channel: str
    file: GrievanceFileOut
    clocks: ClocksOut
    body: RefOut | None = Field(None, description="The body holding the matter now.")
    documents: list[DocumentRef]
    actions: list[str]
    timeline: list[EventOut]


class FollowActionIn(In):
    version: int | None = Field(None, ge=0, le=2**31 - 1)
    grounds: str = Field("", max_length=MAX_REQUEST, description="request_review / request_rereview")
    rating: int | None = Field(None, ge=1, le=3, description="evaluate: 3, 2 or 1")
    comment: str = Field("", max_length=1000, description="evaluate")
    note: str = Field("", max_length=300, description="raise_again")


# --- staff ----------------------------------------------------------------------------------


class RecordIn(SubmitIn):
    channel: str = Field(..., pattern="^(letter|phone|fax|visit)$")
    received_on: date | None = Field(None, description="The day it arrived, when before today.")
    record_confirmed: bool = Field(
        False, description="Oral (phone, visit): the record was read back to the petitioner and confirmed (Art. 19)."
    )


class GrievanceListQuery(In):
    status: str | None = Field(None, pattern="^(" + "|".join(wf.STATES) + ")$")
    overdue: bool | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class GrievanceRow(Schema):
    id: int
    number: str
    status: str
    status_label: str
    category: RefOut
    channel: str
    received_at: datetime
    step: str
    step_due_at: datetime | None
    body: RefOut | None
    lead_official: str | None


class GrievanceList(Schema):
    total: int
    limit: int
    offset: int
    items: list[GrievanceRow]


class ListItemOut(Schema):
    id: int
    kind: str
    text: str
    responsible: str
    due_on: date | None
    done_at: datetime | None


class GrievanceDetail(FollowOut):
    id: int
    office: RefOut | None
    authority: RefOut | None
    review_unit: RefOut | None
    rereview_unit: RefOut | None
    lead_official: str | None
    list_items: list[ListItemOut]
    raised_again: int = Field(..., description="Times the same matter was raised again while handled (Art. 19).")


class StaffActionIn(In):
    version: int | None = Field(None, ge=0, le=2**31 - 1)
    unit_code: str | None = Field(None, **CODE, description="assign, route_review, raise_again")
    mode: str | None = Field(None, pattern="^(transfer|assign)$", description="assign")
    report_due_on: date | None = Field(None, description="assign (交办)")
    complained_unit_code: str | None = Field(None, **CODE, description="assign")
    is_accusation: bool | None = Field(None, description="assign")
    reason: str = Field("", max_length=1000, description="decline, object, not_admit, extend")
    text: str = Field("", max_length=MAX_DOCUMENT, description="admit, decide, answer_review, answer_rereview")
    basis: str = Field("", max_length=MAX_DOCUMENT, description="decide, answer_review, answer_rereview")
    outcome: str | None = Field(None, max_length=12, description="decide, answer_review, answer_rereview")
    served_on: date | None = Field(None, description="decide, answer_review")
    days: int | None = Field(None, ge=-1000, le=1000, description="extend")
    approved_by: str = Field("", max_length=100, description="extend")
    first_day: date | None = Field(None, description="start_hearing")
    last_day: date | None = Field(None, description="end_hearing")
    note: str = Field("", max_length=300, description="start_hearing, raise_again")
    received_on: date | None = Field(None, description="request_review, request_rereview (by letter)")
    grounds: str = Field("", max_length=MAX_REQUEST, description="request_review, request_rereview")
    channel: str | None = Field(None, pattern="^(online|letter|phone|fax|visit)$", description="raise_again")
    kind: str | None = Field(None, pattern="^(problem|task|responsibility)$", description="add_list_item")
    item_text: str = Field("", max_length=500, description="add_list_item")
    responsible_username: str | None = Field(None, min_length=1, max_length=150, description="add_list_item")
    responsible_post: str = Field("", max_length=100, description="add_list_item")
    due_on: date | None = Field(None, description="add_list_item")
    item_id: int | None = Field(None, ge=1, le=2**63 - 1, description="complete_list_item")


class BacklogBucketOut(Schema):
    low: int
    high: int | None
    count: int


class BacklogRowOut(Schema):
    unit: RefOut | None
    total: int
    buckets: list[BacklogBucketOut]


class BacklogOut(Schema):
    long_open_days: int
    rows: list[BacklogRowOut]


class RateOut(Schema):
    name: str
    label: str
    numerator: int
    denominator: int
    percent: float | None


class OnTimeQuery(In):
    start: date
    end: date


class NumbersOut(Schema):
    start: date
    end: date
    steps: list[RateOut]
    satisfaction: RateOut
