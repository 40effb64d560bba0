"""Every read of the tip line goes through here.

Staff: only users holding the ``tip_handler`` role see tips, and only those in their scope: a tip
that names a district is in the scope of whoever's regions cover that district; a tip that names
no place is in the scope of tip handlers whose regions cover the whole city. (Category scopes
apply as everywhere, to the tip-line category.) Anyone else gets the same 404 as for a tip that
does not exist. Listing tips shows no content; reading the content, a photo or the contact is
logged first (``privacy.access_log.log_read``) and decrypted after.

Submitters: a tip is found by its receipt code and passphrase only. A wrong code and a wrong
passphrase get the same refusal, after the same slow hash, and both count against the rate
limits of ``tips/throttle.py``.

The general case lists (``cases/access.py``) must leave tips out; see the app's tests.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.cases.actions import Actor, CaseError, Forbidden, Invalid
from civicgrid.cases.models import Case
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT
from civicgrid.org import access
from civicgrid.org.roles import Role
from civicgrid.privacy.access_log import MAX_PURPOSE, log_read
from civicgrid.tips import crypto, receipts, throttle, workflow
from civicgrid.tips.models import Tip, TipAttachment, TipMessage, TipReward

# What the access log says was read.
FIELD_CONTENT = "tip_content"
FIELD_ATTACHMENT = "tip_attachment"
FIELD_CONTACT = "tip_contact"


class WrongReceipt(Forbidden):
    """The receipt code or the passphrase is wrong (which one is never said)."""


class TooManyAttempts(CaseError):
    status = 429


# --- staff ----------------------------------------------------------------------------------


def is_tip_handler(user) -> bool:
    return access.has_role(user, Role.TIP_HANDLER)


def _covers_city(user) -> bool:
    return access.region_code_in_scope(user, settings.CITY_CODE)


def tips_q(user) -> Q:
    """Filter on ``Tip`` for the tips ``user`` may see (nothing for anyone without the role)."""
    if not is_tip_handler(user):
        return Q(pk__in=[])
    where = access.region_scope_q(user, "case__grid_code")
    if _covers_city(user):
        where |= Q(case__grid_code="")
    return Q(case__kind=Case.Kind.TIP) & where & access.category_scope_q(user, "case__category")


def visible_tips(user):
    return Tip.objects.filter(tips_q(user)).select_related("case")


def may_see_tip(user, tip) -> bool:
    case = tip.case
    if not is_tip_handler(user):
        return False
    if case.kind != Case.Kind.TIP:
        return False
    if not access.category_in_scope(user, case.category_id):
        return False
    if case.grid_code:
        return access.region_code_in_scope(user, case.grid_code)
    return _covers_city(user)


def access_tip_by_id(user, tip_id, *, for_update=False) -> Tip:
    """The tip with ``tip_id`` if ``user`` may see it; else 404 (also when it does not exist)."""
    try:
        tip_id = int(tip_id)
    except (TypeError, ValueError):
        raise Http404 from None
    qs = Tip.objects.select_related("case", "case__category")
    if for_update:
        qs = qs.select_for_update()
    tip = qs.filter(pk=tip_id).first()
    if tip is None:
        raise Http404
    if not may_see_tip(user, tip):
        raise Http404
    return tip


# Roles that read the tip line's aggregate numbers (no content) for the regions in their scope.
NUMBERS_ROLES = frozenset({Role.TIP_HANDLER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR})


def may_read_numbers(user) -> bool:
    return user is not None and bool(access.roles_of(user) & NUMBERS_ROLES)


def numbers_region_prefix(user, code: str) -> str:
    """The code prefix of region ``code`` (empty or the city's code: the whole city) for the
    numbers, if the user's scope covers it; else 404."""
    from civicgrid.tips.numbers import city_prefix

    if not code or code == settings.CITY_CODE:
        if not _covers_city(user):
            raise Http404
        return city_prefix()
    return access.access_region_by_code(user, code).subtree_prefix


def actor_for_tip(user, tip) -> Actor:
    """The actor ``user`` is on ``tip``: a tip handler when they may see it."""
    roles = {RESIDENT}
    if may_see_tip(user, tip):
        roles.add(workflow.TIP_HANDLER)
    return Actor(user if user is not None and user.is_authenticated else None, roles)


def submitter_actor() -> Actor:
    """Whoever gave the receipt code and passphrase: acts as the tip's reporter, as nobody."""
    return Actor(None, {REPORTER})


@dataclass
class MessageView:
    pk: int
    kind: str
    kind_label: str
    action: str
    text: str
    author: str
    created_at: object
    attachment_ids: list[int] = field(default_factory=list)


@dataclass
class RewardView:
    reward: TipReward
    basis: str
    decision_note: str
    proposed_by: str
    decided_by: str


@dataclass
class TipView:
    """A tip as a tip handler reads it: decrypted, once the read was logged."""

    tip: Tip
    text: str
    topic: str
    topic_label: str
    has_contact: bool
    messages: list[MessageView]
    attachment_ids: list[int]
    rewards: list[RewardView]


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _purpose(purpose: str) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        raise Invalid(_("Say why you read this tip."))
    return purpose[:MAX_PURPOSE]


def _content(tip) -> tuple[str, str]:
    data = crypto.decrypt_json(tip.content)
    return data.get("text", ""), data.get("topic", "")


def topic_label(topic: str) -> str:
    return str(Tip.Topic(topic).label) if topic in Tip.Topic.values else ""


def _messages(tip, kinds=None) -> list[MessageView]:
    rows = TipMessage.objects.filter(tip=tip).select_related("author").order_by("created_at", "pk")
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    rows = list(rows)
    photos: dict[int, list[int]] = {}
    for pk, message_id in TipAttachment.objects.filter(tip=tip, message__in=rows).values_list("pk", "message_id"):
        photos.setdefault(message_id, []).append(pk)
    return [
        MessageView(
            pk=m.pk,
            kind=m.kind,
            kind_label=str(TipMessage.Kind(m.kind).label),
            action=m.action,
            text=crypto.decrypt_text(m.body),
            author=_name(m.author),
            created_at=m.created_at,
            attachment_ids=photos.get(m.pk, []),
        )
        for m in rows
    ]


def read_tip(user, tip, *, purpose: str, request=None) -> TipView:
    """``tip`` decrypted for ``user`` (who got it from ``access_tip_by_id``), after logging the read."""
    if not may_see_tip(user, tip):
        raise Http404
    log_read(user, tip.case, FIELD_CONTENT, _purpose(purpose), request)
    text, topic = _content(tip)
    rewards = [
        RewardView(
            reward=r,
            basis=crypto.decrypt_text(r.basis),
            decision_note=crypto.decrypt_text(r.decision_note) if r.decision_note else "",
            proposed_by=_name(r.proposed_by),
            decided_by=_name(r.decided_by),
        )
        for r in tip.rewards.select_related("proposed_by", "decided_by").order_by("proposed_at", "pk")
    ]
    return TipView(
        tip=tip,
        text=text,
        topic=topic,
        topic_label=topic_label(topic),
        has_contact=tip.contact is not None,
        messages=_messages(tip),
        attachment_ids=list(
            TipAttachment.objects.filter(tip=tip, message__isnull=True).order_by("pk").values_list("pk", flat=True)
        ),
        rewards=rewards,
    )


def read_attachment(user, tip, attachment_id, *, request=None) -> tuple[bytes, str]:
    """One photo of ``tip``, decrypted, after logging the read; 404 when it is not this tip's."""
    if not may_see_tip(user, tip):
        raise Http404
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        raise Http404 from None
    attachment = TipAttachment.objects.filter(tip=tip, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    log_read(user, tip.case, FIELD_ATTACHMENT, _("Photo %(id)s of the tip") % {"id": attachment.pk}, request)
    return crypto.decrypt(attachment.data), attachment.content_type


def reveal_tip_contact(user, tip, *, purpose: str, request=None) -> str:
    """The contact the submitter chose to leave, for a tip handler who says why; logged first."""
    if not may_see_tip(user, tip):
        raise Http404
    if tip.contact is None:
        raise Invalid(_("The submitter left no contact."))
    log_read(user, tip.case, FIELD_CONTACT, _purpose(purpose), request)
    return crypto.decrypt_text(tip.contact)


# --- submitters -----------------------------------------------------------------------------


def access_tip_by_receipt(code: str, passphrase: str, *, address: str | None) -> Tip:
    """The tip whose receipt code and passphrase these are.

    TooManyAttempts while the code or the address has used up its attempts; WrongReceipt
    (counted) when either is wrong — the same refusal whether or not the code exists."""
    code_digest = receipts.digest(code)
    if throttle.check_blocked(code_digest, address):
        raise TooManyAttempts(_("Too many attempts. Wait a quarter of an hour and try again."))
    passphrase = passphrase or ""
    tip = None
    if receipts.looks_valid(code):
        tip = Tip.objects.select_related("case").filter(receipt_digest=code_digest).first()
    if tip is None:
        # Spend the time a real check takes, so that the answer's timing says nothing either.
        make_password(passphrase)
        ok = False
    else:
        ok = check_password(passphrase, tip.passphrase_hash)
    if not ok:
        throttle.record_check_failure(code_digest, address)
        raise WrongReceipt(_("The receipt code or the passphrase is not right."))
    return tip


@dataclass
class SubmitterView:
    """What the submitter reads about their own tip: its progress, their text, the messages and
    answers to them, and an approved reward. No staff names, no internal notes."""

    tip: Tip
    status: str
    status_label: str
    is_open: bool
    text: str
    topic_label: str
    steps: list[tuple[str, object]]
    messages: list[MessageView]
    photos_sent: int
    rewards: list[TipReward]


def submitter_view(tip) -> SubmitterView:
    from civicgrid.tips.models import Status

    case = tip.case
    text, topic = _content(tip)
    steps = [
        (_("Submitted"), tip.created_at),
        (_("First check done"), tip.screened_at),
        (_("Verification done"), tip.verified_at),
        (_("Handling done"), tip.handled_at),
        (_("Answered"), tip.answered_at),
    ]
    messages = _messages(tip, kinds=TipMessage.SUBMITTER_KINDS)
    for m in messages:
        if m.kind != TipMessage.Kind.INFORMATION:
            m.author = ""  # the submitter does not learn who handles their tip
    return SubmitterView(
        tip=tip,
        status=case.status,
        status_label=str(Status(case.status).label) if case.status in Status.values else case.status,
        is_open=case.status in workflow.OPEN,
        text=text,
        topic_label=topic_label(topic),
        steps=[(label, at) for label, at in steps if at is not None],
        messages=messages,
        photos_sent=TipAttachment.objects.filter(tip=tip).count(),
        rewards=list(tip.rewards.filter(decision=TipReward.Decision.APPROVED).order_by("decided_at", "pk")),
    )
