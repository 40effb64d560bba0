"""Who is told about a case event, and what: ``queue_for_event`` writes the ``Outbox`` rows.

Runs when ``cases.signals.event_committed`` is sent, after the transaction of a case action
commits (``cases/actions.py``), so a message is queued only for a change that really happened,
and nothing here can undo or block the change.

- The reporter (their contact, if it is an email address, or their account's email) and the
  case's supporters with an email address are told when the case is accepted, rejected (with
  the reason), handled (with the result, asked to confirm the fix), closed (asked to rate it),
  merged (told which case it now follows) or reopened. A resident's message links to their own
  private tracking page; a supporter who said "me too" gets no link, since the tracking link
  lets its holder act as the reporter.
- Supervisors whose scope covers the case (``org/access.py``) are told when it is escalated
  or urged, with a link to the staff case page.
- Every active ``Webhook`` that wants the action gets the event's public facts as JSON.

Messages are written in the site's default language, the same for every recipient. No message
carries another resident's contact.
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT
from civicgrid.geo import codes
from civicgrid.lib.refreshing import Refreshing
from civicgrid.notify.models import Outbox, Webhook
from civicgrid.org import access
from civicgrid.org.models import Staff
from civicgrid.org.roles import Role

logger = logging.getLogger(__name__)

RESIDENT_ACTIONS = frozenset({"accept", "reject", "handle", "verify", "merge", "reopen"})
SUPERVISOR_ACTIONS = frozenset({"escalate", "urge"})


# Which webhooks are active is read at most every WEBHOOK_CHECK_SECONDS by each process, and at
# once after a webhook is saved or deleted in this process: an event that no message and no
# webhook wants (a new report, most steps) then costs no query at all. A webhook added in another
# process receives events from its next check on, seconds later.
WEBHOOK_CHECK_SECONDS = 5.0


ACTIVE_WEBHOOKS = Refreshing(lambda: tuple(Webhook.objects.filter(active=True).order_by("id")), WEBHOOK_CHECK_SECONDS)


def on_event_committed(sender, *, case_id, event_id, action=None, kind=None, **kwargs) -> None:
    if action is not None and not may_be_wanted(action, kind):
        return
    queue_for_event(case_id, event_id)


def may_be_wanted(action: str, kind: str | None) -> bool:
    """False when no message can come of ``action`` on a case of ``kind``: no resident or
    supervisor is told of it and no active webhook asks for it. True means "look closer"."""
    if kind == Case.Kind.TIP:
        return False  # nothing about a tip ever leaves the tip line
    if action in RESIDENT_ACTIONS or action in SUPERVISOR_ACTIONS:
        return True
    return any(hook.wants(action) for hook in ACTIVE_WEBHOOKS.get())


def queue_for_event(case_id: int, event_id: int) -> int:
    """Queue the messages about event ``event_id`` of case ``case_id``; returns how many rows.

    Errors are logged, never raised: the case change has already been committed."""
    try:
        with transaction.atomic():
            return _queue(case_id, event_id)
    except Exception:
        logger.exception("could not queue notifications for case %s event %s", case_id, event_id)
        return 0


def _queue(case_id: int, event_id: int) -> int:
    event = (
        CaseEvent.objects.select_related("case__category", "case__reporter")
        .filter(pk=event_id, case_id=case_id)
        .first()
    )
    if event is None:
        return 0
    case = event.case
    if case.kind == Case.Kind.TIP:
        return 0  # nothing about a tip ever leaves the tip line
    rows: list[Outbox] = []
    with translation.override(settings.LANGUAGE_CODE):
        if event.action in RESIDENT_ACTIONS:
            rows += _resident_rows(case, event)
        if event.action in SUPERVISOR_ACTIONS:
            rows += _supervisor_rows(case, event)
        rows += _webhook_rows(case, event)
    # The unique constraint drops rows already queued for this event (a callback run twice).
    Outbox.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def email_address(text: str | None) -> str | None:
    """``text`` if it is an email address, else None (a phone number, blank)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        validate_email(text)
    except ValidationError:
        return None
    return text


# --- residents ------------------------------------------------------------------------------


def _resident_rows(case: Case, event: CaseEvent) -> list[Outbox]:
    """The reporter first (their message asks them to confirm and rate), then the supporters;
    each address once."""
    rows: list[Outbox] = []
    seen: set[str] = set()

    def add(address, *, is_reporter, track_token):
        if address is None or address.lower() in seen:
            return
        seen.add(address.lower())
        subject, body = resident_message(case, event, is_reporter=is_reporter, track_token=track_token)
        rows.append(_email_row(case, event, address, subject, body))

    reporter_user = case.reporter
    add(
        email_address(case.contact) or email_address(reporter_user.email if reporter_user else None),
        is_reporter=True,
        track_token=case.tracking_token,
    )
    for s in case.supporters.select_related("user", "via_merge").order_by("id"):
        # A supporter whose own report was merged here follows it through that report's page.
        token = s.via_merge.tracking_token if s.via_merge is not None else None
        add(
            email_address(s.contact) or email_address(s.user.email if s.user else None),
            is_reporter=False,
            track_token=token,
        )
    return rows


def resident_message(case: Case, event: CaseEvent, *, is_reporter: bool, track_token: str | None) -> tuple[str, str]:
    """(subject, body) of a resident's message about ``event``."""
    n = {"number": case.number}
    action = event.action
    if action == "accept":
        subject = _("Case %(number)s accepted") % n
        if is_reporter:
            text = _("The problem you reported as case %(number)s has been accepted and goes to the unit responsible.")
        else:
            text = _("Case %(number)s, which you follow, has been accepted and goes to the unit responsible.")
        lines = [text % n]
    elif action == "reject":
        subject = _("Case %(number)s not accepted") % n
        lines = [_("Case %(number)s has not been accepted.") % n]
        if event.public and event.reason:
            lines.append(_("Reason: %(reason)s") % {"reason": event.reason})
    elif action == "handle":
        subject = _("Case %(number)s handled") % n
        lines = [_("The unit responsible reports that case %(number)s has been handled.") % n]
        if event.public and event.reason:
            lines.append(_("What was done: %(result)s") % {"result": event.reason})
        if is_reporter:
            lines.append(
                _(
                    "Please check the place: confirm that the problem is fixed, or tell us that it is not, "
                    "and rate the result on your tracking page."
                )
            )
    elif action == "verify":
        subject = _("Case %(number)s closed") % n
        lines = [_("Case %(number)s has been verified as fixed and is closed.") % n]
        if is_reporter:
            lines.append(_("Please rate how it was handled on your tracking page."))
    elif action == "merge":
        into = {"number": case.number, "parent": (event.payload or {}).get("into", "")}
        subject = _("Case %(number)s merged into case %(parent)s") % into
        lines = [
            _(
                "Case %(number)s reports the same problem as case %(parent)s and has been merged into it. "
                "You will be told about case %(parent)s from now on."
            )
            % into
        ]
    elif action == "reopen":
        subject = _("Case %(number)s reopened") % n
        lines = [_("Case %(number)s has been reopened and goes back to the unit responsible.") % n]
    else:  # pragma: no cover - RESIDENT_ACTIONS lists the actions above
        raise ValueError(action)
    if track_token:
        lines.append(_("Follow it at: %(path)s") % {"path": _url(f"/track/{track_token}")})
    return subject, "\n\n".join(lines)


# --- supervisors ----------------------------------------------------------------------------


def supervisors_for(case: Case, *, exclude_user_id=None) -> list:
    """Users holding the supervisor role whose scope covers ``case``, who have an email address.

    The query narrows to supervisors whose scope regions (or unit region, when the scope names
    none) are the case's grid or one of its ancestors; ``org/access.py`` then decides, the one
    place that interprets scopes (categories included)."""
    covering = {*codes.ancestors(case.grid_code).values(), settings.CITY_CODE}
    staff = (
        Staff.objects.filter(roles__role=Role.SUPERVISOR, unit__active=True, user__is_active=True)
        .filter(Q(scope_regions__code__in=covering) | Q(scope_regions__isnull=True, unit__region__code__in=covering))
        .exclude(user__email="")
        .select_related("user")
        .distinct()
        .order_by("id")
    )
    users = []
    for s in staff:
        if s.user_id == exclude_user_id or email_address(s.user.email) is None:
            continue
        if access.can_act(s.user, Role.SUPERVISOR, case.grid_code, case.category_id):
            users.append(s.user)
    return users


def supervisor_message(case: Case, event: CaseEvent) -> tuple[str, str]:
    n = {"number": case.number, "category": case.category.name}
    if event.action == "escalate":
        payload = event.payload or {}
        level = dict(Case.Level.choices).get(payload.get("level", ""), payload.get("level", ""))
        subject = _("Case %(number)s is overdue and escalated") % n
        lines = [
            _("Case %(number)s (%(category)s) has passed its deadline and was escalated to the %(level)s level.")
            % {**n, "level": level}
        ]
    else:
        subject = _("Case %(number)s urged") % n
        lines = [_("Case %(number)s (%(category)s) was urged by a supervisor.") % n]
        if event.reason:
            lines.append(_("Note: %(reason)s") % {"reason": event.reason})
    lines.append(_("Open it at: %(path)s") % {"path": _url(f"/cases/{case.pk}")})
    return subject, "\n\n".join(lines)


def _supervisor_rows(case: Case, event: CaseEvent) -> list[Outbox]:
    subject, body = supervisor_message(case, event)
    return [
        _email_row(case, event, user.email.strip(), subject, body)
        for user in supervisors_for(case, exclude_user_id=event.actor_id)
    ]


# --- webhooks -------------------------------------------------------------------------------


def webhook_payload(case: Case, event: CaseEvent) -> dict:
    """The public facts of ``event``: no contact, no reporter, no actor. A reason is included
    only on a public event, and only when staff wrote it (a resident's own words may hold
    personal details)."""
    data = {
        "case": case.number,
        "seq": event.seq,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "at": event.at.isoformat(),
    }
    if event.public and event.reason and event.actor_role not in (REPORTER, RESIDENT):
        data["reason"] = event.reason
    return data


def _webhook_rows(case: Case, event: CaseEvent) -> list[Outbox]:
    if case.kind != Case.Kind.PROBLEM and not event.public:
        return []  # other workflows' internal steps never leave the system
    hooks = [h for h in ACTIVE_WEBHOOKS.get() if h.wants(event.action)]
    if not hooks:
        return []
    payload = webhook_payload(case, event)
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return [
        Outbox(
            channel=Outbox.Channel.WEBHOOK,
            recipient=str(h.pk),
            subject=f"{case.number} {event.action}",
            body=body,
            payload=payload,
            case=case,
            event=event,
        )
        for h in hooks
    ]


# --- helpers --------------------------------------------------------------------------------


def _email_row(case, event, address, subject, body) -> Outbox:
    return Outbox(
        channel=Outbox.Channel.EMAIL,
        recipient=address,
        subject=subject[:200],
        body=body,
        payload={"case": case.number, "action": event.action},
        case=case,
        event=event,
    )


def _url(path: str) -> str:
    """``path`` on the public site: absolute when ``PUBLIC_BASE_URL`` is set."""
    base = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    return base.rstrip("/") + path
