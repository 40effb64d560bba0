"""Cases endpoints of the JSON API: residents report, follow and act through their tracking
link; staff list, read and move the cases in their scope.

Every endpoint is thin: parse (``cases/schemas.py``) → access (``cases/access.py``) → act
(``cases/actions.py``) → respond. A refused action raises ``CaseError``, which the API answers
with its status and ``{"message": ...}``; "missing" and "not yours" are the same 404.

Who calls: an API key in the ``X-Api-Key`` header (a key bound to a user acts as that user, an
unbound key as an anonymous resident), else the Django session (CSRF-checked for a logged-in
user), else, on the resident endpoints, an anonymous member of the public.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Path, Query, Router, Status, UploadedFile
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, SessionAuth

from civicgrid.cases import actions, deadlines, photos
from civicgrid.cases.access import (
    access_case_by_id,
    access_case_by_token,
    access_public_case_by_number,
    roles_on_case,
    visible_cases,
)
from civicgrid.cases.actions import Conflict, Forbidden, Invalid
from civicgrid.cases.duplicates import find_duplicates
from civicgrid.cases.models import Attachment, Case, CaseEvent
from civicgrid.cases.photos import (
    MAX_PHOTOS_PER_REQUEST,
    MAX_REPORT_PHOTOS,
    MAX_STAFF_PHOTOS,
    PHOTO_ROLES,
    STAFF_PURPOSES,
)
from civicgrid.cases.schemas import (
    ActionIn,
    CaseDetail,
    CaseList,
    CaseListQuery,
    ContactOut,
    Message,
    NearbyOut,
    NearbyQuery,
    PhotoList,
    ReportIn,
    ReportOut,
    RevealIn,
    SupportIn,
    SupportOut,
    TrackActionIn,
    TrackOut,
    ValidationMessage,
)
from civicgrid.cases.workflow import problem
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, SYSTEM
from civicgrid.categories.models import Category
from civicgrid.geo.locator import to_city_crs
from civicgrid.lib import images
from civicgrid.org import access
from civicgrid.org.apikeys import check_api_key
from civicgrid.org.models import ApiKey, Unit
from civicgrid.org.roles import Role
from civicgrid.privacy import access_log
from civicgrid.privacy.access_log import mask_contact

router = Router(tags=["cases"])


# --- who calls ------------------------------------------------------------------------------


@dataclass
class Caller:
    """The acting user (None: an anonymous resident) and the API key used, if any."""

    user: Any = None
    key: ApiKey | None = None

    @property
    def client(self) -> str:
        """Namespace of the caller's idempotency keys."""
        return f"key{self.key.pk}" if self.key is not None else "web"


class ApiKeyAuth(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        if key is None:
            return None  # no key: let the session (or anonymity) decide
        record = check_api_key(key)
        if record is None:
            raise AuthenticationError(401, _("Unknown or revoked API key."))
        user = record.user if record.user is not None and record.user.is_active else None
        return Caller(user=user, key=record)


class WebSession(SessionAuth):
    """A logged-in user of the web site. CSRF is checked only for them: an anonymous POST
    carries no one's authority, so there is nothing to forge."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return Caller(user=request.user) if request.user.is_authenticated else None


def anonymous(request):
    return Caller()


def login_required(request):
    raise AuthenticationError(401, _("Log in, or send an API key in the X-Api-Key header."))


RESIDENT_AUTH = [ApiKeyAuth(), WebSession(), anonymous]
STAFF_AUTH = [ApiKeyAuth(), WebSession(), login_required]

# Path parameters, constrained so that nothing a client sends reaches the database malformed.
CASE_ID = Path(..., ge=1, le=2**63 - 1)
PHOTO_ID = Path(..., ge=1, le=2**63 - 1)
NUMBER = Path(..., pattern=r"^[0-9A-Z]{1,20}$")
TOKEN = Path(..., pattern=r"^[A-Za-z0-9_-]{1,64}$")
# Resident endpoints also take anonymous callers: ninja appends this empty requirement to the
# key and session ones, which says so.
ANONYMOUS_OK = {"security": [{}]}

ERRORS_400 = {400: Message, 401: Message, 403: Message, 404: Message, 409: Message, 422: ValidationMessage}
# The photo itself, as served by the GET photo endpoints.
PHOTO_DOC = {
    "responses": {
        200: {
            "description": "The photo (JPEG, without metadata).",
            "content": {images.CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _problem_by_id(user, case_id) -> Case:
    """A problem case the user may see; other kinds (grievances, disputes, tips) have their own
    endpoints and stricter access rules (grievances: 信访工作条例 Art. 30), so 404 here."""
    case = access_case_by_id(user, case_id)
    if case.kind != Case.Kind.PROBLEM:
        raise Http404
    return case


def _problem_by_token(token) -> Case:
    case = access_case_by_token(token)
    if case.kind != Case.Kind.PROBLEM:
        raise Http404
    return case


def _staff_user(request):
    """The calling staff member; Forbidden for anyone else (residents follow cases by link)."""
    user = request.auth.user
    if user is None or not access.is_staff_member(user):
        raise Forbidden(_("Only staff members may use this."))
    return user


# --- presenting a case ----------------------------------------------------------------------


def _role_label(role: str) -> str:
    if role in Role.values:
        return str(Role(role).label)
    return {RESIDENT: _("Resident"), REPORTER: _("Reporter"), SYSTEM: _("System")}.get(role, role)


def _reloaded(case) -> Case:
    # After an action the caller may no longer see the case (a returned case leaves the
    # handler's unit); they saw it a moment ago, so they get its new state once.
    return Case.objects.select_related("category", "owner_unit").get(pk=case.pk)


def _category(case) -> dict:
    return {"code": case.category.code, "name": case.category.name}


def _unit(case) -> dict | None:
    unit = case.owner_unit
    return {"code": unit.code, "name": unit.name_zh} if unit is not None else None


def _sla(case, now) -> str | None:
    return deadlines.sla_colour(case.category, case.step, case.step_started_at, case.step_due_at, now)


def _staff_name(event) -> str | None:
    if event.actor is None or event.actor_role not in Role.values:
        return None  # a resident's identity is not shown, not even to staff
    return event.actor.get_full_name() or event.actor.get_username()


def _detail(case, user) -> dict:
    now = timezone.now()
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("seq")
    allowed = problem.PROBLEM.allowed(case.status, roles_on_case(user, case))
    parent = Case.objects.filter(pk=case.parent_id).values_list("number", flat=True).first()
    return {
        "id": case.pk,
        "number": case.number,
        "version": case.version,
        "status": case.status,
        "status_label": case.get_status_display(),
        "source": case.source,
        "priority": case.priority,
        "category": _category(case),
        "description": case.description,
        "address": case.address,
        "x": case.x,
        "y": case.y,
        "grid_code": case.grid_code,
        "community_code": case.community_code,
        "street_code": case.street_code,
        "district_code": case.district_code,
        "owner_unit": _unit(case),
        "escalation_level": case.escalation_level,
        "step": case.step,
        "step_due_at": case.step_due_at,
        "sla_colour": _sla(case, now),
        "pending_extension": case.pending_extension,
        "reported_at": case.reported_at,
        "handle_due_at": case.handle_due_at,
        "closed_at": case.closed_at,
        "rating": case.rating,
        "urge_count": case.urge_count,
        "parent_number": parent,
        # Masked even when shared: the full contact is read only through the logged reveal.
        "contact": mask_contact(case.contact),
        "contact_shared": case.contact_shared,
        "supporters": case.supporters.count(),
        "allowed_actions": [a for a in allowed if a in STAFF_ACTIONS],
        "timeline": [
            {
                "seq": e.seq,
                "at": e.at,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor_role": e.actor_role,
                "actor": _staff_name(e),
                "reason": e.reason,
                "payload": e.payload,
                "public": e.public,
            }
            for e in events
        ],
        "photos": _photos(case, "api-v1:case-photo", case_id=case.pk),
    }


def _tracking(case) -> dict:
    """What the holder of the tracking link sees: public events only, roles instead of names."""
    events = CaseEvent.objects.filter(case=case, public=True).order_by("seq")
    allowed = problem.PROBLEM.allowed(case.status, {RESIDENT, REPORTER})
    return {
        "number": case.number,
        "status": case.status,
        "status_label": case.get_status_display(),
        "version": case.version,
        "category": _category(case),
        "description": case.description,
        "address": case.address,
        "reported_at": case.reported_at,
        "closed_at": case.closed_at,
        "rating": case.rating,
        "supporters": case.supporters.count(),
        "actions": [a for a in allowed if a in TRACK_ACTIONS],
        "timeline": [
            {
                "at": e.at,
                "action": e.action,
                "to_state": e.to_state,
                "actor": _role_label(e.actor_role),
                "reason": e.reason,
            }
            for e in events
        ],
        "photos": _photos(case, "api-v1:track-photo", token=case.tracking_token),
    }


def _photos(case, url_name, **url_kwargs) -> list[dict]:
    rows = Attachment.objects.filter(case=case).order_by("created_at", "pk")
    return _photo_items(rows, url_name, **url_kwargs)


# --- actions: one table each for staff and for the tracking link -----------------------------


def _unit_by_code(user, code):
    unit = Unit.objects.select_related("region").filter(code=code, active=True).first()
    if unit is None:
        raise Invalid(_("Unknown unit %(code)s.") % {"code": code})
    return unit


def _case_by_number(user, number):
    case = (
        visible_cases(user)
        .filter(kind=Case.Kind.PROBLEM)
        .select_related("category", "owner_unit")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Invalid(_("There is no case %(number)s that you can see.") % {"number": number})
    return case


def _same(user, value):
    return value


@dataclass(frozen=True)
class ActionSpec:
    """An action function and where its arguments come from: ``params`` maps a body field to
    (keyword argument, converter applied to a given value; an absent one passes as None);
    ``required`` names the body fields that must be given; ``versioned`` actions take the
    client's ``version`` for optimistic concurrency."""

    function: Any
    params: dict = field(default_factory=dict)
    required: tuple = ()
    versioned: bool = True


REASON = {"reason": ("reason", _same)}

STAFF_ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(actions.do_accept_case),
    "reject": ActionSpec(actions.do_reject_case, REASON),
    "merge": ActionSpec(actions.do_merge_case, {"into_number": ("into", _case_by_number)}, ("into_number",)),
    "dispatch": ActionSpec(actions.do_dispatch_case, {"unit_code": ("unit", _unit_by_code)}),
    "return": ActionSpec(actions.do_return_case, REASON),
    "sign": ActionSpec(actions.do_sign_case),
    "start": ActionSpec(actions.do_start_case),
    "request_extension": ActionSpec(
        actions.do_request_extension, {**REASON, "duration": ("duration", _same)}, ("duration",)
    ),
    "approve_extension": ActionSpec(actions.do_approve_extension),
    "refuse_extension": ActionSpec(actions.do_refuse_extension, REASON),
    "handle": ActionSpec(actions.do_handle_case, {"result": ("result", _same)}, ("result",)),
    "verify": ActionSpec(actions.do_verify_case),
    "fail_verification": ActionSpec(actions.do_fail_verification, REASON),
    "park": ActionSpec(actions.do_park_case, REASON),
    "unpark": ActionSpec(actions.do_unpark_case),
    "urge": ActionSpec(actions.do_urge_case, REASON),
    "take_lead": ActionSpec(actions.do_take_lead_case),
    # A staff member who reported a case themselves acts on it as its reporter.
    "reopen": ActionSpec(actions.do_reopen_case, REASON),
    "rate": ActionSpec(actions.do_rate_case, {"rating": ("rating", _same), "reason": ("comment", _same)}, ("rating",)),
}

TRACK_ACTIONS: dict[str, ActionSpec] = {
    "verify": ActionSpec(actions.do_verify_case),
    "fail_verification": ActionSpec(actions.do_fail_verification, REASON),
    "reopen": ActionSpec(actions.do_reopen_case, REASON),
    "rate": ActionSpec(actions.do_rate_case, {"rating": ("rating", _same), "reason": ("comment", _same)}, ("rating",)),
    "support": ActionSpec(actions.do_support_case, versioned=False),
}

StaffAction = Literal[tuple(STAFF_ACTIONS)]
TrackAction = Literal[tuple(TRACK_ACTIONS)]


def _run(spec: ActionSpec, case, body, user, **extra):
    """Call ``spec.function`` on ``case`` with the arguments ``body`` gives; refuse a stale version."""
    for name in spec.required:
        if getattr(body, name) in (None, ""):
            raise Invalid(_("'%(field)s' is required for this action.") % {"field": name})
    kwargs = dict(extra)
    for body_field, (kwarg, convert) in spec.params.items():
        value = getattr(body, body_field)
        kwargs[kwarg] = convert(user, value) if value is not None else None
    if spec.versioned and body.version is not None:
        if body.version != case.version:
            raise Conflict(_("This case was changed by someone else in the meantime. Reload it and try again."))
        kwargs["expected_version"] = body.version
    return spec.function(case, acting_user=user, **kwargs)


# --- photos ---------------------------------------------------------------------------------

StaffPhotoPurpose = Literal[STAFF_PURPOSES]


def _upload_photos(case, purpose, files, *, counted, limit):
    """Check the request's files, clean them and store them all (or none)."""
    if not files:
        raise Invalid(_("Attach at least one photo."))
    if len(files) > MAX_PHOTOS_PER_REQUEST:
        raise Invalid(_("Send at most %(n)s photos at a time.") % {"n": MAX_PHOTOS_PER_REQUEST})
    photos.check_room(case, counted, limit, len(files))  # before the costly decoding
    return photos.store_photos(case, purpose, photos.clean_uploads(files), counted=counted, limit=limit)


def _photo_items(rows, url_name, **url_kwargs) -> list[dict]:
    return [
        {
            "id": a.pk,
            "purpose": a.purpose,
            "content_type": a.content_type,
            "created_at": a.created_at,
            "url": reverse(url_name, kwargs={**url_kwargs, "photo_id": a.pk}),
        }
        for a in rows
    ]


# --- residents ------------------------------------------------------------------------------


def _public_category(code: str) -> Category:
    category = Category.objects.filter(code=code, public=True, active=True).first()
    if category is None:
        raise Invalid(_("Unknown category %(code)s.") % {"code": code})
    return category


@router.post(
    "/cases",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: ReportOut, 201: ReportOut, **ERRORS_400},
    summary="Report a problem",
    description=(
        "Creates a case and answers 201 with its number and private tracking link. With an "
        "`Idempotency-Key` header, a retried submission answers 200 with the case the first "
        "attempt created and creates nothing."
    ),
)
def report_case(
    request,
    body: ReportIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80),
):
    caller = request.auth
    category = _public_category(body.category)
    key = f"{caller.client}:{idempotency_key}" if idempotency_key else None
    case, created = actions.do_report_case(
        acting_user=caller.user,
        category=category,
        lat=body.lat,
        lon=body.lon,
        crs=body.crs,
        description=body.description,
        source=Case.Source.APP if caller.key is not None else Case.Source.WEB,
        address=body.address,
        contact=body.contact,
        contact_shared=body.contact_shared,
        idempotency_key=key,
    )
    if not created and (case.reporter_id != getattr(caller.user, "pk", None) or case.category_id != category.pk):
        # Only a true retry gets the first case back (with its private link).
        raise Conflict(_("This Idempotency-Key was already used for another report."))
    out = {
        "number": case.number,
        "status": case.status,
        "tracking_token": case.tracking_token,
        "tracking_url": f"/track/{case.tracking_token}",
    }
    return Status(201 if created else 200, out)


NEARBY_LIMIT = 20


@router.get(
    "/cases/nearby",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: NearbyOut, **ERRORS_400},
    summary="Open cases nearby",
    description=(
        "Open cases of a category within its duplicate radius of a point: say 'me too' instead of reporting again."
    ),
)
def nearby_cases(request, q: Query[NearbyQuery]):
    category = _public_category(q.category)
    try:
        x, y = to_city_crs(q.lat, q.lon, q.crs)
    except ValueError as e:
        raise Invalid(str(e)) from e
    radius = category.duplicate_radius_m
    items = [
        {
            "number": dup.case.number,
            "status": dup.case.status,
            "status_label": dup.case.get_status_display(),
            "description": dup.case.description,
            "reported_at": dup.case.reported_at,
            "distance_m": round(dup.distance_m, 1),
        }
        for dup in find_duplicates(category, x, y, limit=NEARBY_LIMIT)
    ]
    return {"radius_m": radius, "items": items}


@router.post(
    "/cases/{number}/support",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: SupportOut, **ERRORS_400},
    summary="Me too",
    description="Anyone may say 'me too' about an open case and be told of its progress.",
)
def support_case(request, body: SupportIn, number: str = NUMBER):
    case = access_public_case_by_number(number)
    actions.do_support_case(case, acting_user=request.auth.user, contact=body.contact)
    return {"number": case.number, "status": case.status, "supporters": case.supporters.count()}


@router.get(
    "/track/{token}",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: TrackOut, **ERRORS_400},
    summary="Follow a case by its private link",
)
def track_case(request, token: str = TOKEN):
    return _tracking(_problem_by_token(token))


@router.post(
    "/track/{token}/photos",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={201: PhotoList, 413: Message, **ERRORS_400},
    summary="Add photos to my report",
    description=(
        "The reporter (whoever holds the link) adds photos of the problem: multipart, field `files`, "
        f"at most {MAX_PHOTOS_PER_REQUEST} per request and {MAX_REPORT_PHOTOS} in all. JPEG, PNG or "
        "WebP; each is re-encoded as JPEG without metadata (GPS position included). All are stored "
        "or none; a file over the size limit gets 413."
    ),
)
def add_track_photos(request, files: File[list[UploadedFile]], token: str = TOKEN):
    case = _problem_by_token(token)
    rows = _upload_photos(
        case, Attachment.Purpose.REPORT, files, counted=(Attachment.Purpose.REPORT,), limit=MAX_REPORT_PHOTOS
    )
    return Status(201, {"items": _photo_items(rows, "api-v1:track-photo", token=token)})


@router.get(
    "/track/{token}/photos/{photo_id}",
    auth=RESIDENT_AUTH,
    openapi_extra={**ANONYMOUS_OK, **PHOTO_DOC},
    response={**ERRORS_400},
    url_name="track-photo",
    summary="A photo of my case",
)
def track_photo(request, token: str = TOKEN, photo_id: int = PHOTO_ID):
    return photos.photo_response(_problem_by_token(token), photo_id)


@router.post(
    "/track/{token}/{action}",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: TrackOut, **ERRORS_400},
    summary="Act on a case by its private link",
    description="The reporter (whoever holds the link) confirms or rejects the fix, reopens or rates the case.",
)
def track_action(request, action: TrackAction, body: TrackActionIn, token: str = TOKEN):
    case = _problem_by_token(token)
    _run(TRACK_ACTIONS[action], case, body, request.auth.user, has_token=True)
    return _tracking(_reloaded(case))


# --- staff ----------------------------------------------------------------------------------


@router.get(
    "/cases",
    auth=STAFF_AUTH,
    response={200: CaseList, **ERRORS_400},
    summary="Cases in my scope",
)
def list_cases(request, q: Query[CaseListQuery]):
    user = _staff_user(request)
    now = timezone.now()
    cases = visible_cases(user).filter(kind=Case.Kind.PROBLEM)
    if q.status:
        cases = cases.filter(status=q.status)
    if q.category:
        cases = cases.filter(Q(category__code=q.category) | Q(category__parent__code=q.category))
    if q.region:
        cases = cases.filter(grid_code__startswith=q.region)
    if q.overdue is not None:
        late = Q(status__in=problem.ON_THE_CLOCK, step_due_at__lt=now)
        cases = cases.filter(late) if q.overdue else cases.exclude(late)
    total = cases.count()
    page = cases.select_related("category", "owner_unit").order_by("-reported_at", "-pk")[q.offset : q.offset + q.limit]
    items = [
        {
            "id": case.pk,
            "number": case.number,
            "status": case.status,
            "status_label": case.get_status_display(),
            "category": _category(case),
            "grid_code": case.grid_code,
            "owner_unit": _unit(case),
            "step": case.step,
            "step_due_at": case.step_due_at,
            "sla_colour": _sla(case, now),
            "reported_at": case.reported_at,
        }
        for case in page
    ]
    return {"total": total, "limit": q.limit, "offset": q.offset, "items": items}


@router.get(
    "/cases/{case_id}",
    auth=STAFF_AUTH,
    response={200: CaseDetail, **ERRORS_400},
    summary="A case with its full timeline",
)
def case_detail(request, case_id: int = CASE_ID):
    user = _staff_user(request)
    return _detail(_problem_by_id(user, case_id), user)


@router.post(
    "/cases/{case_id}/actions/{action}",
    auth=STAFF_AUTH,
    response={200: CaseDetail, **ERRORS_400},
    summary="Take an action on a case",
    description=(
        "Runs one step of the problem workflow. `version` must be the case's current version "
        "(409 otherwise); `reason`, `unit_code`, `duration`, `result`, `rating` and "
        "`into_number` are read by the actions that need them."
    ),
)
def case_action(request, action: StaffAction, body: ActionIn, case_id: int = CASE_ID):
    user = _staff_user(request)
    case = _problem_by_id(user, case_id)
    _run(STAFF_ACTIONS[action], case, body, user)
    return _detail(_reloaded(case), user)


@router.post(
    "/cases/{case_id}/contact/reveal",
    auth=STAFF_AUTH,
    response={200: ContactOut, **ERRORS_400},
    summary="Reveal the reporter's contact",
    description=(
        "The reporter's full contact, for staff who work on the case (dispatcher, handler of the "
        "owner unit, grid worker, supervisor) and only when the reporter agreed to share it (403 "
        "otherwise). Each reveal is written to the personal-data access log with its purpose."
    ),
)
def reveal_contact(request, response: HttpResponse, body: RevealIn, case_id: int = CASE_ID):
    user = _staff_user(request)
    case = _problem_by_id(user, case_id)
    contact = access_log.reveal_contact(user, case, purpose=body.purpose, request=request)
    response["Cache-Control"] = "no-store"
    return {"number": case.number, "contact": contact}


@router.post(
    "/cases/{case_id}/photos",
    auth=STAFF_AUTH,
    response={201: PhotoList, 413: Message, **ERRORS_400},
    summary="Add photos to a case",
    description=(
        "Multipart: `purpose` (evidence: the handler of the owner unit; verification: a grid "
        "worker or dispatcher of the place) and `files`, at most "
        f"{MAX_PHOTOS_PER_REQUEST} per request and {MAX_STAFF_PHOTOS} staff photos per case. JPEG, "
        "PNG or WebP; each is re-encoded as JPEG without metadata. All are stored or none; a file "
        "over the size limit gets 413."
    ),
)
def add_case_photos(request, purpose: Form[StaffPhotoPurpose], files: File[list[UploadedFile]], case_id: int = CASE_ID):
    user = _staff_user(request)
    case = _problem_by_id(user, case_id)
    if not roles_on_case(user, case) & PHOTO_ROLES[purpose]:
        raise Forbidden(_("You may not add photos of this kind to this case."))
    rows = _upload_photos(case, purpose, files, counted=STAFF_PURPOSES, limit=MAX_STAFF_PHOTOS)
    return Status(201, {"items": _photo_items(rows, "api-v1:case-photo", case_id=case.pk)})


@router.get(
    "/cases/{case_id}/photos/{photo_id}",
    auth=STAFF_AUTH,
    openapi_extra=PHOTO_DOC,
    response={**ERRORS_400},
    url_name="case-photo",
    summary="A photo of a case",
)
def case_photo(request, case_id: int = CASE_ID, photo_id: int = PHOTO_ID):
    user = _staff_user(request)
    return photos.photo_response(_problem_by_id(user, case_id), photo_id)
