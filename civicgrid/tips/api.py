"""Tip-line endpoints of the JSON API.

Submitters need no account and are never identified: the submit and check endpoints take no
authentication at all (a session or API key that comes along is ignored), and they record no
address or user agent. A wrong receipt code and a wrong passphrase get the same 403; attempts
are limited (429). Tip handlers use the staff endpoints (API key or session) within their
scope; reading a tip's content, photo or contact is logged. Thin: parse (``schemas.py``) →
access (``access.py``) → act (``actions.py``) → respond.
"""

from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router, Status

from civicgrid.cases.actions import Forbidden
from civicgrid.cases.api import STAFF_AUTH
from civicgrid.lib.api_schemas import Message, ValidationMessage
from civicgrid.tips import access, actions, numbers, queues, workflow
from civicgrid.tips.models import Status as TipStatus
from civicgrid.tips.models import Tip, TipReward
from civicgrid.tips.schemas import (
    CheckIn,
    ContactOut,
    InformationIn,
    NumbersQuery,
    PurposeIn,
    ReceiptOut,
    RewardDecisionIn,
    RewardIn,
    StaffAction,
    TipActionIn,
    TipDetail,
    TipIn,
    TipList,
    TipListQuery,
    TipNumbersOut,
    TipStatusOut,
)
from civicgrid.tips.throttle import allow_submission, client_address

router = Router(tags=["tips"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message, 422: ValidationMessage, 429: Message}
STAFF_ERRORS = {401: Message, **ERRORS}
TIP_ID = Path(..., ge=1, le=2**63 - 1)
ITEM_ID = Path(..., ge=1, le=2**63 - 1)
NO_STORE = "no-store"
PHOTO_DOC = {
    "responses": {
        200: {
            "description": "The photo (JPEG without metadata), decrypted.",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _too_many():
    return Status(429, {"message": _("Too many tips from this connection for now. Try again later.")})


# --- submitters -----------------------------------------------------------------------------


def _status_out(tip) -> dict:
    view = access.submitter_view(tip)
    return {
        "status": view.status,
        "status_label": view.status_label,
        "open": view.is_open,
        "text": view.text,
        "topic": view.topic_label,
        "steps": [{"label": str(label), "on": at} for label, at in view.steps],
        "messages": [
            {"kind": m.kind, "kind_label": m.kind_label, "text": m.text, "on": m.created_at} for m in view.messages
        ],
        "photos_sent": view.photos_sent,
        "rewards": [{"amount": r.amount, "decided_on": r.decided_at} for r in view.rewards],
    }


@router.post(
    "/tips",
    auth=None,
    response={200: ReceiptOut, 201: ReceiptOut, **ERRORS},
    summary="Send a tip (no account)",
    description=(
        "Anyone may send a tip. The answer holds the receipt code, shown once: keep it with the passphrase you "
        "chose to read the answers later. Nothing that identifies you is stored unless you leave a contact. "
        "A retried request with the same Idempotency-Key returns 200 and no code."
    ),
)
def submit_tip(request, body: TipIn, idempotency_key: str = Header("", alias="Idempotency-Key", max_length=120)):
    if not allow_submission(client_address(request)):
        return _too_many()
    key = actions.idempotency_key("api", idempotency_key)
    done = actions.do_submit_tip(
        text=body.text,
        topic=body.topic,
        district_code=body.district,
        contact=body.contact,
        passphrase=body.passphrase,
        idempotency_key=key,
    )
    if not done.created:
        return Status(200, {"receipt_code": None, "message": _("This tip was already received.")})
    message = _("Your tip was received. Keep the receipt code and your passphrase: they are shown nowhere else.")
    return Status(201, {"receipt_code": done.receipt_code, "message": message})


@router.post(
    "/tips/check",
    auth=None,
    response={200: TipStatusOut, **ERRORS},
    summary="Read my tip and its answers",
    description="With the receipt code and the passphrase. A wrong code or passphrase: 403, whichever it is.",
)
def check_tip(request, body: CheckIn, response: HttpResponse):
    tip = access.access_tip_by_receipt(body.receipt_code, body.passphrase, address=client_address(request))
    response["Cache-Control"] = NO_STORE
    return _status_out(tip)


@router.post(
    "/tips/check/information",
    auth=None,
    response={201: TipStatusOut, **ERRORS},
    summary="Add information to my tip",
)
def add_information(request, body: InformationIn, response: HttpResponse):
    tip = access.access_tip_by_receipt(body.receipt_code, body.passphrase, address=client_address(request))
    actions.do_add_tip_information(tip, text=body.text)
    response["Cache-Control"] = NO_STORE
    return Status(201, _status_out(Tip.objects.select_related("case").get(pk=tip.pk)))


# --- tip handlers ---------------------------------------------------------------------------


def _handler(request):
    user = request.auth.user
    if user is None or not access.is_tip_handler(user):
        raise Forbidden(_("Only tip handlers may use this."))
    return user


def _handler_and_tip(request, tip_id, *, for_update=False):
    """The tip handler making the request and the tip, once it is in their scope."""
    user = _handler(request)
    return user, access.access_tip_by_id(user, tip_id, for_update=for_update)


def _detail(view, user) -> dict:
    tip, case = view.tip, view.tip.case
    allowed = workflow.TIP.allowed(case.status, access.actor_for_tip(user, tip).roles)
    return {
        "id": tip.pk,
        "number": case.number,
        "version": case.version,
        "status": case.status,
        "status_label": case.status_label,
        "outcome": tip.outcome,
        "district_code": case.district_code,
        "submitted_on": tip.created_at,
        "step": case.step,
        "step_due_at": case.step_due_at,
        "sla_colour": queues.sla_colour(case, timezone.now()),
        "text": view.text,
        "topic": view.topic,
        "has_contact": view.has_contact,
        "deadlines": {
            name: getattr(tip, name)
            for name in (
                "screen_due_at",
                "screened_at",
                "verify_due_at",
                "verified_at",
                "verify_extensions",
                "handle_due_at",
                "handled_at",
                "answer_due_at",
                "answered_at",
            )
        },
        "photo_ids": view.attachment_ids,
        "messages": [
            {
                "id": m.pk,
                "kind": m.kind,
                "action": m.action,
                "text": m.text,
                "author": m.author,
                "at": m.created_at,
                "photo_ids": m.attachment_ids,
            }
            for m in view.messages
        ],
        "rewards": [
            {
                "id": r.reward.pk,
                "amount": r.reward.amount,
                "basis": r.basis,
                "decision": r.reward.decision,
                "proposed_by": r.proposed_by,
                "proposed_at": r.reward.proposed_at,
                "decided_by": r.decided_by,
                "decided_at": r.reward.decided_at,
                "decision_note": r.decision_note,
            }
            for r in view.rewards
        ],
        "allowed_actions": allowed,
    }


def _read(request, response, user, tip_id, purpose=None) -> dict:
    """The tip's detail for ``user``, decrypted after the read was logged; never cached."""
    response["Cache-Control"] = NO_STORE
    tip = access.access_tip_by_id(user, tip_id)
    view = access.read_tip(user, tip, purpose=purpose or _("Tip handling (API)"), request=request)
    return _detail(view, user)


@router.get("/tips/staff", auth=STAFF_AUTH, response={200: TipList, **STAFF_ERRORS}, summary="Tips in my scope")
def list_tips(request, q: Query[TipListQuery]):
    user = _handler(request)
    now = timezone.now()
    tips = queues.tips_in(user, queues.BY_SLUG[q.queue])
    total = tips.count()
    items = [
        {
            "id": tip.pk,
            "number": tip.case.number,
            "status": tip.case.status,
            "status_label": str(TipStatus(tip.case.status).label),
            "district_code": tip.case.district_code,
            "step": tip.case.step,
            "step_due_at": tip.case.step_due_at,
            "sla_colour": queues.sla_colour(tip.case, now),
            "submitted_on": tip.created_at,
            "information_count": tip.information_count,
        }
        for tip in tips[q.offset : q.offset + q.limit]
    ]
    return {"total": total, "limit": q.limit, "offset": q.offset, "items": items}


@router.get(
    "/tips/staff/{tip_id}",
    auth=STAFF_AUTH,
    response={200: TipDetail, **STAFF_ERRORS},
    summary="A tip, decrypted (the read is logged)",
)
def tip_detail(request, response: HttpResponse, tip_id: int = TIP_ID, purpose: str = Query("", max_length=200)):
    user = _handler(request)
    return _read(request, response, user, tip_id, purpose)


def _step(function, **arguments):
    """A staff step from the request body: ``function(tip, acting_user=..., expected_version=...)``
    with ``arguments`` mapping each further keyword argument to the body field it comes from."""

    def call(tip, user, body):
        fields = {name: getattr(body, field) for name, field in arguments.items()}
        return function(tip, acting_user=user, expected_version=body.expected_version, **fields)

    return call


STAFF_ACTIONS = {
    "screen": _step(actions.do_screen_tip, note="note"),
    "verify": _step(actions.do_verify_tip, note="note"),
    "find_unfounded": _step(actions.do_find_tip_unfounded, note="note"),
    "transfer": _step(actions.do_transfer_tip, to_body="to_body", note="note"),
    "extend_verification": _step(actions.do_extend_tip_verification, reason="note"),
    "handle": _step(actions.do_handle_tip, note="note"),
    "answer": _step(actions.do_answer_tip, answer="text"),
    "reply": _step(actions.do_reply_tip, text="text"),
    "note": _step(actions.do_note_tip, note="note"),
}


@router.post(
    "/tips/staff/{tip_id}/actions/{action}",
    auth=STAFF_AUTH,
    response={200: TipDetail, **STAFF_ERRORS},
    summary="Take a step on a tip",
    description="Note: screen (optional), verify, find_unfounded, handle, extend_verification (the reason), note. "
    "Text: answer, reply. to_body: transfer.",
)
def tip_action(request, body: TipActionIn, response: HttpResponse, action: StaffAction, tip_id: int = TIP_ID):
    with transaction.atomic():
        user, tip = _handler_and_tip(request, tip_id, for_update=True)
        STAFF_ACTIONS[action](tip, user, body)
    return _read(request, response, user, tip_id)


@router.post(
    "/tips/staff/{tip_id}/rewards",
    auth=STAFF_AUTH,
    response={201: TipDetail, **STAFF_ERRORS},
    summary="Propose a reward (a second tip handler decides)",
)
def propose_reward(request, body: RewardIn, response: HttpResponse, tip_id: int = TIP_ID):
    user, tip = _handler_and_tip(request, tip_id)
    actions.do_propose_tip_reward(tip, acting_user=user, amount=body.amount, basis=body.basis)
    return Status(201, _read(request, response, user, tip_id))


@router.post(
    "/tips/staff/{tip_id}/rewards/{reward_id}/decision",
    auth=STAFF_AUTH,
    response={200: TipDetail, **STAFF_ERRORS},
    summary="Approve or refuse a reward proposed by another tip handler",
)
def decide_reward(
    request, body: RewardDecisionIn, response: HttpResponse, tip_id: int = TIP_ID, reward_id: int = ITEM_ID
):
    user, tip = _handler_and_tip(request, tip_id)
    reward = TipReward.objects.filter(tip=tip, pk=reward_id).first()
    if reward is None:
        raise Http404
    actions.do_decide_tip_reward(tip, reward, acting_user=user, approve=body.approve, note=body.note)
    return _read(request, response, user, tip_id)


@router.post(
    "/tips/staff/{tip_id}/contact",
    auth=STAFF_AUTH,
    response={200: ContactOut, **STAFF_ERRORS},
    summary="The contact the submitter chose to leave (the read is logged)",
)
def reveal_contact(request, body: PurposeIn, response: HttpResponse, tip_id: int = TIP_ID):
    user, tip = _handler_and_tip(request, tip_id)
    contact = access.reveal_tip_contact(user, tip, purpose=body.purpose, request=request)
    response["Cache-Control"] = NO_STORE
    return {"contact": contact}


@router.get(
    "/tips/staff/{tip_id}/photos/{photo_id}",
    auth=STAFF_AUTH,
    response={200: None, **STAFF_ERRORS},
    openapi_extra=PHOTO_DOC,
    summary="A photo of a tip (the read is logged)",
)
def tip_photo(request, tip_id: int = TIP_ID, photo_id: int = ITEM_ID):
    user, tip = _handler_and_tip(request, tip_id)
    data, content_type = access.read_attachment(user, tip, photo_id, request=request)
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/tips/numbers",
    auth=STAFF_AUTH,
    response={200: TipNumbersOut, **STAFF_ERRORS},
    summary='The "four 100%": screened, verified, handled and answered rates',
    description="Tips submitted in [start, end) in the region (empty: the whole city), as numbers only.",
)
def tip_numbers(request, q: Query[NumbersQuery]):
    user = request.auth.user
    if not access.may_read_numbers(user):
        raise Forbidden(_("Only tip handlers, supervisors and auditors may read these numbers."))
    if q.end <= q.start:
        raise actions.Invalid(_("The period must end after it starts."))
    prefix = access.numbers_region_prefix(user, q.region)
    result = numbers.four_rates(prefix, q.start, q.end)
    return {
        "region": q.region,
        "start": q.start,
        "end": q.end,
        "submitted": result.submitted,
        "steps": [
            {
                "step": s.step,
                "due": s.due,
                "done": s.done,
                "on_time": s.on_time,
                "rate": s.rate.value,
                "on_time_rate": s.on_time_rate.value,
            }
            for s in result.steps
        ],
        "substantiated": result.substantiated,
        "not_substantiated": result.not_substantiated,
        "transferred": result.transferred,
        "open_overdue": result.open_overdue,
        "rewards_approved": result.rewards_approved,
        "reward_amount": result.reward_amount,
    }
