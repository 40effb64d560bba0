"""The problem workflow of digital city management (数字城管), DESIGN.md §4, processes.md §1.3.

reported → accepted (立案) or rejected (with a reason the reporter sees) → dispatched (派遣)
→ signed for (签收) → in progress → handled with evidence (处置反馈) → verified (核查) → closed
(结案) → rated (评价). Side paths: return of a wrongly dispatched case (退回, re-dispatch),
extension requested and approved (延期), parked (挂账/缓办, out of the on-time denominator),
resolved on the spot by a grid worker (小事不出网格), urged by a supervisor (督办), taken over
by a lead official (包案), reopened by the reporter within ``REOPEN_WINDOW_DAYS``.

Deadline steps (``starts_step``) name the category's deadline that starts with the
transition: accept, dispatch, sign, handle, verify (``categories.models.DEADLINE_STEPS``).
"""

from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, SYSTEM, Transition, Workflow

GRID_WORKER, DISPATCHER, HANDLER, SUPERVISOR = "grid_worker", "dispatcher", "handler", "supervisor"

REPORTED, ACCEPTED, REJECTED = "reported", "accepted", "rejected"
DISPATCHED, SIGNED, IN_PROGRESS, HANDLED = "dispatched", "signed", "in_progress", "handled"
CLOSED, PARKED, MERGED = "closed", "parked", "merged"

STATES = (REPORTED, ACCEPTED, DISPATCHED, SIGNED, IN_PROGRESS, HANDLED, CLOSED, REJECTED, PARKED, MERGED)
# Open: not finished. A parked case is open but its clock is stopped.
OPEN = frozenset({REPORTED, ACCEPTED, DISPATCHED, SIGNED, IN_PROGRESS, HANDLED, PARKED})
ON_THE_CLOCK = OPEN - {PARKED}
WITH_UNIT = frozenset({DISPATCHED, SIGNED, IN_PROGRESS})

# A closed case may be reopened by its reporter for this many calendar days after closing.
REOPEN_WINDOW_DAYS = 15
# Ratings residents give (满意 / 基本满意 / 不满意); "satisfied" counts both of the first two.
RATINGS = (3, 2, 1)


def gettext_noop(message: str) -> str:
    """Marks a text for translation without Django (the table stays a plain module); pages show
    it through ``gettext``."""
    return message


def _t(action, sources, target, roles, **kw) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), **kw)


PROBLEM = Workflow(
    name="problem",
    states=STATES,
    initial=REPORTED,
    open_states=OPEN,
    creating_actions=frozenset({"report", "resolve_on_spot"}),
    public_actions=frozenset(
        {
            "report",
            "resolve_on_spot",
            "accept",
            "reject",
            "merge",
            "dispatch",
            "handle",
            "verify",
            "fail_verification",
            "reopen",
            "rate",
            "support",
            "absorb",
        }
    ),
    transitions=(
        _t(
            "report",
            (),
            REPORTED,
            {RESIDENT, GRID_WORKER, DISPATCHER},
            starts_step="accept",
            doc=gettext_noop("A resident, grid worker or hotline operator reports a problem."),
        ),
        _t(
            "resolve_on_spot",
            (),
            CLOSED,
            {GRID_WORKER},
            doc=gettext_noop(
                "A grid worker reports, handles and verifies a small matter in one step, with a photo. "
                "Only for categories that allow it."
            ),
        ),
        _t(
            "accept",
            {REPORTED},
            ACCEPTED,
            {DISPATCHER},
            starts_step="dispatch",
            doc=gettext_noop("The governance centre files the case (立案)."),
        ),
        _t(
            "reject",
            {REPORTED},
            REJECTED,
            {DISPATCHER},
            needs_reason=True,
            doc=gettext_noop("Not a case for the platform; the reporter sees the reason."),
        ),
        _t(
            "merge",
            {REPORTED, ACCEPTED},
            MERGED,
            {DISPATCHER},
            doc=gettext_noop("A duplicate is merged into its parent; its reporter follows the parent."),
        ),
        _t(
            "absorb",
            OPEN,
            None,
            {DISPATCHER},
            doc=gettext_noop("A duplicate was merged into this case; its reporters now follow this one."),
        ),
        _t(
            "dispatch",
            {ACCEPTED},
            DISPATCHED,
            {DISPATCHER},
            starts_step="sign",
            doc=gettext_noop("Sent to the responsible unit; the handling clock starts here."),
        ),
        _t(
            "return",
            {DISPATCHED, SIGNED},
            ACCEPTED,
            {HANDLER},
            starts_step="dispatch",
            needs_reason=True,
            doc=gettext_noop("The unit returns a wrongly dispatched case (退回) for re-dispatch."),
        ),
        _t(
            "sign",
            {DISPATCHED},
            SIGNED,
            {HANDLER},
            starts_step="handle",
            doc=gettext_noop("The unit signs for the case (签收)."),
        ),
        _t("start", {SIGNED}, IN_PROGRESS, {HANDLER}, doc=gettext_noop("Work on site has started.")),
        _t(
            "request_extension",
            {SIGNED, IN_PROGRESS},
            None,
            {HANDLER},
            needs_reason=True,
            doc=gettext_noop("The unit asks for more time (延期), with a reason and the time wanted."),
        ),
        _t(
            "approve_extension",
            {SIGNED, IN_PROGRESS},
            None,
            {DISPATCHER, SUPERVISOR},
            doc=gettext_noop("The pending extension is granted: the handling deadline moves."),
        ),
        _t(
            "refuse_extension",
            {SIGNED, IN_PROGRESS},
            None,
            {DISPATCHER, SUPERVISOR},
            needs_reason=True,
            doc=gettext_noop("The pending extension is refused; the deadline stays."),
        ),
        _t(
            "handle",
            {SIGNED, IN_PROGRESS},
            HANDLED,
            {HANDLER},
            starts_step="verify",
            needs_reason=True,
            doc=gettext_noop("The unit reports the work done, with evidence (处置反馈)."),
        ),
        _t(
            "verify",
            {HANDLED},
            CLOSED,
            {GRID_WORKER, REPORTER, DISPATCHER},
            doc=gettext_noop("A grid worker, the reporter or the centre checks the fix; the case closes (核查结案)."),
        ),
        _t(
            "fail_verification",
            {HANDLED},
            IN_PROGRESS,
            {GRID_WORKER, REPORTER, DISPATCHER},
            starts_step="handle",
            needs_reason=True,
            doc=gettext_noop("The check failed: the case goes back to the unit as rework (返工)."),
        ),
        _t(
            "park",
            {ACCEPTED, DISPATCHED, SIGNED, IN_PROGRESS},
            PARKED,
            {DISPATCHER, SUPERVISOR},
            needs_reason=True,
            doc=gettext_noop("Parked (挂账/缓办): cannot be solved now; out of the on-time denominator."),
        ),
        _t(
            "unpark",
            {PARKED},
            ACCEPTED,
            {DISPATCHER, SUPERVISOR},
            starts_step="dispatch",
            doc=gettext_noop("Taken up again: back to the centre for dispatch."),
        ),
        _t(
            "urge",
            ON_THE_CLOCK,
            None,
            {SUPERVISOR},
            needs_reason=True,
            doc=gettext_noop("A supervisor urges the case (督办)."),
        ),
        _t(
            "take_lead",
            OPEN,
            None,
            {SUPERVISOR},
            doc=gettext_noop("A supervisor takes ownership as lead official (包案)."),
        ),
        _t(
            "escalate",
            ON_THE_CLOCK,
            None,
            {SYSTEM},
            doc=gettext_noop("An overdue step moves the case one level up the region tree."),
        ),
        _t("support", OPEN, None, {RESIDENT, REPORTER}, doc=gettext_noop("Another resident says 'me too'.")),
        _t("rate", {CLOSED}, None, {REPORTER}, doc=gettext_noop("The reporter rates the result, once.")),
        _t(
            "reopen",
            {CLOSED},
            DISPATCHED,
            {REPORTER},
            starts_step="sign",
            needs_reason=True,
            doc=gettext_noop("The reporter says it is not fixed, within the reopen window: back to the same unit."),
        ),
    ),
)
