"""Every change to a case: ``do_<verb>_case(case, ..., acting_user=...)``.

Each action checks the workflow table (``workflow/problem.py``) and the actor's roles on the case
(``cases/access.py``), then in one transaction: a conditional UPDATE on the case's version (a
second action on the same version finds nothing to update and fails with ``Conflict``), the
hash-chained event, and notifications queued for after the commit. Views, the API, admin and
commands call these; nothing else writes a case.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases import chain, deadlines, routing
from civicgrid.cases.access import roles_on_case
from civicgrid.cases.models import Case, CaseEvent, Supporter
from civicgrid.cases.signals import event_committed
from civicgrid.cases.workflow import problem, workflow_for
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, SYSTEM, NotAllowed, UnknownAction
from civicgrid.geo.locator import OutsideServiceArea, get_locator, to_city_crs
from civicgrid.lib.rows import RowInsert, prepared_cursor
from civicgrid.lib.workcalendar import parse_duration
from civicgrid.org import access
from civicgrid.org.roles import Role

# Which role an event records when the actor holds several that allow the action.
ROLE_PREFERENCE = (SYSTEM, Role.HANDLER, Role.GRID_WORKER, Role.DISPATCHER, Role.SUPERVISOR, REPORTER, RESIDENT)
# The change that stops a case's clock (closed, rejected, merged, parked: no step is running).
PUBLIC_ACTIONS = problem.PROBLEM.public_actions
NO_STEP = {"step": "", "step_started_at": None, "step_due_at": None}
MAX_DESCRIPTION = 2000
# A case number is its local report date (YYMMDD) and 8 of these: Crockford base32, no I, L, O, U.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_REASON = 1000


class CaseError(Exception):
    """A refused action. ``message`` is for the person who tried; ``status`` the HTTP code."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Invalid(CaseError):
    status = 400


class Forbidden(CaseError):
    status = 403


class Conflict(CaseError):
    status = 409


@dataclass
class Actor:
    """Who acts: a user (or None for an anonymous resident or the system) and their roles here."""

    user: object
    roles: set
    role: str = RESIDENT


def pick_role(roles, allowed) -> str:
    """The role an event records for an actor holding ``roles`` when ``allowed`` may act."""
    for r in ROLE_PREFERENCE:
        if r in roles and r in allowed:
            return r
    return sorted(roles & allowed)[0]


def _check(case: Case, action: str, roles: set, *, creating: bool = False):
    """The transition of ``case``'s workflow, or Forbidden/Invalid with a message for the person
    who tried. With ``creating``, ``action`` must be one that creates a case."""
    workflow = workflow_for(case.kind)
    state = None if creating else case.status
    try:
        t = workflow.check(state, action, roles)
    except NotAllowed as e:
        if state is not None and action in workflow.allowed(state, set(workflow.transition(action).roles)):
            raise Forbidden(_("You may not take this action on this case.")) from e
        raise Forbidden(
            _("'%(action)s' is not allowed while the case is '%(state)s'.")
            % {"action": action, "state": case.get_status_display() if state else "-"}
        ) from e
    except UnknownAction as e:
        raise Invalid(_("Unknown action '%(action)s'.") % {"action": action}) from e
    return t


def _clean_reason(reason: str, needed: bool) -> str:
    reason = (reason or "").strip()
    if needed and not reason:
        raise Invalid(_("A reason is required for this action."))
    if len(reason) > MAX_REASON:
        raise Invalid(_("The reason is too long (at most %(n)s characters).") % {"n": MAX_REASON})
    return reason


@dataclass
class _Step:
    """What a transition will write: checked against the table, not yet written."""

    from_state: str
    to_state: str
    reason: str
    payload: dict
    changes: dict


def _plan(case: Case, action: str, actor: Actor, *, reason, payload, changes, now, creating=False) -> _Step:
    """Check ``action`` on ``case`` for ``actor`` (Forbidden, Invalid) and work out its change."""
    t = _check(case, action, actor.roles, creating=creating)
    actor.role = pick_role(actor.roles, t.roles)
    changes = dict(changes or {})
    if t.starts_step and "step" not in changes:
        changes.update(
            step=t.starts_step,
            step_started_at=now,
            step_due_at=deadlines.due_at(case.category, t.starts_step, now),
            overdue_marked=False,
        )
    return _Step(
        from_state="" if creating else case.status,
        to_state=t.leads_to(case.status),
        reason=_clean_reason(reason, t.needs_reason),
        payload=payload or {},
        changes=changes,
    )


def _event(case: Case, step: _Step, action: str, actor: Actor, *, seq, at) -> CaseEvent:
    """The next event of ``case`` for ``step``, chained to its last one (not yet saved)."""
    actor_id = getattr(actor.user, "pk", None)
    content = chain.canonical(
        case.pk, seq, at, actor_id, actor.role, action, step.from_state, step.to_state, step.reason, step.payload
    )
    return CaseEvent(
        case=case,
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_role=actor.role,
        action=action,
        from_state=step.from_state,
        to_state=step.to_state,
        reason=step.reason,
        payload=step.payload,
        public=action in workflow_for(case.kind).public_actions,
        prev_hash=case.last_event_hash,
        hash=chain.link(case.last_event_hash, content),
    )


def apply_transition(
    case: Case, action: str, actor: Actor, *, reason="", payload=None, changes=None, now=None, expected_version=None
) -> CaseEvent:
    """Check ``action`` against the case's workflow table, then write the case change and its event
    atomically. The building block of every action here and in the apps that add workflows
    (disputes, grievances, tips): they call it, never write a case themselves. A case is
    created by ``create_case``."""
    _check_version(case, expected_version)
    now = now or timezone.now()
    step = _plan(case, action, actor, reason=reason, payload=payload, changes=changes, now=now)
    changes = step.changes
    version = case.version if expected_version is None else int(expected_version)
    with transaction.atomic():
        event = _event(case, step, action, actor, seq=version + 1, at=now)
        updated = Case.objects.filter(pk=case.pk, version=version).update(
            status=step.to_state, version=version + 1, last_event_hash=event.hash, updated_at=now, **changes
        )
        if updated != 1:
            raise Conflict(_("This case was changed by someone else in the meantime. Reload it and try again."))
        event.save(force_insert=True)
        computed = [f for f, v in changes.items() if hasattr(v, "resolve_expression")]
        for field, value in changes.items():
            if field not in computed:
                setattr(case, field, value)
        if computed:
            case.refresh_from_db(fields=computed)
        case.status, case.version, case.last_event_hash = step.to_state, version + 1, event.hash
        _notify_on_commit(case, event)
    return event


def _notify_on_commit(case, event):
    """Tell listeners (notifications, webhooks) once the change is committed; a listener's failure
    cannot undo or block the action."""
    facts = {"case_id": case.pk, "event_id": event.pk, "action": event.action, "kind": case.kind}
    transaction.on_commit(lambda: event_committed.send_robust(sender=Case, **facts), robust=True)


def permitted(case: Case, action: str, user, *, has_token=False, expected_version=None) -> Actor:
    """The actor, once the table allows ``action`` on ``case`` for ``user``; Forbidden otherwise.

    Actions call this before validating their other input, so that a refusal is always the
    same whatever else is wrong."""
    _check_version(case, expected_version)
    actor = actor_for(user, case, has_token=has_token)
    _check(case, action, actor.roles)
    return actor


def _check_version(case: Case, expected_version) -> None:
    """A form or request made on an older version gets the conflict message first, whatever the
    case has become since (its actions may no longer be allowed)."""
    if expected_version is not None and int(expected_version) != case.version:
        raise Conflict(_("This case was changed by someone else in the meantime. Reload it and try again."))


def actor_for(user, case: Case | None = None, *, has_token=False) -> Actor:
    roles = roles_on_case(user, case, has_token=has_token) if case else {RESIDENT, *access.roles_of(user)}
    return Actor(user if user is not None and user.is_authenticated else None, roles)


# --- creating a case ------------------------------------------------------------------------


def _new_number(now) -> str:
    local = timezone.localtime(now)
    return local.strftime("%y%m%d") + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def locate_report(lat, lon, crs="wgs84"):
    """(x, y, Location) of a reported point; Invalid when it is bad or outside the city."""
    try:
        x, y = to_city_crs(lat, lon, crs)
        return x, y, get_locator().locate(x, y)
    except OutsideServiceArea as e:
        raise Invalid(str(e)) from e
    except ValueError as e:
        raise Invalid(str(e)) from e


def do_report_case(
    *,
    acting_user,
    category,
    lat,
    lon,
    description,
    crs="wgs84",
    source=Case.Source.WEB,
    address="",
    contact="",
    contact_shared=False,
    idempotency_key=None,
    now=None,
) -> tuple[Case, bool]:
    """Create a problem case. Returns ``(case, created)``; with an ``idempotency_key`` already
    used, returns the case it created the first time and ``created=False``."""
    existing = _existing(idempotency_key)
    if existing is not None:
        return existing, False
    description = (description or "").strip()
    if not description:
        raise Invalid(_("Describe the problem."))
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(_("The description is too long (at most %(n)s characters).") % {"n": MAX_DESCRIPTION})
    if len(address) > 300 or len(contact) > 120:
        raise Invalid(_("The address or contact is too long."))
    if not category.active or category.kind not in ("component", "event") or category.parent_id is None:
        raise Invalid(_("Choose an active problem category."))
    x, y, loc = locate_report(lat, lon, crs)
    actor = actor_for(acting_user)
    if source == Case.Source.PATROL and not access.can_act(acting_user, Role.GRID_WORKER, loc.grid):
        raise Forbidden(_("Only a grid worker of this grid may file a patrol report."))
    now = now or timezone.now()
    accept_due = deadlines.due_at(category, "accept", now)
    fields = dict(
        source=source,
        category=category,
        description=description,
        address=address,
        x=x,
        y=y,
        grid_code=loc.grid,
        community_code=loc.community,
        street_code=loc.street,
        district_code=loc.district,
        reporter=actor.user,
        contact=contact.strip(),
        contact_shared=bool(contact_shared),
    )
    changes = {"step": "accept", "step_started_at": now, "step_due_at": accept_due, "accept_due_at": accept_due}
    return create_case(
        "report", actor, fields, now=now, payload={"source": source}, changes=changes, idempotency_key=idempotency_key
    )


def _existing(idempotency_key) -> Case | None:
    return Case.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None


def create_case(action, actor, fields, *, now, payload=None, changes=None, idempotency_key=None) -> tuple[Case, bool]:
    """Insert a case and its first event (``action``, a creating action of its workflow).

    The case row is inserted with its final columns (state, version 1, the step and its
    deadline, the hash of its first event), so a submission writes two rows and updates none.
    The event's hash covers the case id: PostgreSQL hands the id out before the insert; on
    SQLite, where ids come from the insert, the hash is stored by one update after it.

    Returns ``(case, created)``: a retried submission with the same ``idempotency_key`` gets the
    case the first one created. A case-number collision (32⁸ numbers a day) draws another."""
    case = Case(reported_at=now, **fields)
    step = _plan(case, action, actor, reason="", payload=payload, changes=changes, now=now, creating=True)
    if any(hasattr(v, "resolve_expression") for v in step.changes.values()):
        raise ValueError("a new case's columns are values, not expressions")
    for field, value in step.changes.items():
        setattr(case, field, value)
    case.status, case.version, case.updated_at = step.to_state, 1, now
    for _attempt in range(5):
        case.pk = None
        case.number = _new_number(now)
        case.tracking_token = Case.new_token()
        case.idempotency_key = idempotency_key or None
        try:
            with transaction.atomic():
                _insert_with_first_event(case, step, action, actor, now)
            return case, True
        except IntegrityError:
            existing = _existing(idempotency_key)
            if existing is not None:
                return existing, False
            if Case.objects.filter(number=case.number).exists():
                continue
            raise
    raise Conflict(_("Could not allocate a case number; try again."))  # pragma: no cover


# A submission's two rows, inserted with statements built once (nothing listens to their saves).
_INSERT_CASE = RowInsert(Case)
_INSERT_EVENT = RowInsert(CaseEvent)


def _insert_with_first_event(case: Case, step: _Step, action: str, actor: Actor, now) -> None:
    case.last_event_hash = ""
    if connection.vendor == "postgresql":
        with prepared_cursor(connection) as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Case._meta.db_table])
            case.pk = cursor.fetchone()[0]
        event = _event(case, step, action, actor, seq=1, at=now)
        case.last_event_hash = event.hash
        _INSERT_CASE(case)
    else:
        _INSERT_CASE(case)
        event = _event(case, step, action, actor, seq=1, at=now)
        Case.objects.filter(pk=case.pk).update(last_event_hash=event.hash)
        case.last_event_hash = event.hash
    _INSERT_EVENT(event)
    _notify_on_commit(case, event)


def do_resolve_case_on_spot(
    *, acting_user, category, lat, lon, description, crs="wgs84", address="", idempotency_key=None, now=None
) -> Case:
    """A grid worker reports, handles and verifies a small matter in one step. A retried
    submission with the same ``idempotency_key`` returns the case the first one created."""
    existing = _existing(idempotency_key)
    if existing is not None:
        return existing
    if not category.on_spot:
        raise Invalid(_("This category cannot be resolved on the spot; report it instead."))
    x, y, loc = locate_report(lat, lon, crs)
    if not access.can_act(acting_user, Role.GRID_WORKER, loc.grid, category.id):
        raise Forbidden(_("Only a grid worker of this grid may resolve a problem here on the spot."))
    description = (description or "").strip()
    if not description or len(description) > MAX_DESCRIPTION:
        raise Invalid(_("Describe the problem and what was done (at most %(n)s characters).") % {"n": MAX_DESCRIPTION})
    now = now or timezone.now()
    staff = access.staff_of(acting_user)
    fields = dict(
        source=Case.Source.PATROL,
        category=category,
        description=description,
        address=address,
        x=x,
        y=y,
        grid_code=loc.grid,
        community_code=loc.community,
        street_code=loc.street,
        district_code=loc.district,
        reporter=acting_user,
    )
    changes = dict(
        owner_unit_id=staff.unit_id if staff else None,
        accepted_at=now,
        dispatched_at=now,
        handled_at=now,
        handle_due_at=now,
        handled_on_time=True,
        closed_at=now,
        closed_on_spot=True,
        **NO_STEP,
    )
    case, _created = create_case(
        "resolve_on_spot",
        Actor(acting_user, {Role.GRID_WORKER}),
        fields,
        now=now,
        changes=changes,
        idempotency_key=idempotency_key,
    )
    return case


# --- the centre -----------------------------------------------------------------------------


def do_accept_case(case, *, acting_user, expected_version=None, now=None):
    now = now or timezone.now()
    return apply_transition(
        case,
        "accept",
        actor_for(acting_user, case),
        now=now,
        expected_version=expected_version,
        changes={"accepted_at": now},
    )


def do_reject_case(case, *, acting_user, reason, expected_version=None, now=None):
    return apply_transition(
        case,
        "reject",
        actor_for(acting_user, case),
        reason=reason,
        now=now,
        expected_version=expected_version,
        changes=NO_STEP,
    )


def do_dispatch_case(case, *, acting_user, unit=None, expected_version=None, now=None):
    """Send the case to ``unit``, or to the responsible unit the routing rules find."""
    actor = permitted(case, "dispatch", acting_user, expected_version=expected_version)
    unit = unit or routing.responsible_unit(case)
    if unit is None:
        raise Invalid(_("No unit serves this place for this category; choose one."))
    if not routing.unit_may_take(unit, case):
        raise Invalid(_("%(unit)s does not serve the place of this case.") % {"unit": unit})
    now = now or timezone.now()
    handle_due = deadlines.due_at(case.category, "handle", now)
    return apply_transition(
        case,
        "dispatch",
        actor,
        now=now,
        expected_version=expected_version,
        payload={"unit": unit.code, "unit_name": unit.name_zh},
        changes={"owner_unit_id": unit.pk, "dispatched_at": now, "handle_due_at": handle_due},
    )


def do_merge_case(case, *, into, acting_user, expected_version=None, now=None):
    """Merge duplicate ``case`` into ``into``: both linked, the duplicate's reporter follows the parent."""
    actor = permitted(case, "merge", acting_user, expected_version=expected_version)
    if into.pk == case.pk or not into.is_open or into.status == problem.MERGED:
        raise Invalid(_("A case can only be merged into another open case."))
    parent_actor = actor_for(acting_user, into)
    if Role.DISPATCHER not in parent_actor.roles:
        raise Forbidden(_("You may not take this action on this case."))
    now = now or timezone.now()
    with transaction.atomic():
        event = apply_transition(
            case,
            "merge",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"into": into.number},
            changes={"parent_id": into.pk, **NO_STEP},
        )
        apply_transition(into, "absorb", parent_actor, now=now, payload={"duplicate": case.number})
        if case.reporter_id or case.contact:
            Supporter.objects.create(case=into, user_id=case.reporter_id, contact=case.contact, via_merge=case)
        for s in case.supporters.all():
            Supporter.objects.create(case=into, user_id=s.user_id, contact=s.contact, via_merge=case)
    return event


# --- the unit -------------------------------------------------------------------------------


def do_return_case(case, *, acting_user, reason, expected_version=None, now=None):
    return apply_transition(
        case,
        "return",
        actor_for(acting_user, case),
        reason=reason,
        now=now,
        expected_version=expected_version,
        payload={"unit": case.owner_unit.code if case.owner_unit else ""},
        changes={"owner_unit_id": None, "return_count": F("return_count") + 1, "handle_due_at": None},
    )


def do_sign_case(case, *, acting_user, expected_version=None, now=None):
    # The handling clock started at dispatch (processes.md §1.3 step 3): the step runs from there.
    started = case.dispatched_at or now or timezone.now()
    return apply_transition(
        case,
        "sign",
        actor_for(acting_user, case),
        now=now,
        expected_version=expected_version,
        changes={
            "step": "handle",
            "step_started_at": started,
            "step_due_at": case.handle_due_at,
            "overdue_marked": False,
        },
    )


def do_start_case(case, *, acting_user, expected_version=None, now=None):
    return apply_transition(case, "start", actor_for(acting_user, case), now=now, expected_version=expected_version)


def do_request_extension(case, *, acting_user, duration, reason, expected_version=None, now=None):
    actor = permitted(case, "request_extension", acting_user, expected_version=expected_version)
    try:
        parsed = parse_duration(duration)
    except ValueError as e:
        raise Invalid(str(e)) from e
    if case.pending_extension:
        raise Invalid(_("An extension request is already pending."))
    return apply_transition(
        case,
        "request_extension",
        actor,
        reason=reason,
        now=now,
        expected_version=expected_version,
        payload={"duration": str(parsed)},
        changes={"pending_extension": str(parsed)},
    )


def do_approve_extension(case, *, acting_user, expected_version=None, now=None):
    actor = permitted(case, "approve_extension", acting_user, expected_version=expected_version)
    if not case.pending_extension:
        raise Invalid(_("There is no pending extension request."))
    new_due = deadlines.add(case.handle_due_at, case.pending_extension)
    changes = {"pending_extension": "", "handle_due_at": new_due, "extension_count": F("extension_count") + 1}
    if case.step == "handle":
        changes.update(step_due_at=new_due, overdue_marked=False)
    event = apply_transition(
        case,
        "approve_extension",
        actor,
        now=now,
        expected_version=expected_version,
        payload={"duration": case.pending_extension, "due": new_due.isoformat()},
        changes=changes,
    )
    return event


def do_refuse_extension(case, *, acting_user, reason, expected_version=None, now=None):
    actor = permitted(case, "refuse_extension", acting_user, expected_version=expected_version)
    if not case.pending_extension:
        raise Invalid(_("There is no pending extension request."))
    return apply_transition(
        case,
        "refuse_extension",
        actor,
        reason=reason,
        now=now,
        expected_version=expected_version,
        payload={"duration": case.pending_extension},
        changes={"pending_extension": ""},
    )


def do_handle_case(case, *, acting_user, result, expected_version=None, now=None):
    """The unit reports what it did (``result``, the evidence text; photos are attached by the caller)."""
    now = now or timezone.now()
    on_time = case.handle_due_at is None or now <= case.handle_due_at
    return apply_transition(
        case,
        "handle",
        actor_for(acting_user, case),
        reason=result,
        now=now,
        expected_version=expected_version,
        changes={"handled_at": now, "handled_on_time": on_time, "pending_extension": ""},
    )


# --- verification, closing, the reporter ----------------------------------------------------


def do_verify_case(case, *, acting_user, has_token=False, expected_version=None, now=None):
    now = now or timezone.now()
    return apply_transition(
        case,
        "verify",
        actor_for(acting_user, case, has_token=has_token),
        now=now,
        expected_version=expected_version,
        changes={"closed_at": now, **NO_STEP},
    )


def do_fail_verification(case, *, acting_user, reason, has_token=False, expected_version=None, now=None):
    """The fix did not hold: back to the unit as rework. The handling deadline does not move."""
    now = now or timezone.now()
    return apply_transition(
        case,
        "fail_verification",
        actor_for(acting_user, case, has_token=has_token),
        reason=reason,
        now=now,
        expected_version=expected_version,
        changes={
            "rework_count": F("rework_count") + 1,
            "step": "handle",
            "step_started_at": now,
            "step_due_at": case.handle_due_at,
            "overdue_marked": False,
        },
    )


def do_reopen_case(case, *, acting_user, reason, has_token=False, expected_version=None, now=None):
    actor = permitted(case, "reopen", acting_user, has_token=has_token, expected_version=expected_version)
    now = now or timezone.now()
    if case.closed_at is None or now > case.closed_at + timedelta(days=problem.REOPEN_WINDOW_DAYS):
        raise Invalid(
            _("A case can be reopened only within %(n)s days of closing.") % {"n": problem.REOPEN_WINDOW_DAYS}
        )
    if case.owner_unit_id is None:
        raise Invalid(_("This case has no unit to go back to."))
    return apply_transition(
        case,
        "reopen",
        actor,
        reason=reason,
        now=now,
        expected_version=expected_version,
        changes={
            "reopen_count": F("reopen_count") + 1,
            "closed_at": None,
            "rating": None,
            "rated_at": None,
            "dispatched_at": now,
            "handle_due_at": deadlines.due_at(case.category, "handle", now),
        },
    )


def do_rate_case(case, *, acting_user, rating, comment="", has_token=False, expected_version=None, now=None):
    actor = permitted(case, "rate", acting_user, has_token=has_token, expected_version=expected_version)
    if rating not in problem.RATINGS:
        raise Invalid(_("A rating is 3 (satisfied), 2 (basically satisfied) or 1 (not satisfied)."))
    if case.rating is not None:
        raise Invalid(_("This case has already been rated."))
    now = now or timezone.now()
    return apply_transition(
        case,
        "rate",
        actor,
        reason=comment,
        now=now,
        expected_version=expected_version,
        payload={"rating": rating},
        changes={"rating": rating, "rated_at": now},
    )


def do_support_case(case, *, acting_user=None, contact="", has_token=False, now=None):
    """ "Me too": keep the supporter (notified like the reporter) and record it on the case."""
    actor = actor_for(acting_user, case, has_token=has_token)
    with transaction.atomic():
        event = apply_transition(case, "support", actor, now=now)
        Supporter.objects.create(case=case, user=actor.user, contact=(contact or "").strip()[:120])
    return event


# --- supervisors and the sweeper ------------------------------------------------------------


def do_park_case(case, *, acting_user, reason, expected_version=None, now=None):
    return apply_transition(
        case,
        "park",
        actor_for(acting_user, case),
        reason=reason,
        now=now,
        expected_version=expected_version,
        changes={
            "ever_parked": True,
            "pending_extension": "",
            **NO_STEP,
        },
    )


def do_unpark_case(case, *, acting_user, expected_version=None, now=None):
    return apply_transition(
        case,
        "unpark",
        actor_for(acting_user, case),
        now=now,
        expected_version=expected_version,
        changes={"owner_unit_id": None, "handle_due_at": None},
    )


def do_urge_case(case, *, acting_user, reason, expected_version=None, now=None):
    return apply_transition(
        case,
        "urge",
        actor_for(acting_user, case),
        reason=reason,
        now=now,
        expected_version=expected_version,
        changes={"urge_count": F("urge_count") + 1},
    )


def do_take_lead_case(case, *, acting_user, expected_version=None, now=None):
    permitted(case, "take_lead", acting_user, expected_version=expected_version)
    return apply_transition(
        case,
        "take_lead",
        actor_for(acting_user, case),
        now=now,
        expected_version=expected_version,
        changes={"lead_official_id": acting_user.pk},
    )


NEXT_LEVEL = {"community": "street", "street": "district", "district": "city", "city": "city"}


def do_escalate_case(case, *, expected_version=None, now=None):
    """An overdue step: mark it and move the case one level up the region tree (the sweeper's action)."""
    level = NEXT_LEVEL[case.escalation_level]
    return apply_transition(
        case,
        "escalate",
        Actor(None, {SYSTEM}),
        now=now,
        expected_version=expected_version,
        payload={"step": case.step, "due": case.step_due_at.isoformat() if case.step_due_at else "", "level": level},
        changes={"escalation_level": level, "ever_escalated": True, "overdue_marked": True},
    )
