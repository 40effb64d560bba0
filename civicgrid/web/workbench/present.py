"""How the case page presents a case: the timeline of its events, role and step names, and the
reporter's contact (masked; the full contact only through the privacy app's logged reveal)."""

from django.utils.translation import gettext_lazy as _

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, SYSTEM
from civicgrid.org.roles import Role
from civicgrid.privacy.access_log import mask_contact

# Names of the events on the timeline (every transition of the table).
EVENT_LABELS = {
    "report": _("Reported"),
    "resolve_on_spot": _("Resolved on the spot"),
    "accept": _("Accepted"),
    "reject": _("Rejected"),
    "merge": _("Merged into another case"),
    "absorb": _("A duplicate was merged in"),
    "dispatch": _("Dispatched"),
    "return": _("Returned"),
    "sign": _("Signed for"),
    "start": _("Work started"),
    "request_extension": _("More time asked"),
    "approve_extension": _("Extension approved"),
    "refuse_extension": _("Extension refused"),
    "handle": _("Handled"),
    "verify": _("Verified and closed"),
    "fail_verification": _("Verification failed"),
    "park": _("Parked"),
    "unpark": _("Taken up again"),
    "urge": _("Urged"),
    "take_lead": _("Lead official took over"),
    "escalate": _("Escalated"),
    "support": _("Me too"),
    "rate": _("Rated"),
    "reopen": _("Reopened"),
}
# What the timeline calls the fields the actions record with an event.
PAYLOAD_LABELS = {
    "source": _("source"),
    "unit": _("unit code"),
    "unit_name": _("unit"),
    "duration": _("time"),
    "due": _("new deadline"),
    "into": _("merged into"),
    "duplicate": _("duplicate"),
    "rating": _("rating"),
    "step": _("step"),
    "level": _("level"),
}
STEP_LABELS = {
    "accept": _("Accept"),
    "dispatch": _("Dispatch"),
    "sign": _("Sign for"),
    "handle": _("Handle"),
    "verify": _("Verify"),
}
RELATION_LABELS = {RESIDENT: _("Resident"), REPORTER: _("Reporter"), SYSTEM: _("System")}


def role_label(role: str) -> str:
    if role in Role.values:
        return str(Role(role).label)
    return str(RELATION_LABELS.get(role, role))


def step_label(step: str) -> str:
    return str(STEP_LABELS.get(step, step))


def timeline(case) -> list[dict]:
    """Every event of ``case`` in order, with who, as which role, and its hash prefix. One query."""
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("seq")
    status_label = dict(Case.Status.choices)
    out = []
    for e in events:
        # A resident's identity is not shown, not even to staff: only their role.
        staff_actor = e.actor is not None and e.actor_role in Role.values
        out.append(
            {
                "event": e,
                "label": EVENT_LABELS.get(e.action, e.action),
                "actor": (e.actor.get_full_name() or e.actor.get_username()) if staff_actor else "",
                "role": role_label(e.actor_role),
                "from": status_label.get(e.from_state, e.from_state),
                "to": status_label.get(e.to_state, e.to_state),
                "details": [(PAYLOAD_LABELS.get(k, k), v) for k, v in sorted(e.payload.items())],
                "hash": e.hash[:12],
            }
        )
    return out


def contact(case, revealed: str | None = None) -> dict:
    """The reporter's contact as the page shows it: masked, or ``revealed`` after a logged reveal."""
    return {
        "given": bool(case.contact),
        "masked": mask_contact(case.contact),
        "revealed": revealed,
        "shared": case.contact_shared,
    }
