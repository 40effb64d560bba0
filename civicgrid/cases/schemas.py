"""Request and response schemas of the cases API (``cases/api.py``).

Length limits repeat the model's so that over-long input is refused before anything is written,
and so that the OpenAPI document tells clients the limits.
"""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from civicgrid.cases.workflow import problem

Crs = Literal["wgs84", "gcj02"]
SlaColour = Literal["green", "yellow", "red"]
StatusName = Literal[problem.STATES]


class In(Schema):
    """Base of the input schemas: text never carries NUL characters (PostgreSQL refuses them)."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class Message(Schema):
    message: str


class ValidationMessage(Schema):
    message: str
    errors: list[dict[str, Any]]


class CategoryRef(Schema):
    code: str
    name: str


class UnitRef(Schema):
    code: str
    name: str


# --- residents ------------------------------------------------------------------------------


class ReportIn(In):
    category: str = Field(..., min_length=1, max_length=20, description="Code of a leaf problem category.")
    lat: float = Field(..., ge=-90, le=90, allow_inf_nan=False, description="Latitude in degrees.")
    lon: float = Field(..., ge=-180, le=180, allow_inf_nan=False, description="Longitude in degrees.")
    crs: Crs = Field("wgs84", description="Coordinate system of lat/lon.")
    description: str = Field(..., min_length=1, max_length=2000)
    address: str = Field("", max_length=300)
    contact: str = Field("", max_length=120, description="Email or phone, to be told of progress.")
    contact_shared: bool = Field(False, description="Let the handlers see the contact.")


class ReportOut(Schema):
    number: str
    status: str
    tracking_token: str = Field(..., description="The private key of the tracking link; keep it.")
    tracking_url: str = Field(..., description="The private tracking link, /track/<token>.")


class NearbyQuery(In):
    category: str = Field(..., min_length=1, max_length=20)
    lat: float = Field(..., ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(..., ge=-180, le=180, allow_inf_nan=False)
    crs: Crs = "wgs84"


class NearbyCase(Schema):
    number: str
    status: str
    status_label: str
    description: str
    reported_at: datetime
    distance_m: float


class NearbyOut(Schema):
    radius_m: int
    items: list[NearbyCase]


class PhotoOut(Schema):
    id: int
    purpose: Literal["report", "evidence", "verification"] = Field(
        ..., description="report: from the reporter; evidence: the unit's work; verification: the check."
    )
    content_type: str
    created_at: datetime
    url: str = Field(..., description="Where the photo is served, to the same callers as the case.")


class PhotoList(Schema):
    items: list[PhotoOut]


class PublicEvent(Schema):
    at: datetime
    action: str
    to_state: str
    actor: str = Field(..., description="The role that acted, never a person's name.")
    reason: str


class TrackOut(Schema):
    number: str
    status: str
    status_label: str
    version: int
    category: CategoryRef
    description: str
    address: str
    reported_at: datetime
    closed_at: datetime | None
    rating: int | None
    supporters: int
    actions: list[str] = Field(..., description="What the holder of the tracking link may do now.")
    timeline: list[PublicEvent]
    photos: list[PhotoOut]


class TrackActionIn(In):
    version: int | None = Field(None, ge=0, description="The version the action is based on.")
    reason: str = Field("", max_length=1000, description="Why (needed to reject a fix or reopen) or a comment.")
    rating: int | None = Field(None, ge=1, le=3, description="3 satisfied, 2 basically satisfied, 1 not satisfied.")


class SupportIn(In):
    contact: str = Field("", max_length=120, description="Email or phone, to be told of progress.")


class SupportOut(Schema):
    number: str
    status: str
    supporters: int


# --- staff ----------------------------------------------------------------------------------


class CaseListQuery(In):
    status: StatusName | None = None
    category: str | None = Field(None, max_length=20, description="A category code; a parent includes its children.")
    region: str | None = Field(
        None, pattern=r"^[0-9]{1,15}$", description="District, street, community or grid code (a code prefix)."
    )
    overdue: bool | None = Field(None, description="Only cases whose running step is past its deadline.")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class CaseListItem(Schema):
    id: int
    number: str
    status: str
    status_label: str
    category: CategoryRef
    grid_code: str
    owner_unit: UnitRef | None
    step: str
    step_due_at: datetime | None
    sla_colour: SlaColour | None
    reported_at: datetime


class CaseList(Schema):
    total: int
    limit: int
    offset: int
    items: list[CaseListItem]


class StaffEvent(Schema):
    seq: int
    at: datetime
    action: str
    from_state: str
    to_state: str
    actor_role: str
    actor: str | None = Field(..., description="The staff member who acted; None for residents and the system.")
    reason: str
    payload: dict[str, Any]
    public: bool


class CaseDetail(Schema):
    id: int
    number: str
    version: int
    status: str
    status_label: str
    source: str
    priority: str
    category: CategoryRef
    description: str
    address: str
    x: float | None = Field(
        ...,
        description="Longitude in the city's coordinate system (settings.CITY_CRS); null when only a region is known.",
    )
    y: float | None = Field(
        ..., description="Latitude in the city's coordinate system; null when only a region is known."
    )
    grid_code: str
    community_code: str
    street_code: str
    district_code: str
    owner_unit: UnitRef | None
    escalation_level: str
    step: str
    step_due_at: datetime | None
    sla_colour: SlaColour | None
    pending_extension: str
    reported_at: datetime
    handle_due_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    urge_count: int
    parent_number: str | None
    contact: str = Field(
        ...,
        description=(
            "The reporter's contact, always masked. When `contact_shared` is true, staff who work "
            "on the case get it in full from POST /cases/{case_id}/contact/reveal (logged)."
        ),
    )
    contact_shared: bool = Field(..., description="The reporter lets the staff handling the case see the contact.")
    supporters: int
    allowed_actions: list[str]
    timeline: list[StaffEvent]
    photos: list[PhotoOut]


class ActionIn(In):
    version: int = Field(..., ge=0, description="The case version the action is based on; a stale one gets 409.")
    reason: str | None = Field(None, max_length=1000)
    unit_code: str | None = Field(None, max_length=40, description="dispatch: the unit (default: by routing rules).")
    duration: str | None = Field(None, max_length=20, description="request_extension: e.g. 3wd, 8wh, 2d.")
    result: str | None = Field(None, max_length=1000, description="handle: what was done.")
    rating: int | None = Field(None, ge=1, le=3)
    into_number: str | None = Field(None, max_length=20, description="merge: number of the case to merge into.")


class RevealIn(In):
    purpose: str = Field(
        ...,
        min_length=1,
        max_length=200,
        description="Why the contact is needed (e.g. to arrange access to the site); kept in the access log.",
    )


class ContactOut(Schema):
    number: str
    contact: str = Field(..., description="The reporter's full contact. This read is logged.")
