"""The grievance workflow (信访) under the 信访工作条例 of 2022, processes.md §2.1 and §6.

registered (登记) → triaged within 15 days (Art. 22): assigned to the body with authority
(转送 transfer or 交办 assignment with a report deadline) or declined with a written reason
→ the body tells the petitioner in writing within 15 days (Art. 23) that it admits the matter
(受理: how it was received and how it will be handled), or that it does not; or it objects to
jurisdiction within 5 working days (Art. 23) and the matter goes back to triage → handling,
60 days from acceptance, extendable once by up to 30 days with the reason told (Art. 34),
hearings possible (Art. 31) → the written decision, a 信访处理意见书: support / explain / not
support (Art. 32) → the petitioner may ask the next level up for a review (复查) within 30 days
of receiving it, answered within 30 days (Art. 35) → and then for a re-review (复核) by the
level above that, likewise, the time hearings take not counted (Art. 36) → final: the same
facts and reasons are not accepted again (Art. 36).

Alongside: the petitioner evaluates the handling (Art. 21); the same matter raised again at a
higher level while it is being handled is linked to it, not registered twice (Art. 19); a
supervisor takes a long-open grievance as lead official (包案) and keeps its problem, task and
responsibility lists.

Deadline steps (``starts_step``) are statutory, not a category's: the actions pass the step's
clock themselves (``rules.py``). Plain module: no Django.
"""

from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, Transition, Workflow

GRIEVANCE_OFFICER, HANDLER, SUPERVISOR = "grievance_officer", "handler", "supervisor"

REGISTERED, ASSIGNED, HANDLING, DECIDED = "registered", "assigned", "handling", "decided"
IN_REVIEW, REVIEWED, IN_REREVIEW, FINAL = "in_review", "reviewed", "in_rereview", "final"
NOT_ACCEPTED = "not_accepted"

STATES = (REGISTERED, ASSIGNED, HANDLING, DECIDED, IN_REVIEW, REVIEWED, IN_REREVIEW, FINAL, NOT_ACCEPTED)
# Open: a body or office still owes the petitioner something.
OPEN = frozenset({REGISTERED, ASSIGNED, HANDLING, IN_REVIEW, IN_REREVIEW})
# Answered in writing; a decided or reviewed matter may still go up on the petitioner's request.
ANSWERED = frozenset({DECIDED, REVIEWED, FINAL})
# A body holds the matter (the owner unit acts).
WITH_BODY = frozenset({ASSIGNED, HANDLING, IN_REVIEW, IN_REREVIEW})

# Deadline steps (``Case.step``).
TRIAGE, NOTICE, HANDLE, REVIEW, REREVIEW = "triage", "notice", "handle", "review", "rereview"

# Ratings the petitioner gives the handling (满意 / 基本满意 / 不满意), as for problems.
RATINGS = (3, 2, 1)

# The grievance type (category leaf) whose content is accusation material (检举控告, Art. 30).
ACCUSATION_CATEGORY = "G0102"


def gettext_noop(message: str) -> str:
    """Marks a text for translation without Django (the table stays a plain module); pages show
    it through ``gettext``."""
    return message


def _t(action, sources, target, roles, **kw) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), **kw)


GRIEVANCE = Workflow(
    name="grievance",
    states=STATES,
    initial=REGISTERED,
    open_states=OPEN,
    creating_actions=frozenset({"submit", "record"}),
    public_actions=frozenset(
        {
            "submit",
            "record",
            "assign",
            "decline",
            "admit",
            "not_admit",
            "extend",
            "start_hearing",
            "end_hearing",
            "decide",
            "request_review",
            "answer_review",
            "request_rereview",
            "answer_rereview",
            "evaluate",
            "raise_again",
        }
    ),
    transitions=(
        _t(
            "submit",
            (),
            REGISTERED,
            {RESIDENT},
            starts_step=TRIAGE,
            doc=gettext_noop("A resident submits a grievance online and gets its receipt number (Art. 17, 21)."),
        ),
        _t(
            "record",
            (),
            REGISTERED,
            {GRIEVANCE_OFFICER},
            starts_step=TRIAGE,
            doc=gettext_noop(
                "A grievance officer registers a letter, call, fax or visit; oral ones recorded faithfully (Art. 19)."
            ),
        ),
        _t(
            "assign",
            {REGISTERED},
            ASSIGNED,
            {GRIEVANCE_OFFICER},
            starts_step=NOTICE,
            doc=gettext_noop(
                "Transferred (转送) or assigned with a report deadline (交办) to the body with authority, within "
                "15 days of receipt (Art. 22)."
            ),
        ),
        _t(
            "decline",
            {REGISTERED},
            NOT_ACCEPTED,
            {GRIEVANCE_OFFICER},
            needs_reason=True,
            doc=gettext_noop(
                "Not a matter the letters-and-visits route takes (another legal route, or the same facts after "
                "re-review): the petitioner is told in writing why and where to go (Art. 22, 36)."
            ),
        ),
        _t(
            "object",
            {ASSIGNED},
            REGISTERED,
            {HANDLER},
            starts_step=TRIAGE,
            needs_reason=True,
            doc=gettext_noop(
                "Not within this body's authority: objected within 5 working days, with reasons; back to "
                "triage (Art. 23)."
            ),
        ),
        _t(
            "admit",
            {ASSIGNED},
            HANDLING,
            {HANDLER},
            starts_step=HANDLE,
            doc=gettext_noop(
                "Accepted (受理): the petitioner is told in writing how it was received and how it will be "
                "handled, within 15 days; the 60-day handling period starts (Art. 23, 34)."
            ),
        ),
        _t(
            "not_admit",
            {ASSIGNED},
            NOT_ACCEPTED,
            {HANDLER},
            needs_reason=True,
            doc=gettext_noop(
                "Not accepted: it belongs to litigation, arbitration, administrative review or another "
                "procedure; the petitioner is told in writing which (Art. 23, 31)."
            ),
        ),
        _t(
            "extend",
            {HANDLING},
            None,
            {HANDLER},
            needs_reason=True,
            doc=gettext_noop(
                "The head of the body approved one extension of up to 30 days; the petitioner is told why (Art. 34)."
            ),
        ),
        _t(
            "start_hearing",
            {HANDLING, IN_REREVIEW},
            None,
            {HANDLER},
            doc=gettext_noop("A hearing (听证) opens; in a re-review its time is not counted (Art. 31, 36)."),
        ),
        _t(
            "end_hearing",
            {HANDLING, IN_REREVIEW},
            None,
            {HANDLER},
            doc=gettext_noop("The hearing closes; a re-review's deadline moves by the days it took (Art. 36)."),
        ),
        _t(
            "decide",
            {HANDLING},
            DECIDED,
            {HANDLER},
            doc=gettext_noop("The written decision (信访处理意见书): support, explain or not support (Art. 31, 32)."),
        ),
        _t(
            "request_review",
            {DECIDED},
            IN_REVIEW,
            {REPORTER, GRIEVANCE_OFFICER},
            starts_step=REVIEW,
            doc=gettext_noop(
                "The petitioner asks the next level up for a review (复查) within 30 days of the reply (Art. 35)."
            ),
        ),
        _t(
            "route_review",
            {IN_REVIEW, IN_REREVIEW},
            None,
            {GRIEVANCE_OFFICER},
            doc=gettext_noop(
                "The office names the reviewing body when CivicGrid knows no level above the one that answered."
            ),
        ),
        _t(
            "answer_review",
            {IN_REVIEW},
            REVIEWED,
            {HANDLER},
            doc=gettext_noop("The reviewing body gives its written review opinion within 30 days (Art. 35)."),
        ),
        _t(
            "request_rereview",
            {REVIEWED},
            IN_REREVIEW,
            {REPORTER, GRIEVANCE_OFFICER},
            starts_step=REREVIEW,
            doc=gettext_noop(
                "The petitioner asks the level above the reviewing body for a re-review (复核) within 30 days "
                "(Art. 36)."
            ),
        ),
        _t(
            "answer_rereview",
            {IN_REREVIEW},
            FINAL,
            {HANDLER},
            doc=gettext_noop(
                "The re-review opinion, within 30 days not counting hearings; the same facts and reasons are "
                "not accepted again (Art. 36)."
            ),
        ),
        _t(
            "evaluate",
            ANSWERED | {NOT_ACCEPTED},
            None,
            {REPORTER},
            doc=gettext_noop("The petitioner evaluates the handling of this stage (Art. 21)."),
        ),
        _t(
            "raise_again",
            OPEN,
            None,
            {RESIDENT, REPORTER, GRIEVANCE_OFFICER},
            doc=gettext_noop(
                "The same matter was raised again, at a higher level or by a new submission quoting its receipt "
                "number, while being handled: linked here, not registered twice (Art. 19)."
            ),
        ),
        _t(
            "take_lead",
            OPEN,
            None,
            {SUPERVISOR},
            doc=gettext_noop("A leader takes the grievance as lead official (包案)."),
        ),
        _t(
            "add_list_item",
            OPEN,
            None,
            {SUPERVISOR},
            doc=gettext_noop("The lead official adds to the problem, task or responsibility list."),
        ),
        _t(
            "complete_list_item",
            OPEN,
            None,
            {SUPERVISOR},
            doc=gettext_noop("An item of the lists is done."),
        ),
    ),
)
