"""Every change to a grievance: ``do_<verb>_<noun>(..., acting_user=...)``.

Each action checks the workflow table (``workflow.py``) for the actor's roles on the grievance
(``access.py``) before it looks at anything else, then the statutory rules (``rules.py``: a
refusal cites its article), then writes in one transaction: the case change and its
hash-chained event through ``cases.actions.apply_transition`` (or ``create_case``), and this
app's rows. A refused action writes nothing.

What the petitioner writes (the request, the facts, grounds for a review, an evaluation's
comment) goes into this app's tables, never into an event's reason: events are the audit trail
of the case row, which holds nothing confidential (``access.py``).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from civicgrid.cases.actions import Actor, Conflict, Forbidden, Invalid, apply_transition, create_case
from civicgrid.cases.models import Case
from civicgrid.cases.workflow.engine import NotAllowed, UnknownAction
from civicgrid.categories.models import Category
from civicgrid.geo.models import Region
from civicgrid.grievances import rules
from civicgrid.grievances import workflow as wf
from civicgrid.grievances.access import roles_on_grievance, unit_under
from civicgrid.grievances.models import (
    MAX_DOCUMENT,
    MAX_FACTS,
    MAX_REQUEST,
    NEUTRAL_DESCRIPTION,
    Document,
    Evaluation,
    Grievance,
    Hearing,
    ListItem,
    SameMatterLink,
)
from civicgrid.lib.workcalendar import default_calendar
from civicgrid.org import access
from civicgrid.org.models import Staff, Unit
from civicgrid.org.roles import Role

NO_STEP = {"step": "", "step_started_at": None, "step_due_at": None, "overdue_marked": False}
# Case.source of a grievance by channel: online submissions are web reports, calls the hotline;
# letters, faxes and visits are registered by the letters-and-visits office.
SOURCE = {"online": Case.Source.WEB, "phone": Case.Source.HOTLINE}
OFFICE_SOURCE = "office"
OFFICER_CHANNELS = (Grievance.Channel.LETTER, Grievance.Channel.PHONE, Grievance.Channel.FAX, Grievance.Channel.VISIT)
MAX_NOTE = 300


@dataclass
class Submitted:
    """What a submission led to: a new grievance (``created``), the one a retried submission
    created (``created`` False), or the grievance being handled that it was linked to (``linked``,
    Art. 19)."""

    case: Case
    created: bool
    linked: bool = False


# --- helpers --------------------------------------------------------------------------------


def _calendar():
    return default_calendar()


def _when(value) -> str:
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, dt.date):
        return formats.date_format(value, "Y-m-d")
    return str(value)


def _rule(e: rules.RuleBroken) -> Invalid:
    """The refusal of a statutory rule, in the reader's language, its article cited."""
    params = {k: _(v) if k == "law" else _when(v) for k, v in e.params.items()}
    return Invalid(_(e.message) % params)


def _obey(check, *args) -> None:
    """Run the statutory ``check``; its refusal becomes ``Invalid`` with the article cited."""
    try:
        check(*args)
    except rules.RuleBroken as e:
        raise _rule(e) from e


def _start_of(day: dt.date) -> dt.datetime:
    """The local midnight that starts ``day``: statutory periods count from the day of receipt."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_current_timezone())


def _received(day: dt.date | None, now: dt.datetime) -> dt.datetime:
    """When a letter or request was received: ``now``, or the start of an earlier ``day``."""
    if day is None:
        return now
    today = timezone.localtime(now).date()
    if day > today:
        raise Invalid(_("The day it was received cannot be in the future."))
    return now if day == today else _start_of(day)


def _served(day: dt.date | None, since: dt.datetime, now: dt.datetime) -> dt.date:
    """The day the petitioner received a written answer: today by default, not before the
    answer and not in the future."""
    today = timezone.localtime(now).date()
    day = day or today
    if day > today:
        raise Invalid(_("The day the petitioner received it cannot be in the future."))
    if day < timezone.localtime(since).date():
        raise Invalid(_("The petitioner cannot have received it before it was written."))
    return day


def _text(value, label, limit, *, required=True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise Invalid(_("%(field)s contains a character that is not allowed.") % {"field": label})
    if required and not value:
        raise Invalid(_("%(field)s is required.") % {"field": label})
    if len(value) > limit:
        raise Invalid(_("%(field)s is too long (at most %(n)s characters).") % {"field": label, "n": limit})
    return value


def _check_version(case: Case, expected_version) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise Conflict(_("This case was changed by someone else in the meantime. Reload it and try again."))


def _actor(user, grievance: Grievance, *, has_token: bool = False) -> Actor:
    roles = roles_on_grievance(user, grievance, has_token=has_token)
    return Actor(user if user is not None and user.is_authenticated else None, roles)


def permitted(grievance: Grievance, action: str, user, *, has_token=False, expected_version=None) -> Actor:
    """The actor once the table allows ``action`` on ``grievance`` for ``user``; Forbidden (or
    Conflict for a stale version) otherwise. Called before any other input is looked at."""
    case = grievance.case
    _check_version(case, expected_version)
    actor = _actor(user, grievance, has_token=has_token)
    try:
        wf.GRIEVANCE.check(case.status, action, actor.roles)
    except UnknownAction as e:
        raise Invalid(_("Unknown action '%(action)s'.") % {"action": action}) from e
    except NotAllowed as e:
        if case.status in wf.GRIEVANCE.transition(action).sources:
            raise Forbidden(_("You may not take this action on this grievance.")) from e
        raise Forbidden(
            _("'%(action)s' is not allowed while the grievance is '%(state)s'.")
            % {"action": action, "state": case.status_label}
        ) from e
    return actor


def _apply(grievance, action, actor, *, now, expected_version=None, reason="", payload=None, changes=None):
    return apply_transition(
        grievance.case,
        action,
        actor,
        reason=reason,
        payload=payload,
        changes=changes,
        now=now,
        expected_version=expected_version,
    )


def _update(grievance: Grievance, **fields) -> None:
    Grievance.objects.filter(pk=grievance.pk).update(**fields)
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(grievance, name, value)


def _start_step(step: str, started_at: dt.datetime, due_at: dt.datetime) -> dict:
    """The case changes that start the deadline step ``step`` (the counterpart of ``NO_STEP``)."""
    return {"step": step, "step_started_at": started_at, "step_due_at": due_at, "overdue_marked": False}


def _unit_ref(unit: Unit | None) -> dict:
    return {"unit": unit.code, "unit_name": unit.name_zh} if unit is not None else {}


def _active_unit(unit: Unit | None) -> Unit:
    if unit is None or not unit.active:
        raise Invalid(_("Choose an active unit."))
    return unit


# --- submitting and registering -------------------------------------------------------------


def _category(category: Category | None) -> Category:
    if (
        category is None
        or not category.active
        or category.kind != Category.Kind.GRIEVANCE
        or category.parent_id is None
    ):
        raise Invalid(_("Choose the type of grievance."))
    return category


def _region(region: Region | None) -> Region:
    if region is None or region.level not in (Region.Level.DISTRICT, Region.Level.STREET) or region.valid_to:
        raise Invalid(_("Choose the district (and, if you know it, the street) the matter concerns."))
    return region


def _earlier(number: str) -> Grievance | None:
    number = (number or "").strip().upper()
    if not number:
        return None
    earlier = Grievance.objects.select_related("case").filter(case__number=number).first()
    if earlier is None:
        raise Invalid(
            _("No grievance has the receipt number %(number)s. Check it, or leave it out.") % {"number": number}
        )
    return earlier


def _matter(
    *,
    category,
    region,
    petitioner_name,
    petitioner_address,
    petitioner_contact,
    request,
    facts_and_reasons,
    complained_about,
    complained_unit,
) -> dict:
    """The validated fields of a new matter (Art. 19: name, address, request, facts and reasons)."""
    return {
        "category": _category(category),
        "region": _region(region),
        "petitioner_name": _text(petitioner_name, _("Name"), 100),
        "petitioner_address": _text(petitioner_address, _("Address"), 300, required=False),
        "petitioner_contact": _text(petitioner_contact, _("Phone or email"), 120, required=False),
        "request": _text(request, _("Request"), MAX_REQUEST),
        "facts_and_reasons": _text(facts_and_reasons, _("Facts and reasons"), MAX_FACTS, required=False),
        "complained_about": _text(complained_about, _("Person or unit complained about"), 300, required=False),
        "complained_unit": _active_unit(complained_unit) if complained_unit is not None else None,
    }


def _link_or_refuse(earlier: Grievance | None, new_facts: bool, actor_user, *, channel, unit, now) -> Submitted | None:
    """Art. 19 and 36 for a submission that names an earlier matter: linked to it while it is being
    handled; refused after re-review unless it brings new facts or reasons."""
    if earlier is None:
        return None
    _obey(rules.check_same_facts, earlier.case.status == wf.FINAL, new_facts)
    try:
        rules.check_not_being_handled(earlier.case.is_open)
    except rules.RuleBroken:
        do_raise_again(earlier.case, acting_user=actor_user, channel=channel, unit=unit, now=now)
        return Submitted(earlier.case, created=False, linked=True)
    return None


def _create(action, actor, matter, grievance_fields, *, source, received_at, now, idempotency_key) -> Submitted:
    region = matter.pop("region")
    category = matter.pop("category")
    triage_due = rules.triage_due(received_at, _calendar())
    fields = {
        "kind": Case.Kind.GRIEVANCE,
        "source": source,
        "category": category,
        "description": NEUTRAL_DESCRIPTION,
        "grid_code": region.code,
        "district_code": region.code[:6],
        "street_code": region.code if region.level == Region.Level.STREET else "",
        "reporter": actor.user if action == "submit" else None,
    }
    changes = {
        "step": wf.TRIAGE,
        "step_started_at": received_at,
        "step_due_at": triage_due,
        "accept_due_at": triage_due,
    }
    payload = {"channel": grievance_fields["channel"]}
    key = f"grievance:{idempotency_key}" if idempotency_key else None
    with transaction.atomic():
        case, created = create_case(
            action, actor, fields, now=now, payload=payload, changes=changes, idempotency_key=key
        )
        if created:
            Grievance.objects.create(
                case=case,
                received_at=received_at,
                triage_due_at=triage_due,
                is_accusation=category.code == wf.ACCUSATION_CATEGORY,
                **matter,
                **grievance_fields,
            )
    return Submitted(case, created)


def do_submit_grievance(
    *,
    acting_user,
    category,
    region,
    petitioner_name,
    request,
    facts_and_reasons="",
    petitioner_address="",
    petitioner_contact="",
    complained_about="",
    complained_unit=None,
    earlier_number="",
    new_facts=False,
    idempotency_key=None,
    now=None,
) -> Submitted:
    """A resident submits a grievance online (Art. 17) and gets its receipt number (Art. 21).

    ``earlier_number``: a receipt number of the same matter raised before. While that one is
    being handled, the submission is recorded on it instead (Art. 19); after its re-review, the
    same facts and reasons are refused (Art. 36) unless ``new_facts``."""
    now = now or timezone.now()
    matter = _matter(
        category=category,
        region=region,
        petitioner_name=petitioner_name,
        petitioner_address=petitioner_address,
        petitioner_contact=petitioner_contact,
        request=request,
        facts_and_reasons=facts_and_reasons,
        complained_about=complained_about,
        complained_unit=complained_unit,
    )
    earlier = _earlier(earlier_number)
    linked = _link_or_refuse(earlier, new_facts, acting_user, channel=Grievance.Channel.ONLINE, unit=None, now=now)
    if linked is not None:
        return linked
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    actor = Actor(user, {wf.RESIDENT})
    return _create(
        "submit",
        actor,
        matter,
        {"channel": Grievance.Channel.ONLINE, "earlier": earlier, "new_facts": bool(new_facts and earlier)},
        source=SOURCE["online"],
        received_at=now,
        now=now,
        idempotency_key=idempotency_key,
    )


def do_record_grievance(
    *,
    acting_user,
    channel,
    category,
    region,
    petitioner_name,
    request,
    facts_and_reasons="",
    petitioner_address="",
    petitioner_contact="",
    complained_about="",
    complained_unit=None,
    received_on=None,
    record_confirmed=False,
    earlier_number="",
    new_facts=False,
    idempotency_key=None,
    now=None,
) -> Submitted:
    """A grievance officer registers a letter, call, fax or visit (Art. 17). An oral submission
    (call, visit) is recorded faithfully: the record was read back to the petitioner, who
    confirmed it (Art. 19). ``received_on``: the day it arrived, when before today."""
    now = now or timezone.now()
    staff = access.staff_of(acting_user)
    if region is None or not access.can_act(acting_user, Role.GRIEVANCE_OFFICER, region.code):
        raise Forbidden(_("Only a grievance officer whose area covers this place may register a grievance here."))
    if channel not in OFFICER_CHANNELS:
        raise Invalid(_("Choose how the grievance arrived: letter, phone, fax or visit."))
    matter = _matter(
        category=category,
        region=region,
        petitioner_name=petitioner_name,
        petitioner_address=petitioner_address,
        petitioner_contact=petitioner_contact,
        request=request,
        facts_and_reasons=facts_and_reasons,
        complained_about=complained_about,
        complained_unit=complained_unit,
    )
    oral = channel in (Grievance.Channel.PHONE, Grievance.Channel.VISIT)
    if oral and not record_confirmed:
        raise Invalid(
            _(
                "An oral grievance is recorded faithfully: read the record back to the petitioner and tick that "
                "they confirmed it. (Regulations on Letters and Visits Work (2022), Art. 19)"
            )
        )
    received_at = _received(received_on, now)
    unit = staff.unit if staff is not None else None
    earlier = _earlier(earlier_number)
    linked = _link_or_refuse(earlier, new_facts, acting_user, channel=channel, unit=unit, now=now)
    if linked is not None:
        return linked
    return _create(
        "record",
        Actor(acting_user, {Role.GRIEVANCE_OFFICER}),
        matter,
        {
            "channel": channel,
            "record_confirmed": bool(oral and record_confirmed),
            "office": unit,
            "earlier": earlier,
            "new_facts": bool(new_facts and earlier),
        },
        source=SOURCE.get(channel, OFFICE_SOURCE),
        received_at=received_at,
        now=now,
        idempotency_key=idempotency_key,
    )


def do_raise_again(case, *, acting_user, channel, unit=None, note="", has_token=False, now=None):
    """The same matter raised again while it is being handled (Art. 19): recorded here, with the
    unit it was raised with, not registered a second time."""
    grievance = case.grievance
    actor = permitted(grievance, "raise_again", acting_user, has_token=has_token)
    if channel not in Grievance.Channel.values:
        raise Invalid(_("Choose how it was raised."))
    note = _text(note, _("Note"), MAX_NOTE, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        event = _apply(grievance, "raise_again", actor, now=now, payload={"channel": channel, **_unit_ref(unit)})
        SameMatterLink.objects.create(grievance=grievance, at=now, channel=channel, unit=unit, note=note)
    return event


# --- triage by the letters-and-visits office (Art. 22) --------------------------------------


def do_assign_grievance(
    case,
    *,
    acting_user,
    unit,
    mode,
    report_due_on=None,
    complained_unit=None,
    is_accusation=None,
    expected_version=None,
    now=None,
):
    """Send the matter to the body with authority: transferred (转送), or assigned (交办) with the
    day its report of the result is due (Art. 22). The officer also records which unit, if any,
    the matter is about and whether it holds accusation material; an accusation is never sent to
    the unit it is about (Art. 30)."""
    grievance = case.grievance
    actor = permitted(grievance, "assign", acting_user, expected_version=expected_version)
    unit = _active_unit(unit)
    now = now or timezone.now()
    if mode not in Grievance.Mode.values:
        raise Invalid(_("Choose transfer or assignment."))
    if mode == Grievance.Mode.ASSIGN:
        if report_due_on is None or report_due_on <= timezone.localtime(now).date():
            raise Invalid(_("An assignment (交办) names the day its report of the result is due, after today."))
    else:
        report_due_on = None
    # The route is judged on the facts as they will be after this action; a unit named before
    # (by the petitioner) stays unless the officer names another.
    complained_unit = _active_unit(complained_unit) if complained_unit is not None else grievance.complained_unit
    accusation = grievance.is_accusation if is_accusation is None else bool(is_accusation)
    complained_id = complained_unit.pk if complained_unit is not None else None
    _obey(rules.check_accusation_route, accusation, unit_under(unit, complained_id))
    cal = _calendar()
    notice_due, objection_due = rules.notice_due(now, cal), rules.objection_due(now, cal)
    with transaction.atomic():
        event = _apply(
            grievance,
            "assign",
            actor,
            now=now,
            expected_version=expected_version,
            payload={
                **_unit_ref(unit),
                "mode": mode,
                "report_due_on": report_due_on.isoformat() if report_due_on else "",
                "notice_due": notice_due.isoformat(),
            },
            changes={"owner_unit_id": unit.pk, "dispatched_at": now, **_start_step(wf.NOTICE, now, notice_due)},
        )
        staff = access.staff_of(acting_user)
        _update(
            grievance,
            authority_unit=unit,
            mode=mode,
            report_due_on=report_due_on,
            complained_unit=complained_unit,
            is_accusation=accusation,
            triaged_at=now,
            assigned_at=now,
            notice_due_at=notice_due,
            objection_due_at=objection_due,
            office=grievance.office or (staff.unit if staff else None),
        )
    return event


def do_decline_grievance(case, *, acting_user, reason, expected_version=None, now=None):
    """The office does not take the matter into the letters-and-visits route (another legal
    route; the same facts after re-review, Art. 36): the petitioner is told in writing why and
    where to go. ``reason`` is that written notice."""
    grievance = case.grievance
    actor = permitted(grievance, "decline", acting_user, expected_version=expected_version)
    reason = _text(reason, _("Reason"), 1000)
    now = now or timezone.now()
    staff = access.staff_of(acting_user)
    with transaction.atomic():
        event = _apply(
            grievance,
            "decline",
            actor,
            now=now,
            expected_version=expected_version,
            reason=reason,
            changes={"closed_at": now, **NO_STEP},
        )
        _update(grievance, triaged_at=now, office=grievance.office or (staff.unit if staff else None))
        Document.objects.create(
            grievance=grievance,
            kind=Document.Kind.NOT_ACCEPTED,
            text=reason,
            unit=staff.unit if staff else None,
            issued_at=now,
        )
    return event


# --- the body with authority (Art. 23, 31-34) -----------------------------------------------


def do_object_to_assignment(case, *, acting_user, reason, expected_version=None, now=None):
    """The body says the matter is not within its authority, with its reasons, within 5 working
    days of receiving it (Art. 23); the matter goes back to the office, which triages it again
    (to another body, or to the same one if the objection does not hold) with a new 15 days."""
    grievance = case.grievance
    actor = permitted(grievance, "object", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    _obey(rules.check_objection, grievance.assigned_at, now, _calendar())
    reason = _text(reason, _("Reason"), 1000)
    triage_due = rules.triage_due(now, _calendar())
    with transaction.atomic():
        event = _apply(
            grievance,
            "object",
            actor,
            now=now,
            expected_version=expected_version,
            reason=reason,
            payload=_unit_ref(grievance.authority_unit),
            changes={"owner_unit_id": None, **_start_step(wf.TRIAGE, now, triage_due)},
        )
        _update(
            grievance,
            authority_unit=None,
            mode="",
            report_due_on=None,
            assigned_at=None,
            notice_due_at=None,
            objection_due_at=None,
            triage_due_at=triage_due,
        )
    return event


def do_admit_grievance(case, *, acting_user, text, expected_version=None, now=None):
    """The body accepts the matter (受理) and tells the petitioner in writing how it was received
    and how it will be handled (Art. 23); ``text`` is that notice. The 60-day handling period
    starts (Art. 34)."""
    grievance = case.grievance
    actor = permitted(grievance, "admit", acting_user, expected_version=expected_version)
    text = _text(text, _("Notice to the petitioner"), MAX_DOCUMENT)
    now = now or timezone.now()
    due = rules.handling_due(now, _calendar())
    with transaction.atomic():
        event = _apply(
            grievance,
            "admit",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"handle_due": due.isoformat()},
            changes={"accepted_at": now, "handle_due_at": due, **_start_step(wf.HANDLE, now, due)},
        )
        _update(grievance, noticed_at=now, accepted_at=now, handle_due_at=due)
        Document.objects.create(
            grievance=grievance, kind=Document.Kind.NOTICE, text=text, unit=case.owner_unit, issued_at=now
        )
    return event


def do_not_admit_grievance(case, *, acting_user, reason, expected_version=None, now=None):
    """The body does not accept the matter: it belongs to litigation, arbitration, administrative
    review or another procedure (Art. 31); ``reason`` is the written notice naming it."""
    grievance = case.grievance
    actor = permitted(grievance, "not_admit", acting_user, expected_version=expected_version)
    reason = _text(reason, _("Reason"), 1000)
    now = now or timezone.now()
    with transaction.atomic():
        event = _apply(
            grievance,
            "not_admit",
            actor,
            now=now,
            expected_version=expected_version,
            reason=reason,
            changes={"closed_at": now, **NO_STEP},
        )
        _update(grievance, noticed_at=now)
        Document.objects.create(
            grievance=grievance, kind=Document.Kind.NOT_ACCEPTED, text=reason, unit=case.owner_unit, issued_at=now
        )
    return event


def do_extend_grievance(case, *, acting_user, days, reason, approved_by, expected_version=None, now=None):
    """One extension of the handling period, by 1 to 30 days, approved by the head of the body and
    told to the petitioner with its reason (Art. 34), asked for before the period has run out."""
    grievance = case.grievance
    actor = permitted(grievance, "extend", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise Invalid(_("Give the extension in whole days.")) from None
    _obey(rules.check_extension, days, grievance.extension_count, grievance.handle_due_at, now)
    reason = _text(reason, _("Reason"), 1000)
    approved_by = _text(approved_by, _("Approved by"), 100)
    due = rules.handling_due(grievance.accepted_at, _calendar(), days)
    with transaction.atomic():
        event = _apply(
            grievance,
            "extend",
            actor,
            now=now,
            expected_version=expected_version,
            reason=reason,
            payload={"days": days, "handle_due": due.isoformat()},
            changes={
                "handle_due_at": due,
                "step_due_at": due,
                "overdue_marked": False,
                "extension_count": F("extension_count") + 1,
            },
        )
        _update(grievance, extension_days=days, extension_count=grievance.extension_count + 1, handle_due_at=due)
        Document.objects.create(
            grievance=grievance,
            kind=Document.Kind.EXTENSION,
            text=reason,
            basis=_("Approved by %(head)s. The matter will be concluded by %(due)s.")
            % {"head": approved_by, "due": _when(due)},
            unit=case.owner_unit,
            issued_at=now,
        )
    return event


def _rereview_due(grievance: Grievance) -> dt.datetime:
    periods = [
        (h.first_day, h.last_day)
        for h in Hearing.objects.filter(grievance=grievance, step=wf.REREVIEW, last_day__isnull=False)
    ]
    return rules.rereview_answer_due(grievance.rereview_requested_at, _calendar(), rules.hearing_days(periods))


def do_start_hearing(case, *, acting_user, first_day=None, note="", expected_version=None, now=None):
    """A hearing opens (Art. 31). During a re-review its days are not counted (Art. 36): the
    re-review's clock stops until the hearing closes."""
    grievance = case.grievance
    actor = permitted(grievance, "start_hearing", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    first_day = first_day or today
    if grievance.hearing_open_since is not None:
        raise Invalid(_("A hearing is already open; close it first."))
    if first_day > today or first_day < timezone.localtime(case.step_started_at or now).date():
        raise Invalid(_("A hearing starts between the start of this step and today."))
    note = _text(note, _("Note"), MAX_NOTE, required=False)
    changes = {"step_due_at": None} if case.status == wf.IN_REREVIEW else {}
    with transaction.atomic():
        event = _apply(
            grievance,
            "start_hearing",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"first_day": first_day.isoformat()},
            changes=changes,
        )
        Hearing.objects.create(grievance=grievance, step=case.step, first_day=first_day, note=note)
        _update(grievance, hearing_open_since=first_day)
    return event


def do_end_hearing(case, *, acting_user, last_day=None, expected_version=None, now=None):
    """The hearing closes. A re-review's deadline becomes 30 days from the request plus the days
    its hearings took (Art. 36)."""
    grievance = case.grievance
    actor = permitted(grievance, "end_hearing", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    hearing = Hearing.objects.filter(grievance=grievance, last_day__isnull=True).order_by("-pk").first()
    if hearing is None:
        raise Invalid(_("No hearing is open."))
    last_day = last_day or timezone.localtime(now).date()
    if last_day < hearing.first_day or last_day > timezone.localtime(now).date():
        raise Invalid(_("A hearing ends between its first day and today."))
    with transaction.atomic():
        Hearing.objects.filter(pk=hearing.pk).update(last_day=last_day)
        changes, payload = {}, {"first_day": hearing.first_day.isoformat(), "last_day": last_day.isoformat()}
        if case.status == wf.IN_REREVIEW:
            due = _rereview_due(grievance)
            changes = {"step_due_at": due, "overdue_marked": False}
            payload["rereview_due"] = due.isoformat()
            _update(grievance, rereview_due_at=due)
        event = _apply(
            grievance,
            "end_hearing",
            actor,
            now=now,
            expected_version=expected_version,
            payload=payload,
            changes=changes,
        )
        _update(grievance, hearing_open_since=None)
    return event


def _no_open_hearing(grievance: Grievance) -> None:
    if grievance.hearing_open_since is not None:
        raise Invalid(_("A hearing is open: close it before writing the opinion."))


def do_decide_grievance(case, *, acting_user, outcome, text, basis, served_on=None, expected_version=None, now=None):
    """The written decision, a 信访处理意见书 (Art. 31-32): the outcome (support / explain / not
    support), the facts found and reasons (``text``) and the legal basis (``basis``).
    ``served_on``: the day the petitioner received it (default today); the 30 days for asking a
    review run from it (Art. 35)."""
    grievance = case.grievance
    actor = permitted(grievance, "decide", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    if outcome not in Grievance.Outcome.values:
        raise Invalid(_("Choose the decision: support, explain or do not support."))
    text = _text(text, _("Facts found and reasons"), MAX_DOCUMENT)
    basis = _text(basis, _("Legal basis"), MAX_DOCUMENT)
    _no_open_hearing(grievance)
    served_on = _served(served_on, now, now)
    review_by = rules.review_request_deadline(_start_of(served_on), _calendar())
    on_time = grievance.handle_due_at is None or now <= grievance.handle_due_at
    with transaction.atomic():
        event = _apply(
            grievance,
            "decide",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"outcome": outcome, "review_request_by": review_by.isoformat()},
            changes={"handled_at": now, "handled_on_time": on_time, "closed_at": now, **NO_STEP},
        )
        _update(grievance, decided_at=now, outcome=outcome, reply_served_on=served_on, review_request_by=review_by)
        Document.objects.create(
            grievance=grievance,
            kind=Document.Kind.DECISION,
            outcome=outcome,
            text=text,
            basis=basis,
            unit=case.owner_unit,
            issued_at=now,
            served_on=served_on,
        )
    return event


# --- review and re-review: the petitioner's rights (Art. 35-36) ------------------------------


def next_level(unit: Unit | None, grievance: Grievance) -> Unit | None:
    """The body one level above ``unit`` (its parent), if active; never a unit an accusation is
    about (Art. 30). None: a grievance officer names the body (``do_route_review``)."""
    if unit is None or unit.parent_id is None:
        return None
    parent = Unit.objects.filter(pk=unit.parent_id, active=True).first()
    if parent is None:
        return None
    if grievance.is_accusation and unit_under(parent, grievance.complained_unit_id):
        return None
    return parent


@dataclass(frozen=True)
class _Appeal:
    """What the petitioner asks the next level up for: a review (Art. 35) or a re-review (Art. 36).

    ``step`` is its deadline step (``wf.REVIEW`` or ``wf.REREVIEW``) and names the rest: the action
    ``request_<step>``, the event's ``<step>_due`` and the grievance's ``<step>_unit``,
    ``<step>_requested_at``, ``<step>_due_at`` and ``<step>_grounds``."""

    step: str
    answered_on: str  # the grievance field: the day the petitioner received the answer challenged
    answered_by: str  # the grievance field: the body that gave it; the request goes to its parent
    check: Callable  # rules: refuses a request made after the statutory period
    answer_due: Callable  # rules: when the next level must answer


_REVIEW = _Appeal(wf.REVIEW, "reply_served_on", "authority_unit", rules.check_review_request, rules.review_answer_due)
_REREVIEW = _Appeal(
    wf.REREVIEW, "review_served_on", "review_unit", rules.check_rereview_request, rules.rereview_answer_due
)


def _ask_next_level(grievance, appeal: _Appeal, *, acting_user, grounds, has_token, received_on, expected_version, now):
    """The petitioner's request for ``appeal``, once the grievance's state admits it: within the
    statutory period of receiving the answer challenged, to the level above the body that gave it
    (None: a grievance officer names it, ``do_route_review``), whose deadline becomes the step."""
    action = f"request_{appeal.step}"
    actor = permitted(grievance, action, acting_user, has_token=has_token, expected_version=expected_version)
    received_at = _received(received_on, now)
    _obey(appeal.check, _start_of(getattr(grievance, appeal.answered_on)), received_at, _calendar())
    grounds = _text(grounds, _("Grounds"), MAX_REQUEST, required=False)
    unit = next_level(getattr(grievance, appeal.answered_by), grievance)
    due = appeal.answer_due(received_at, _calendar())
    with transaction.atomic():
        event = _apply(
            grievance,
            action,
            actor,
            now=now,
            expected_version=expected_version,
            payload={**_unit_ref(unit), f"{appeal.step}_due": due.isoformat()},
            changes={
                "owner_unit_id": unit.pk if unit else None,
                "closed_at": None,
                **_start_step(appeal.step, received_at, due),
            },
        )
        _update(
            grievance,
            **{
                f"{appeal.step}_unit": unit,
                f"{appeal.step}_requested_at": received_at,
                f"{appeal.step}_due_at": due,
                f"{appeal.step}_grounds": grounds,
            },
        )
    return event


def do_request_review(
    case, *, acting_user, grounds="", has_token=False, received_on=None, expected_version=None, now=None
):
    """The petitioner asks the next level up for a review (复查) of the decision, within 30 days of
    receiving it (Art. 35). Online (the private link or the petitioner's account) or by letter,
    registered by a grievance officer with the day it arrived (``received_on``)."""
    grievance = case.grievance
    now = now or timezone.now()
    if case.status in (wf.IN_REVIEW, wf.REVIEWED):
        raise Invalid(
            _(
                "This decision has already been reviewed or is being reviewed; after the review opinion, the next "
                "step is a re-review. (Regulations on Letters and Visits Work (2022), Art. 35-36)"
            )
        )
    if case.status in (wf.IN_REREVIEW, wf.FINAL):
        _obey(rules.check_not_rereviewed, True)
    return _ask_next_level(
        grievance,
        _REVIEW,
        acting_user=acting_user,
        grounds=grounds,
        has_token=has_token,
        received_on=received_on,
        expected_version=expected_version,
        now=now,
    )


def do_route_review(case, *, acting_user, unit, expected_version=None, now=None):
    """A grievance officer names the reviewing (or re-reviewing) body when CivicGrid knows no level
    above the body that answered; never a unit an accusation is about (Art. 30)."""
    grievance = case.grievance
    actor = permitted(grievance, "route_review", acting_user, expected_version=expected_version)
    unit = _active_unit(unit)
    _obey(rules.check_accusation_route, grievance.is_accusation, unit_under(unit, grievance.complained_unit_id))
    now = now or timezone.now()
    field = "review_unit" if case.status == wf.IN_REVIEW else "rereview_unit"
    with transaction.atomic():
        event = _apply(
            grievance,
            "route_review",
            actor,
            now=now,
            expected_version=expected_version,
            payload=_unit_ref(unit),
            changes={"owner_unit_id": unit.pk},
        )
        _update(grievance, **{field: unit})
    return event


def _opinion(outcome, text, basis, label) -> tuple[str, str]:
    """The checked ``text`` (called ``label``) and ``basis`` of a review or re-review opinion."""
    if outcome not in Grievance.ReviewOutcome.values:
        raise Invalid(_("Choose whether the decision is upheld or changed."))
    return _text(text, label, MAX_DOCUMENT), _text(basis, _("Legal basis"), MAX_DOCUMENT, required=False)


def do_answer_review(case, *, acting_user, outcome, text, basis="", served_on=None, expected_version=None, now=None):
    """The reviewing body's written review opinion (复查意见, Art. 35). The 30 days for asking a
    re-review run from the day the petitioner received it (``served_on``, default today)."""
    grievance = case.grievance
    actor = permitted(grievance, "answer_review", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    text, basis = _opinion(outcome, text, basis, _("Review opinion"))
    served_on = _served(served_on, now, now)
    rereview_by = rules.rereview_request_deadline(_start_of(served_on), _calendar())
    with transaction.atomic():
        event = _apply(
            grievance,
            "answer_review",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"outcome": outcome, "rereview_request_by": rereview_by.isoformat()},
            changes={"closed_at": now, **NO_STEP},
        )
        _update(
            grievance,
            review_answered_at=now,
            review_outcome=outcome,
            review_served_on=served_on,
            rereview_request_by=rereview_by,
        )
        Document.objects.create(
            grievance=grievance,
            kind=Document.Kind.REVIEW,
            outcome=outcome,
            text=text,
            basis=basis,
            unit=case.owner_unit,
            issued_at=now,
            served_on=served_on,
        )
    return event


def do_request_rereview(
    case, *, acting_user, grounds="", has_token=False, received_on=None, expected_version=None, now=None
):
    """The petitioner asks the level above the reviewing body for a re-review (复核), within 30 days
    of receiving the review opinion (Art. 36). There is nothing after a re-review (Art. 36)."""
    grievance = case.grievance
    now = now or timezone.now()
    if case.status in (wf.IN_REREVIEW, wf.FINAL):
        _obey(rules.check_not_rereviewed, True)
    if case.status == wf.DECIDED:
        raise Invalid(
            _(
                "A re-review follows a review: ask for a review of the decision first. "
                "(Regulations on Letters and Visits Work (2022), Art. 35-36)"
            )
        )
    return _ask_next_level(
        grievance,
        _REREVIEW,
        acting_user=acting_user,
        grounds=grounds,
        has_token=has_token,
        received_on=received_on,
        expected_version=expected_version,
        now=now,
    )


def do_answer_rereview(case, *, acting_user, outcome, text, basis="", expected_version=None, now=None):
    """The re-review opinion (复核意见, Art. 36): final. The same facts and reasons are not
    accepted again."""
    grievance = case.grievance
    actor = permitted(grievance, "answer_rereview", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    text, basis = _opinion(outcome, text, basis, _("Re-review opinion"))
    _no_open_hearing(grievance)
    with transaction.atomic():
        event = _apply(
            grievance,
            "answer_rereview",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"outcome": outcome},
            changes={"closed_at": now, **NO_STEP},
        )
        _update(grievance, rereview_answered_at=now, rereview_outcome=outcome)
        Document.objects.create(
            grievance=grievance,
            kind=Document.Kind.REREVIEW,
            outcome=outcome,
            text=text,
            basis=basis,
            unit=case.owner_unit,
            issued_at=now,
        )
    return event


def do_evaluate_grievance(case, *, acting_user, rating, comment="", has_token=False, expected_version=None, now=None):
    """The petitioner evaluates the handling of the stage just answered (decision, review or
    re-review), once per stage (Art. 21)."""
    grievance = case.grievance
    actor = permitted(grievance, "evaluate", acting_user, has_token=has_token, expected_version=expected_version)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = None
    if rating not in wf.RATINGS:
        raise Invalid(_("An evaluation is 3 (satisfied), 2 (basically satisfied) or 1 (not satisfied)."))
    comment = _text(comment, _("Comment"), 1000, required=False)
    stage = case.status
    if Evaluation.objects.filter(grievance=grievance, stage=stage).exists():
        raise Invalid(_("You have already evaluated this stage of the handling."))
    now = now or timezone.now()
    with transaction.atomic():
        event = _apply(
            grievance,
            "evaluate",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"stage": stage, "rating": rating},
            changes={"rating": rating, "rated_at": now},
        )
        Evaluation.objects.create(grievance=grievance, stage=stage, rating=rating, comment=comment, at=now)
    return event


# --- the lead official (包案) and the three lists --------------------------------------------


def do_take_lead_grievance(case, *, acting_user, expected_version=None, now=None):
    """A leader (supervisor) takes the grievance as its lead official."""
    grievance = case.grievance
    actor = permitted(grievance, "take_lead", acting_user, expected_version=expected_version)
    if case.lead_official_id == acting_user.pk:
        raise Invalid(_("You are already the lead official of this grievance."))
    return _apply(
        grievance,
        "take_lead",
        actor,
        now=now or timezone.now(),
        expected_version=expected_version,
        changes={"lead_official_id": acting_user.pk},
    )


def do_add_list_item(
    case,
    *,
    acting_user,
    kind,
    text,
    responsible_user=None,
    responsible_post="",
    due_on=None,
    expected_version=None,
    now=None,
):
    """Add a line to the lead official's problem, task or responsibility list. A responsibility
    names who (a staff member or a post) and by when."""
    grievance = case.grievance
    actor = permitted(grievance, "add_list_item", acting_user, expected_version=expected_version)
    now = now or timezone.now()
    if case.lead_official_id is None:
        raise Invalid(_("A lead official takes the grievance before its lists are kept."))
    if kind not in ListItem.Kind.values:
        raise Invalid(_("Choose the list: problem, task or responsibility."))
    text = _text(text, _("What"), 500)
    responsible_post = _text(responsible_post, _("Responsible post"), 100, required=False)
    if kind == ListItem.Kind.RESPONSIBILITY:
        if responsible_user is None and not responsible_post:
            raise Invalid(_("A responsibility names who: a staff member or a post."))
        if due_on is None:
            raise Invalid(_("A responsibility says by when."))
        if responsible_user is not None and not Staff.objects.filter(user=responsible_user, unit__active=True).exists():
            raise Invalid(_("The responsible person must be a staff member."))
    if due_on is not None and due_on < timezone.localtime(now).date():
        raise Invalid(_("The day it is due cannot be in the past."))
    with transaction.atomic():
        event = _apply(
            grievance, "add_list_item", actor, now=now, expected_version=expected_version, payload={"list": kind}
        )
        ListItem.objects.create(
            grievance=grievance,
            kind=kind,
            text=text,
            responsible_user=responsible_user,
            responsible_post=responsible_post,
            due_on=due_on,
            created_at=now,
        )
    return event


def do_complete_list_item(case, *, acting_user, item_id, expected_version=None, now=None):
    """Mark a line of the lists done."""
    grievance = case.grievance
    actor = permitted(grievance, "complete_list_item", acting_user, expected_version=expected_version)
    item = ListItem.objects.filter(grievance=grievance, pk=item_id).first()
    if item is None:
        raise Invalid(_("There is no such item in this grievance's lists."))
    if item.done_at is not None:
        raise Invalid(_("This item is already done."))
    now = now or timezone.now()
    with transaction.atomic():
        event = _apply(
            grievance,
            "complete_list_item",
            actor,
            now=now,
            expected_version=expected_version,
            payload={"list": item.kind, "item": item.pk},
        )
        ListItem.objects.filter(pk=item.pk).update(done_at=now)
    return event
