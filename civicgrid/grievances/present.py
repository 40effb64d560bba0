"""How a grievance is shown, the same in the API and on the pages: its clocks, its timeline and
its documents. Callers pass what the access module gave them; nothing here reads a grievance on
its own, and nothing here shows the petitioner's identity (``access.read_file`` does)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.models import CaseEvent
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, SYSTEM
from civicgrid.grievances import workflow as wf
from civicgrid.grievances.models import Document, Grievance
from civicgrid.org.roles import Role

# Who did it, as the petitioner reads it: roles, never names.
ACTOR_LABELS = {
    Role.GRIEVANCE_OFFICER: _("Letters-and-visits office"),
    Role.HANDLER: _("Body handling the matter"),
    Role.SUPERVISOR: _("Lead official"),
    REPORTER: _("Petitioner"),
    RESIDENT: _("Petitioner"),
    SYSTEM: _("CivicGrid"),
}
EVENT_TITLES = {
    "submit": _("Submitted online"),
    "record": _("Registered by the letters-and-visits office"),
    "assign": _("Sent to the body with authority"),
    "decline": _("Not accepted by the letters-and-visits office"),
    "object": _("Objection to jurisdiction: back to the office"),
    "admit": _("Accepted: written notice"),
    "not_admit": _("Not accepted: written notice"),
    "extend": _("Handling period extended"),
    "start_hearing": _("Hearing opened"),
    "end_hearing": _("Hearing closed"),
    "decide": _("Written decision"),
    "request_review": _("Review requested"),
    "route_review": _("Reviewing body named"),
    "answer_review": _("Review opinion"),
    "request_rereview": _("Re-review requested"),
    "answer_rereview": _("Re-review opinion (final)"),
    "evaluate": _("Evaluated by the petitioner"),
    "raise_again": _("Raised again: linked to this matter"),
    "take_lead": _("Lead official named"),
    "add_list_item": _("Lists updated"),
    "complete_list_item": _("List item done"),
}
STEP_LABELS = {
    wf.TRIAGE: _("triage by the letters-and-visits office (15 days, Art. 22)"),
    wf.NOTICE: _("written notice by the body (15 days, Art. 23)"),
    wf.HANDLE: _("handling (60 days from acceptance, Art. 34)"),
    wf.REVIEW: _("review (30 days, Art. 35)"),
    wf.REREVIEW: _("re-review (30 days, hearings not counted, Art. 36)"),
}


def ref(obj) -> dict | None:
    """``{"code", "name"}`` of a unit or category, or None."""
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def actor_label(role: str) -> str:
    return str(ACTOR_LABELS.get(role, _("Staff")))


def event_title(action: str) -> str:
    return str(EVENT_TITLES.get(action, action))


def timeline(case, *, public_only: bool, with_names: bool = False) -> list[dict]:
    """The events of ``case`` in order. The petitioner sees the public ones with role labels;
    staff see all, with the names of the staff who acted (never a resident's)."""
    events = CaseEvent.objects.filter(case=case).order_by("seq")
    if public_only:
        events = events.filter(public=True)
    if with_names:
        events = events.select_related("actor")
    rows = []
    for e in events:
        name = None
        if with_names and e.actor is not None and e.actor_role in Role.values:
            name = e.actor.get_full_name() or e.actor.get_username()
        rows.append(
            {
                "at": e.at,
                "action": e.action,
                "title": event_title(e.action),
                "to_state": e.to_state,
                "actor": name or actor_label(e.actor_role),
                "role": actor_label(e.actor_role),
                "reason": e.reason,
                "public": e.public,
            }
        )
    return rows


def clocks(g: Grievance) -> dict:
    return {
        "received_at": g.received_at,
        "triage_due_at": g.triage_due_at,
        "notice_due_at": g.notice_due_at,
        "objection_due_at": g.objection_due_at,
        "handle_due_at": g.handle_due_at,
        "extension_days": g.extension_days,
        "review_request_by": g.review_request_by,
        "review_due_at": g.review_due_at,
        "rereview_request_by": g.rereview_request_by,
        "rereview_due_at": g.rereview_due_at,
        "hearing_open_since": g.hearing_open_since,
    }


def documents(g: Grievance) -> list[Document]:
    return list(Document.objects.filter(grievance=g).select_related("unit").order_by("issued_at", "pk"))


def document_ref(d: Document) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_label": str(d.get_kind_display()),
        "issued_at": d.issued_at,
        "served_on": d.served_on,
    }


def document_out(d: Document, number: str) -> dict:
    return {
        **document_ref(d),
        "outcome": d.outcome,
        "text": d.text,
        "basis": d.basis,
        "unit": ref(d.unit),
        "number": number,
    }


def outcome_label(d: Document) -> str:
    for choices in (Grievance.Outcome, Grievance.ReviewOutcome):
        if d.outcome in choices.values:
            return str(choices(d.outcome).label)
    return ""


def file_out(f) -> dict:
    return {
        "name": f.name,
        "address": f.address,
        "contact": f.contact,
        "identity_withheld": f.identity_withheld,
        "request": f.request,
        "facts_and_reasons": f.facts_and_reasons,
        "complained_about": f.complained_about,
        "complained_unit": ref(f.complained_unit),
        "is_accusation": f.is_accusation,
    }


GREEN, YELLOW, RED = "green", "yellow", "red"
# As for problems: yellow from 80% of the step's time used, red once it is past due.
YELLOW_FROM = 0.8


def clock_colour(case, now=None) -> str | None:
    """The colour of the running step (calendar time: the statutory periods are in days)."""
    if not case.step or case.step_started_at is None or case.step_due_at is None:
        return None
    now = now or timezone.now()
    if now > case.step_due_at:
        return RED
    total = (case.step_due_at - case.step_started_at).total_seconds()
    used = (now - case.step_started_at).total_seconds()
    return YELLOW if total > 0 and used / total >= YELLOW_FROM else GREEN


def _state(due, done, now) -> str:
    if done is not None:
        return "late" if due is not None and done > due else "done"
    if due is None:
        return "waiting"
    return "overdue" if now > due else "running"


def statutory_clocks(g: Grievance, now=None) -> list[dict]:
    """The statutory steps of ``g`` with their deadlines, when each was done and how: done, late,
    running, overdue, paused (a re-review during a hearing), or, for the petitioner's windows,
    open or closed. Steps not reached are left out."""
    now = now or timezone.now()
    rows = [
        ("triage", _("Triage by the letters-and-visits office"), 22, g.received_at, g.triage_due_at, g.triaged_at),
        ("notice", _("Written notice by the body"), 23, g.assigned_at, g.notice_due_at, g.noticed_at),
        ("handle", _("Handling, from acceptance"), 34, g.accepted_at, g.handle_due_at, g.decided_at),
        (
            "review_window",
            _("Petitioner may ask for a review"),
            35,
            g.decided_at,
            g.review_request_by,
            g.review_requested_at,
        ),
        ("review", _("Review answered"), 35, g.review_requested_at, g.review_due_at, g.review_answered_at),
        (
            "rereview_window",
            _("Petitioner may ask for a re-review"),
            36,
            g.review_answered_at,
            g.rereview_request_by,
            g.rereview_requested_at,
        ),
        (
            "rereview",
            _("Re-review answered (hearings not counted)"),
            36,
            g.rereview_requested_at,
            g.rereview_due_at,
            g.rereview_answered_at,
        ),
    ]
    out = []
    for key, label, article, started, due, done in rows:
        if started is None:
            continue
        state = _state(due, done, now)
        if key.endswith("_window") and done is None:
            state = "open" if due is not None and now <= due else "closed"  # an unused right is not overdue
        if key == "rereview" and done is None and g.hearing_open_since is not None:
            state = "paused"
        out.append(
            {
                "key": key,
                "label": str(label),
                "article": article,
                "started": started,
                "due": due,
                "done": done,
                "state": state,
            }
        )
    return out


def window_open(deadline, now=None) -> bool:
    """Whether a petitioner's window (review or re-review) is still open."""
    return deadline is not None and (now or timezone.now()) <= deadline
