"""Every change to a tip: ``do_<verb>_tip(tip, ..., acting_user=...)``.

Each action checks the tip workflow table (``tips/workflow.py``) for the actor's roles
(``tips/access.py``), then in one transaction writes the case change and its hash-chained event
through ``cases.actions.apply_transition`` / ``create_case`` and the tip's own rows, encrypted.
Events carry no content: their reason stays empty and their payload names only the ids of the
encrypted rows written with them. Step deadlines come from ``tips/rules.py`` with the periods of
``settings.TIP_STEP_PERIODS``.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.actions import NO_STEP, Actor, Conflict, Forbidden, Invalid, apply_transition, create_case
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import workflow_for
from civicgrid.cases.workflow.engine import RESIDENT, NotAllowed, UnknownAction
from civicgrid.geo import codes
from civicgrid.geo.models import Region
from civicgrid.tips import crypto, receipts, rules, workflow
from civicgrid.tips.access import actor_for_tip, submitter_actor
from civicgrid.tips.models import Tip, TipAttachment, TipMessage, TipReward, tip_category

MAX_TEXT = 5000
MAX_NOTE = 2000
MAX_CONTACT = 120
MAX_BODY_NAME = 200
MIN_PASSPHRASE, MAX_PASSPHRASE = 8, 200
MAX_PHOTOS = 3


@dataclass
class Photo:
    """A photo already cleaned of metadata (``lib/images.clean_photo``)."""

    data: bytes
    content_type: str


@dataclass
class Submitted:
    tip: Tip
    receipt_code: str | None  # None when a retried submission found the tip it made before
    created: bool


def idempotency_key(channel: str, client_key: str) -> str | None:
    """The key a retried submission is recognised by: a hash of what the client sent (any
    length, any characters), namespaced by channel; None when the client sent none."""
    if not client_key:
        return None
    return f"tip:{channel}:{hashlib.sha256(client_key.encode('utf-8', 'replace')).hexdigest()}"


def step_periods() -> dict:
    """The configured periods (``settings.TIP_STEP_PERIODS``), validated by the rules."""
    return getattr(settings, "TIP_STEP_PERIODS", None) or {}


def day_of(now: datetime) -> datetime:
    """The start (local midnight) of ``now``'s day: what the line keeps of a submitter's time."""
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _text(value, *, needed: bool, limit: int, missing: str) -> str:
    value = (value or "").strip()
    if needed and not value:
        raise Invalid(missing)
    if len(value) > limit:
        raise Invalid(_("The text is too long (at most %(n)s characters).") % {"n": limit})
    return value


def _check(case: Case, action: str, actor: Actor):
    """The transition, or Forbidden before anything else is looked at."""
    try:
        return workflow_for(case.kind).check(case.status, action, actor.roles)
    except NotAllowed as e:
        raise Forbidden(_("This action is not possible on this tip now.")) from e
    except UnknownAction as e:
        raise Invalid(_("Unknown action '%(action)s'.") % {"action": action}) from e


def _version(case: Case, expected_version) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise Conflict(_("This tip was changed by someone else in the meantime. Reload it and try again."))


def _photos(photos) -> list[Photo]:
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        raise Invalid(_("At most %(n)s photos.") % {"n": MAX_PHOTOS})
    return photos


def _message(tip, kind, text, *, author=None, action="", at) -> TipMessage:
    return TipMessage.objects.create(
        tip=tip, kind=kind, action=action, body=crypto.encrypt_text(text), author=author, created_at=at
    )


def _attach(tip, photos, *, message=None, at) -> list[int]:
    rows = TipAttachment.objects.bulk_create(
        [
            TipAttachment(
                tip=tip, message=message, data=crypto.encrypt(p.data), content_type=p.content_type, created_at=at
            )
            for p in photos
        ]
    )
    return [r.pk for r in rows]


def _step(step: str, start, due) -> dict:
    return {"step": step, "step_started_at": start, "step_due_at": due, "overdue_marked": False}


def _save_tip(tip: Tip, **fields) -> None:
    Tip.objects.filter(pk=tip.pk).update(**fields)
    for name, value in fields.items():
        setattr(tip, name, value)


def _district(code: str) -> str:
    """The district code the submitter chose, checked; "" for none."""
    code = (code or "").strip()
    if not code:
        return ""
    try:
        level = codes.level_of(code)
    except codes.CodeError:
        level = None
    if level != codes.DISTRICT or not Region.objects.filter(code=code, level=Region.Level.DISTRICT).exists():
        raise Invalid(_("Choose a district from the list, or none."))
    return code


# --- the submitter --------------------------------------------------------------------------


@transaction.atomic
def do_submit_tip(
    *, text, passphrase, topic="", district_code="", contact="", photos=(), idempotency_key=None, now=None
) -> Submitted:
    """Record a tip from anyone, signed in or not (no account is stored either way).

    Returns the tip and its new receipt code, to be shown once. A retried submission with the
    same ``idempotency_key`` finds the tip it made and no code (it cannot be shown again)."""
    if idempotency_key:
        existing = Tip.objects.filter(case__idempotency_key=idempotency_key).first()
        if existing is not None:
            return Submitted(existing, None, False)
    text = _text(text, needed=True, limit=MAX_TEXT, missing=_("Write what you want to report."))
    if topic and topic not in Tip.Topic.values:
        raise Invalid(_("Choose a topic from the list, or none."))
    contact = _text(contact, needed=False, limit=MAX_CONTACT, missing="")
    if not isinstance(passphrase, str) or not MIN_PASSPHRASE <= len(passphrase) <= MAX_PASSPHRASE:
        raise Invalid(
            _("Choose a passphrase of %(min)s to %(max)s characters.") % {"min": MIN_PASSPHRASE, "max": MAX_PASSPHRASE}
        )
    photos = _photos(photos)
    district = _district(district_code)
    config = step_periods()
    # The day only: an exact time could be matched against the web server's access log.
    day = day_of(now or timezone.now())
    due = rules.screen_due(day, config=config)
    fields = dict(
        kind=Case.Kind.TIP,
        source=Case.Source.WEB,
        category=tip_category(),
        description="",
        grid_code=district,
        district_code=district,
    )
    case, created = create_case(
        "submit",
        Actor(None, {RESIDENT}),
        fields,
        now=day,
        changes=_step(rules.SCREEN, day, due),
        idempotency_key=idempotency_key or None,
    )
    if not created:
        return Submitted(case.tip, None, False)
    passphrase_hash = make_password(passphrase)
    content = crypto.encrypt_json({"text": text, "topic": topic or ""})
    sealed_contact = crypto.encrypt_text(contact) if contact else None
    for _attempt in range(5):
        code = receipts.new_code()
        try:
            with transaction.atomic():
                tip = Tip.objects.create(
                    case=case,
                    receipt_digest=receipts.digest(code),
                    passphrase_hash=passphrase_hash,
                    content=content,
                    contact=sealed_contact,
                    created_at=day,
                    screen_due_at=due,
                )
            break
        except IntegrityError:  # pragma: no cover - 80 random bits do not collide in practice
            continue
    else:  # pragma: no cover
        raise Conflict(_("Could not make a receipt code; try again."))
    _attach(tip, photos, at=day)
    return Submitted(tip, code, True)


@transaction.atomic
def do_add_tip_information(tip, *, text, photos=(), now=None) -> TipMessage:
    """The submitter (found by receipt code and passphrase) adds information to an open tip."""
    case = tip.case
    actor = submitter_actor()
    _check(case, "add_information", actor)
    text = _text(text, needed=True, limit=MAX_TEXT, missing=_("Write the information you want to add."))
    photos = _photos(photos)
    # The day only, and never before the tip's last change (the timeline stays in order).
    at = max(day_of(now or timezone.now()), case.updated_at)
    message = _message(tip, TipMessage.Kind.INFORMATION, text, action="add_information", at=at)
    photo_ids = _attach(tip, photos, message=message, at=at)
    apply_transition(case, "add_information", actor, now=at, payload={"message": message.pk, "photos": len(photo_ids)})
    return message


# --- the tip handlers: the four steps -------------------------------------------------------


def _staff_step(
    tip, action, acting_user, text, *, expected_version, now, missing=None, changes_for=None, kind=TipMessage.Kind.NOTE
):
    """The common shape of a staff step: check the version and the actor's roles, validate the
    text, then in one transaction write the text (encrypted), the event naming it and the changes
    ``changes_for(now)`` gives as ``(case changes, tip changes)``.

    The text is an internal note (``kind`` NOTE: at most MAX_NOTE characters, ``note`` in the
    payload) or a message to the submitter (another kind: MAX_TEXT, ``message`` in the payload).
    ``missing`` is the error for an empty text; None when the text may be left out."""
    case = tip.case
    _version(case, expected_version)
    actor = actor_for_tip(acting_user, tip)
    _check(case, action, actor)
    internal = kind == TipMessage.Kind.NOTE
    text = _text(text, needed=missing is not None, limit=MAX_NOTE if internal else MAX_TEXT, missing=missing or "")
    now = now or timezone.now()
    case_changes, tip_changes = changes_for(now) if changes_for else ({}, {})
    with transaction.atomic():
        payload = {}
        if text:
            message = _message(tip, kind, text, author=actor.user, action=action, at=now)
            payload["note" if internal else "message"] = message.pk
        event = apply_transition(
            case, action, actor, now=now, expected_version=expected_version, payload=payload, changes=case_changes
        )
        if tip_changes:
            _save_tip(tip, **tip_changes)
    return event


def do_screen_tip(tip, *, acting_user, note="", expected_version=None, now=None):
    """First check done: the tip is one for this line; verification starts."""

    def changes(now):
        due = rules.verify_due(now, config=step_periods())
        return _step(rules.VERIFY, now, due), {"screened_at": now, "verify_due_at": due}

    return _staff_step(
        tip, "screen", acting_user, note, expected_version=expected_version, now=now, changes_for=changes
    )


def do_verify_tip(tip, *, acting_user, note, expected_version=None, now=None):
    """Verification found the tip substantiated; handling starts. ``note``: what was found."""

    def changes(now):
        due = rules.handle_due(now, config=step_periods())
        return _step(rules.HANDLE, now, due), {
            "verified_at": now,
            "handle_due_at": due,
            "outcome": workflow.SUBSTANTIATED,
        }

    return _staff_step(
        tip,
        "verify",
        acting_user,
        note,
        expected_version=expected_version,
        now=now,
        missing=_("Write what the verification found."),
        changes_for=changes,
    )


def _to_answer(now, **tip_changes):
    due = rules.answer_due(now, config=step_periods())
    return _step(rules.ANSWER, now, due), {"answer_due_at": due, **tip_changes}


def do_find_tip_unfounded(tip, *, acting_user, note, expected_version=None, now=None):
    """Verification found nothing to support the tip (查无实据); the submitter is answered next."""
    return _staff_step(
        tip,
        "find_unfounded",
        acting_user,
        note,
        expected_version=expected_version,
        now=now,
        missing=_("Write what the verification found."),
        changes_for=lambda now: _to_answer(now, verified_at=now, outcome=workflow.NOT_SUBSTANTIATED),
    )


# The step a transfer concludes, by the state the tip is in.
_CONCLUDED_BY_TRANSFER = {
    workflow.SUBMITTED: "screened_at",
    workflow.SCREENED: "verified_at",
    workflow.VERIFIED: "handled_at",
}


def do_transfer_tip(tip, *, acting_user, to_body, note="", expected_version=None, now=None):
    """Send the tip to the body with authority (移送): it concludes the running step, and the
    submitter is answered next. ``to_body`` names the receiving body (kept encrypted)."""
    to_body = _text(to_body, needed=True, limit=MAX_BODY_NAME, missing=_("Name the body the tip goes to."))
    text = _("Transferred to: %(body)s") % {"body": to_body}
    note = (note or "").strip()
    if note:
        text = f"{text}\n{note}"
    concluded = _CONCLUDED_BY_TRANSFER.get(tip.case.status)
    # The text is never empty: it names the body.
    return _staff_step(
        tip,
        "transfer",
        acting_user,
        text,
        expected_version=expected_version,
        now=now,
        changes_for=lambda now: _to_answer(
            now, outcome=workflow.TRANSFERRED, **({concluded: now} if concluded else {})
        ),
    )


def do_extend_tip_verification(tip, *, acting_user, reason, expected_version=None, now=None):
    """Move the verification deadline once (``rules.extended_verify_due``), with a reason."""

    def changes(now):
        try:
            due = rules.extended_verify_due(
                tip.verify_due_at, extensions_so_far=tip.verify_extensions, config=step_periods()
            )
        except rules.RuleError as e:
            raise Invalid(_("Verification has already been extended once.")) from e
        return {"step_due_at": due, "overdue_marked": False}, {
            "verify_due_at": due,
            "verify_extensions": tip.verify_extensions + 1,
        }

    return _staff_step(
        tip,
        "extend_verification",
        acting_user,
        reason,
        expected_version=expected_version,
        now=now,
        missing=_("Say why verification needs more time."),
        changes_for=changes,
    )


def do_handle_tip(tip, *, acting_user, note, expected_version=None, now=None):
    """The substantiated tip has been dealt with; ``note`` says how. The answer is due next."""
    return _staff_step(
        tip,
        "handle",
        acting_user,
        note,
        expected_version=expected_version,
        now=now,
        missing=_("Write how the tip was dealt with."),
        changes_for=lambda now: _to_answer(now, handled_at=now),
    )


def do_answer_tip(tip, *, acting_user, answer, expected_version=None, now=None):
    """The final answer to the submitter, who reads it with the receipt code; the tip closes."""
    return _staff_step(
        tip,
        "answer",
        acting_user,
        answer,
        expected_version=expected_version,
        now=now,
        missing=_("Write the message to the submitter."),
        changes_for=lambda now: ({"closed_at": now, **NO_STEP}, {"answered_at": now}),
        kind=TipMessage.Kind.ANSWER,
    )


def do_reply_tip(tip, *, acting_user, text, expected_version=None, now=None):
    """A message to the submitter while the tip is open (a question, a progress note)."""
    return _staff_step(
        tip,
        "reply",
        acting_user,
        text,
        expected_version=expected_version,
        now=now,
        missing=_("Write the message to the submitter."),
        kind=TipMessage.Kind.REPLY,
    )


def do_note_tip(tip, *, acting_user, note, expected_version=None, now=None):
    """An internal note of the tip handlers (never shown to the submitter)."""
    return _staff_step(
        tip, "note", acting_user, note, expected_version=expected_version, now=now, missing=_("Write the note.")
    )


# --- rewards --------------------------------------------------------------------------------


def parse_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(_("Give the amount in yuan, e.g. 2000 or 2000.50.")) from None
    return amount


def do_propose_tip_reward(tip, *, acting_user, amount, basis, now=None) -> TipReward:
    """Propose a reward for a substantiated tip: its amount and basis; a second tip handler decides."""
    case = tip.case
    actor = actor_for_tip(acting_user, tip)
    _check(case, "propose_reward", actor)
    amount = parse_amount(amount)
    try:
        rules.check_reward(amount, outcome=tip.outcome)
    except rules.RuleError as e:
        if tip.outcome != workflow.SUBSTANTIATED:
            raise Invalid(_("A reward is only for a substantiated tip.")) from e
        raise Invalid(
            _("The amount must be more than 0 and at most %(max)s yuan, with at most two decimals.")
            % {"max": rules.MAX_REWARD}
        ) from e
    amount = amount.quantize(Decimal("0.01"))
    basis = _text(basis, needed=True, limit=MAX_NOTE, missing=_("Say why the tip earns a reward."))
    now = now or timezone.now()
    with transaction.atomic():
        if tip.rewards.filter(decision=TipReward.Decision.PENDING).exists():
            raise Invalid(_("A reward proposal is already waiting for a decision."))
        reward = TipReward.objects.create(
            tip=tip, amount=amount, basis=crypto.encrypt_text(basis), proposed_by=actor.user, proposed_at=now
        )
        apply_transition(case, "propose_reward", actor, now=now, payload={"reward": reward.pk, "amount": str(amount)})
    return reward


def do_decide_tip_reward(tip, reward, *, acting_user, approve: bool, note="", now=None) -> TipReward:
    """Approve or refuse a proposed reward: only a tip handler other than the one who proposed it."""
    case = tip.case
    actor = actor_for_tip(acting_user, tip)
    _check(case, "decide_reward", actor)
    if reward.tip_id != tip.pk or reward.decision != TipReward.Decision.PENDING:
        raise Invalid(_("This reward proposal is not waiting for a decision."))
    try:
        rules.check_reward_approver(reward.proposed_by_id, getattr(actor.user, "pk", None))
    except rules.RuleError as e:
        raise Forbidden(_("A second tip handler must decide a reward you proposed.")) from e
    note = _text(note, needed=not approve, limit=MAX_NOTE, missing=_("Say why the reward is refused."))
    decision = TipReward.Decision.APPROVED if approve else TipReward.Decision.REFUSED
    now = now or timezone.now()
    with transaction.atomic():
        taken = TipReward.objects.filter(pk=reward.pk, decision=TipReward.Decision.PENDING).update(
            decision=decision,
            decided_by=actor.user,
            decided_at=now,
            decision_note=crypto.encrypt_text(note) if note else None,
        )
        if taken != 1:
            raise Conflict(_("This reward was decided by someone else in the meantime."))
        apply_transition(case, "decide_reward", actor, now=now, payload={"reward": reward.pk, "decision": decision})
    reward.refresh_from_db()
    return reward
