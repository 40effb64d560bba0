"""Grievance endpoints of the JSON API (mounted at ``/api/v1/grievances``).

Residents submit a grievance, look up a receipt number's public status, and follow and act on
their grievance (review, re-review, evaluation) through its private link. Staff list, read and
move the grievances ``access.py`` lets them see. Every endpoint is parse (``schemas.py``) →
access (``access.py``) → act (``actions.py``) → respond; a refused action answers with its
status and ``{"message"}``, and "missing" and "not yours" are the same 404.

Reading a grievance's file through the API is a read of personal data: it is logged (purpose
``API_PURPOSE``) before the answer is built.
"""

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router, Status

from civicgrid.cases.actions import Conflict, Forbidden, Invalid
from civicgrid.cases.api import ANONYMOUS_OK, ERRORS_400, RESIDENT_AUTH, STAFF_AUTH
from civicgrid.categories.models import Category
from civicgrid.geo.models import Region
from civicgrid.grievances import access, actions, numbers, present
from civicgrid.grievances import workflow as wf
from civicgrid.grievances.models import Document, Grievance, ListItem, SameMatterLink
from civicgrid.grievances.schemas import (
    BacklogOut,
    DocumentOut,
    FollowActionIn,
    FollowOut,
    GrievanceDetail,
    GrievanceList,
    GrievanceListQuery,
    NumbersOut,
    OnTimeQuery,
    PublicStatusOut,
    RecordIn,
    StaffActionIn,
    SubmitIn,
    SubmitOut,
)
from civicgrid.org import access as org_access
from civicgrid.org.models import Staff, Unit

router = Router(tags=["grievances"])

CASE_ID = Path(..., ge=1, le=2**63 - 1)
DOC_ID = Path(..., ge=1, le=2**63 - 1)
NUMBER = Path(..., pattern=r"^[0-9A-Za-z]{1,20}$")
TOKEN = Path(..., pattern=r"^[A-Za-z0-9_-]{1,64}$")
API_PURPOSE = "grievance handling (API)"
NO_STORE = "no-store"


def _staff_user(request):
    user = request.auth.user
    if user is None or not org_access.is_staff_member(user):
        raise Forbidden(_("Only staff members may use this."))
    return user


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code, kind=Category.Kind.GRIEVANCE, active=True).first()
    if category is None:
        raise Invalid(_("Unknown grievance type %(code)s.") % {"code": code})
    return category


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code, valid_to__isnull=True).first()
    if region is None:
        raise Invalid(_("Unknown district or street %(code)s.") % {"code": code})
    return region


def _unit(user, code: str | None) -> Unit | None:
    if code is None:
        return None
    unit = Unit.objects.filter(code=code, active=True).first()
    if unit is None:
        raise Invalid(_("Unknown unit %(code)s.") % {"code": code})
    return unit


def _staff(user, username: str | None):
    if username is None:
        return None
    staff = Staff.objects.select_related("user").filter(user__username=username, unit__active=True).first()
    if staff is None:
        raise Invalid(_("%(name)s is not a staff member.") % {"name": username})
    return staff.user


def _matter(user, body: SubmitIn | RecordIn) -> dict:
    """The arguments of a new matter, submitted (``SubmitIn``) or registered (``RecordIn``), for
    ``do_submit_grievance`` and ``do_record_grievance``."""
    return {
        "category": _category(body.category),
        "region": _region(body.region),
        "petitioner_name": body.petitioner_name,
        "petitioner_address": body.petitioner_address,
        "petitioner_contact": body.petitioner_contact,
        "request": body.request,
        "facts_and_reasons": body.facts_and_reasons,
        "complained_about": body.complained_about,
        "complained_unit": _unit(user, body.complained_unit),
        "earlier_number": body.earlier_number,
        "new_facts": body.new_facts,
    }


def _receipt(result: actions.Submitted) -> Status:
    """The answer to a submission or registration: 201 with the receipt number and private follow
    link of a new grievance, 200 with those of the one a retried request created, or 200 with
    ``linked`` when it was recorded on the same matter being handled (Art. 19)."""
    case = result.case
    if result.linked:
        # The matter being handled is someone's: its private link is not handed out here.
        return Status(200, {"number": case.number, "status": case.status, "linked": True})
    out = {
        "number": case.number,
        "status": case.status,
        "tracking_token": case.tracking_token,
        "follow_url": f"/grievances/follow/{case.tracking_token}/",
    }
    return Status(201 if result.created else 200, out)


def _document(acc: access.GrievanceAccess, document_id: int) -> Document:
    doc = Document.objects.select_related("unit").filter(grievance=acc.grievance, pk=document_id).first()
    if doc is None:
        raise Http404
    return doc


# --- residents ------------------------------------------------------------------------------


@router.post(
    "",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: SubmitOut, 201: SubmitOut, **ERRORS_400},
    summary="Submit a grievance",
    description=(
        "Registers a grievance and answers 201 with its receipt number (Art. 21) and private follow "
        "link. A receipt number of the same matter still being handled (`earlier_number`) records it "
        "there instead and answers 200 with `linked` (Art. 19); after its re-review, the same facts "
        "and reasons are refused (400, Art. 36) unless `new_facts`. With an `Idempotency-Key` "
        "header, a retried submission answers 200 with the grievance the first one created."
    ),
)
def submit(request, body: SubmitIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80)):
    caller = request.auth
    key = f"{caller.client}:{idempotency_key}" if idempotency_key else None
    result = actions.do_submit_grievance(acting_user=caller.user, **_matter(None, body), idempotency_key=key)
    case = result.case
    if not result.linked and not result.created:
        g = case.grievance
        same = (
            case.reporter_id == getattr(caller.user, "pk", None)
            and case.category.code == body.category
            and g.petitioner_name == body.petitioner_name.strip()
        )
        if not same:
            raise Conflict(_("This Idempotency-Key was already used for another submission."))
    return _receipt(result)


@router.get(
    "/status/{number}",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: PublicStatusOut, **ERRORS_400},
    summary="Public status of a receipt number",
    description="Status and dates only: nothing about the matter or the petitioner.",
)
def public_status(request, number: str = NUMBER):
    case = access.public_status(number.upper())
    if case is None:
        raise Http404
    return {
        "number": case.number,
        "status": case.status,
        "status_label": case.status_label,
        "received_at": case.reported_at,
        "step": case.step,
        "step_due_at": case.step_due_at,
        "closed_at": case.closed_at,
    }


def _follow(acc: access.GrievanceAccess, user) -> dict:
    g, case = acc.grievance, acc.case
    f = access.read_file(user, acc, purpose="", as_petitioner=True)
    allowed = [a for a in wf.GRIEVANCE.allowed(case.status, acc.roles) if a in FOLLOW_ACTIONS]
    return {
        "number": case.number,
        "status": case.status,
        "status_label": case.status_label,
        "version": case.version,
        "category": present.ref(case.category),
        "channel": g.channel,
        "file": present.file_out(f),
        "clocks": present.clocks(g),
        "body": present.ref(case.owner_unit),
        "documents": [present.document_ref(d) for d in present.documents(g)],
        "actions": allowed,
        "timeline": present.timeline(case, public_only=True),
    }


@router.get(
    "/follow/{token}",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: FollowOut, **ERRORS_400},
    summary="Follow my grievance by its private link",
)
def follow(request, response: HttpResponse, token: str = TOKEN):
    acc = access.access_grievance_by_token(request.auth.user, token)
    response["Cache-Control"] = NO_STORE
    return _follow(acc, request.auth.user)


@router.get(
    "/follow/{token}/documents/{document_id}",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: DocumentOut, **ERRORS_400},
    summary="A written notice or opinion of my grievance",
)
def follow_document(request, response: HttpResponse, token: str = TOKEN, document_id: int = DOC_ID):
    acc = access.access_grievance_by_token(request.auth.user, token)
    doc = _document(acc, document_id)
    response["Cache-Control"] = NO_STORE
    return present.document_out(doc, acc.case.number)


@dataclass(frozen=True)
class Spec:
    """An action and where its arguments come from: ``params`` maps a body field to (keyword,
    converter); ``required`` lists the body fields that must be given."""

    function: Any
    params: dict = field(default_factory=dict)
    required: tuple = ()


def _same(user, value):
    return value


FOLLOW_ACTIONS: dict[str, Spec] = {
    "request_review": Spec(actions.do_request_review, {"grounds": ("grounds", _same)}),
    "request_rereview": Spec(actions.do_request_rereview, {"grounds": ("grounds", _same)}),
    "evaluate": Spec(
        actions.do_evaluate_grievance, {"rating": ("rating", _same), "comment": ("comment", _same)}, ("rating",)
    ),
    "raise_again": Spec(actions.do_raise_again, {"note": ("note", _same)}),
}
FollowAction = Literal[tuple(FOLLOW_ACTIONS)]


def _run(spec: Spec, case, body, user, **extra):
    for name in spec.required:
        if getattr(body, name) in (None, ""):
            raise Invalid(_("'%(field)s' is required for this action.") % {"field": name})
    kwargs = dict(extra)
    for body_field, (kwarg, convert) in spec.params.items():
        value = getattr(body, body_field)
        if value is not None:
            kwargs[kwarg] = convert(user, value)
    if body.version is not None:
        kwargs["expected_version"] = body.version
    return spec.function(case, acting_user=user, **kwargs)


@router.post(
    "/follow/{token}/{action}",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: FollowOut, **ERRORS_400},
    summary="Act on my grievance by its private link",
    description=(
        "The petitioner asks for a review (within 30 days of the written reply, Art. 35) or a "
        "re-review (within 30 days of the review opinion, Art. 36), evaluates the handling (Art. 21), "
        "or records that they raised the matter again elsewhere (Art. 19). A refusal cites its article."
    ),
)
def follow_action(request, response: HttpResponse, action: FollowAction, body: FollowActionIn, token: str = TOKEN):
    user = request.auth.user
    acc = access.access_grievance_by_token(user, token)
    extra = {"has_token": True}
    if action == "raise_again":
        extra["channel"] = Grievance.Channel.ONLINE
    _run(FOLLOW_ACTIONS[action], acc.case, body, user, **extra)
    response["Cache-Control"] = NO_STORE
    return _follow(access.access_grievance_by_token(user, token), user)


# --- staff ----------------------------------------------------------------------------------


@router.post(
    "/record",
    auth=STAFF_AUTH,
    response={200: SubmitOut, 201: SubmitOut, **ERRORS_400},
    summary="Register a letter, call, fax or visit",
    description=(
        "A grievance officer registers a grievance that arrived by letter, phone, fax or visit. An oral "
        "one (phone, visit) needs `record_confirmed`: read back to the petitioner and confirmed (Art. 19)."
    ),
)
def record(request, body: RecordIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80)):
    user = _staff_user(request)
    key = f"{request.auth.client}:{idempotency_key}" if idempotency_key else None
    result = actions.do_record_grievance(
        acting_user=user,
        channel=body.channel,
        **_matter(user, body),
        received_on=body.received_on,
        record_confirmed=body.record_confirmed,
        idempotency_key=key,
    )
    case = result.case
    retried = not result.linked and not result.created
    if retried and case.grievance.office_id != getattr(org_access.staff_of(user), "unit_id", None):
        raise Conflict(_("This Idempotency-Key was already used for another submission."))
    return _receipt(result)


@router.get(
    "",
    auth=STAFF_AUTH,
    response={200: GrievanceList, **ERRORS_400},
    summary="Grievances I may see",
    description="No identity and no content in the list: open one to read its file (a logged read).",
)
def list_grievances(request, q: Query[GrievanceListQuery]):
    user = _staff_user(request)
    qs = access.visible_grievances(user)
    if q.status:
        qs = qs.filter(case__status=q.status)
    if q.overdue is not None:
        late = {"case__status__in": sorted(wf.OPEN), "case__step_due_at__lt": timezone.now()}
        qs = qs.filter(**late) if q.overdue else qs.exclude(**late)
    total = qs.count()
    page = qs.select_related("case__category", "case__owner_unit", "case__lead_official").order_by(
        "-received_at", "-pk"
    )[q.offset : q.offset + q.limit]
    return {"total": total, "limit": q.limit, "offset": q.offset, "items": [_row(g) for g in page]}


def _name(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def _row(g: Grievance) -> dict:
    case = g.case
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "status_label": case.status_label,
        "category": present.ref(case.category),
        "channel": g.channel,
        "received_at": g.received_at,
        "step": case.step,
        "step_due_at": case.step_due_at,
        "body": present.ref(case.owner_unit),
        "lead_official": _name(case.lead_official),
    }


def _responsible(item: ListItem) -> str:
    who = [_name(item.responsible_user)] if item.responsible_user_id else []
    return " / ".join([*who, item.responsible_post] if item.responsible_post else who)


def _detail(request, user, acc: access.GrievanceAccess) -> dict:
    g, case = acc.grievance, acc.case
    f = access.read_file(user, acc, purpose=API_PURPOSE, request=request)
    allowed = [a for a in wf.GRIEVANCE.allowed(case.status, acc.roles) if a in STAFF_ACTIONS]
    items = ListItem.objects.filter(grievance=g).select_related("responsible_user")
    lead = get_user_model().objects.filter(pk=case.lead_official_id).first() if case.lead_official_id else None
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "status_label": case.status_label,
        "version": case.version,
        "category": present.ref(case.category),
        "channel": g.channel,
        "file": present.file_out(f),
        "clocks": present.clocks(g),
        "body": present.ref(case.owner_unit),
        "documents": [present.document_ref(d) for d in present.documents(g)],
        "actions": allowed,
        "timeline": present.timeline(case, public_only=False, with_names=True),
        "office": present.ref(g.office),
        "authority": present.ref(g.authority_unit),
        "review_unit": present.ref(g.review_unit),
        "rereview_unit": present.ref(g.rereview_unit),
        "lead_official": _name(lead),
        "list_items": [
            {
                "id": i.pk,
                "kind": i.kind,
                "text": i.text,
                "responsible": _responsible(i),
                "due_on": i.due_on,
                "done_at": i.done_at,
            }
            for i in items
        ],
        "raised_again": SameMatterLink.objects.filter(grievance=g).count(),
    }


@router.get(
    "/{case_id}",
    auth=STAFF_AUTH,
    response={200: GrievanceDetail, **ERRORS_400},
    summary="A grievance with its file, clocks and timeline",
    description=(
        "The file (request, facts, whom it is about; the petitioner's identity unless withheld from "
        "the reader under Art. 30) is a read of personal data, logged before the answer."
    ),
)
def grievance_detail(request, response: HttpResponse, case_id: int = CASE_ID):
    user = _staff_user(request)
    out = _detail(request, user, access.access_grievance_by_id(user, case_id))
    response["Cache-Control"] = NO_STORE
    return out


@router.get(
    "/{case_id}/documents/{document_id}",
    auth=STAFF_AUTH,
    response={200: DocumentOut, **ERRORS_400},
    summary="A written notice or opinion of a grievance",
)
def grievance_document(request, response: HttpResponse, case_id: int = CASE_ID, document_id: int = DOC_ID):
    user = _staff_user(request)
    acc = access.access_grievance_by_id(user, case_id)
    doc = _document(acc, document_id)
    access.read_file(user, acc, purpose=API_PURPOSE, request=request)
    response["Cache-Control"] = NO_STORE
    return present.document_out(doc, acc.case.number)


STAFF_ACTIONS: dict[str, Spec] = {
    "assign": Spec(
        actions.do_assign_grievance,
        {
            "unit_code": ("unit", _unit),
            "mode": ("mode", _same),
            "report_due_on": ("report_due_on", _same),
            "complained_unit_code": ("complained_unit", _unit),
            "is_accusation": ("is_accusation", _same),
        },
        ("unit_code", "mode"),
    ),
    "decline": Spec(actions.do_decline_grievance, {"reason": ("reason", _same)}),
    "object": Spec(actions.do_object_to_assignment, {"reason": ("reason", _same)}),
    "admit": Spec(actions.do_admit_grievance, {"text": ("text", _same)}),
    "not_admit": Spec(actions.do_not_admit_grievance, {"reason": ("reason", _same)}),
    "extend": Spec(
        actions.do_extend_grievance,
        {"days": ("days", _same), "reason": ("reason", _same), "approved_by": ("approved_by", _same)},
        ("days",),
    ),
    "start_hearing": Spec(actions.do_start_hearing, {"first_day": ("first_day", _same), "note": ("note", _same)}),
    "end_hearing": Spec(actions.do_end_hearing, {"last_day": ("last_day", _same)}),
    "decide": Spec(
        actions.do_decide_grievance,
        {
            "outcome": ("outcome", _same),
            "text": ("text", _same),
            "basis": ("basis", _same),
            "served_on": ("served_on", _same),
        },
        ("outcome",),
    ),
    "request_review": Spec(
        actions.do_request_review, {"grounds": ("grounds", _same), "received_on": ("received_on", _same)}
    ),
    "route_review": Spec(actions.do_route_review, {"unit_code": ("unit", _unit)}, ("unit_code",)),
    "answer_review": Spec(
        actions.do_answer_review,
        {
            "outcome": ("outcome", _same),
            "text": ("text", _same),
            "basis": ("basis", _same),
            "served_on": ("served_on", _same),
        },
        ("outcome",),
    ),
    "request_rereview": Spec(
        actions.do_request_rereview, {"grounds": ("grounds", _same), "received_on": ("received_on", _same)}
    ),
    "answer_rereview": Spec(
        actions.do_answer_rereview,
        {"outcome": ("outcome", _same), "text": ("text", _same), "basis": ("basis", _same)},
        ("outcome",),
    ),
    "raise_again": Spec(
        actions.do_raise_again,
        {"channel": ("channel", _same), "unit_code": ("unit", _unit), "note": ("note", _same)},
        ("channel",),
    ),
    "take_lead": Spec(actions.do_take_lead_grievance),
    "add_list_item": Spec(
        actions.do_add_list_item,
        {
            "kind": ("kind", _same),
            "item_text": ("text", _same),
            "responsible_username": ("responsible_user", _staff),
            "responsible_post": ("responsible_post", _same),
            "due_on": ("due_on", _same),
        },
        ("kind",),
    ),
    "complete_list_item": Spec(actions.do_complete_list_item, {"item_id": ("item_id", _same)}, ("item_id",)),
}
StaffAction = Literal[tuple(STAFF_ACTIONS)]


@router.post(
    "/{case_id}/actions/{action}",
    auth=STAFF_AUTH,
    response={200: GrievanceDetail, 204: None, **ERRORS_400},
    summary="Take a step on a grievance",
    description=(
        "Runs one step of the grievance workflow. `version` must be the current version (409 "
        "otherwise); the other fields are read by the actions named in their descriptions. A "
        "statutory refusal (a deadline passed, a second extension, a re-review after re-review) is a "
        "400 whose message cites its article; nothing is written. 204: the step was taken and the "
        "grievance has left the caller's hands (an objection sends it back to the office)."
    ),
)
def grievance_action(request, response: HttpResponse, action: StaffAction, body: StaffActionIn, case_id: int = CASE_ID):
    user = _staff_user(request)
    acc = access.access_grievance_by_id(user, case_id)
    _run(STAFF_ACTIONS[action], acc.case, body, user)
    response["Cache-Control"] = NO_STORE
    try:
        after = access.access_grievance_by_id(user, case_id)
    except Http404:
        # The step moved the matter out of the reader's hands (an objection returns it to the
        # office): done, and nothing more of it is shown.
        return Status(204, None)
    return _detail(request, user, after)


# --- numbers --------------------------------------------------------------------------------


def _numbers_user(request):
    user = _staff_user(request)
    if not access.may_read_numbers(user):
        raise Forbidden(_("Only grievance officers and supervisors read these numbers."))
    return user


@router.get(
    "/numbers/backlog",
    auth=STAFF_AUTH,
    response={200: BacklogOut, **ERRORS_400},
    summary="Long-open grievances by unit and age (清仓见底)",
)
def backlog(request):
    user = _numbers_user(request)
    rows = numbers.backlog(access.visible_grievances(user))
    return {
        "long_open_days": numbers.LONG_OPEN_DAYS,
        "rows": [
            {
                "unit": present.ref(r.unit),
                "total": r.total,
                "buckets": [{"low": b.low, "high": b.high, "count": b.count} for b in r.buckets],
            }
            for r in rows
        ],
    }


def _rate(name, label, r) -> dict:
    return {
        "name": name,
        "label": label,
        "numerator": r.numerator,
        "denominator": r.denominator,
        "percent": float(r.percent) if r.percent is not None else None,
    }


@router.get(
    "/numbers/on-time",
    auth=STAFF_AUTH,
    response={200: NumbersOut, **ERRORS_400},
    summary="On-time rate of each statutory step, and satisfaction",
    description="Over the steps started from `start` (inclusive) to `end` (exclusive); see grievances/numbers.py.",
)
def on_time(request, q: Query[OnTimeQuery]):
    user = _numbers_user(request)
    if q.end <= q.start:
        raise Invalid(_("The end of the period must come after its start."))
    tz = timezone.get_current_timezone()
    start, end = datetime.combine(q.start, time(0), tzinfo=tz), datetime.combine(q.end, time(0), tzinfo=tz)
    visible = access.visible_grievances(user)
    steps = numbers.on_time(visible, start, end)
    sat = numbers.satisfaction(visible, start, end)
    return {
        "start": q.start,
        "end": q.end,
        "steps": [_rate(s.name, s.label, s.rate) for s in steps],
        "satisfaction": _rate("satisfaction", str(_("Satisfied or basically satisfied (Art. 21)")), sat),
    }
