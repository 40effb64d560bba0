"""The anonymous tip line (线索举报): every tip screened, verified, handled and answered (the
"four 100%"). Plain table, no Django; see ``cases/workflow/engine.py`` for the vocabulary.

submitted → screened (初核: the tip is one for this line and concrete enough to check)
→ verified (核查: substantiated) → handled (处置) → answered (反馈: the submitter reads the answer
with their receipt code and passphrase). Two other outcomes end the checking early and go
straight to the answer: not substantiated (查无实据, after verification) and transferred (移送:
to the body with authority, from any step before handling). A transfer concludes the step that
was running. The submitter may add information at any open step; staff may write to the
submitter (a reply) or keep internal notes at any time. A reward decision (amount and basis,
approved by a second tip handler) may be recorded once a tip is substantiated.

The deadline step each transition starts (``starts_step``) is one of ``STEPS``; its period comes
from ``tips/rules.py``, not from a category, so the actions pass the step fields themselves.

Roles: ``tip_handler`` (staff holding that role within their scope) and ``reporter`` (whoever
gives the tip's receipt code and passphrase; the line never knows who that is). ``resident``
(anyone) only submits.
"""

from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, Transition, Workflow

TIP_HANDLER = "tip_handler"

SUBMITTED, SCREENED, VERIFIED, HANDLED, ANSWERED = "submitted", "screened", "verified", "handled", "answered"
UNFOUNDED, TRANSFERRED = "unfounded", "transferred"

STATES = (SUBMITTED, SCREENED, VERIFIED, HANDLED, UNFOUNDED, TRANSFERRED, ANSWERED)
# Every state but the last is open: the submitter is still owed an answer.
OPEN = frozenset(STATES) - {ANSWERED}
# The states waiting for the final answer to the submitter.
TO_ANSWER = frozenset({HANDLED, UNFOUNDED, TRANSFERRED})

# The four steps, in order, and the step running in each open state.
SCREEN, VERIFY, HANDLE, ANSWER = "screen", "verify", "handle", "answer"
STEPS = (SCREEN, VERIFY, HANDLE, ANSWER)
STEP_OF_STATE = {
    SUBMITTED: SCREEN,
    SCREENED: VERIFY,
    VERIFIED: HANDLE,
    HANDLED: ANSWER,
    UNFOUNDED: ANSWER,
    TRANSFERRED: ANSWER,
}

# How the checking ended (``Tip.outcome``).
SUBSTANTIATED, NOT_SUBSTANTIATED = "substantiated", "not_substantiated"
OUTCOMES = (SUBSTANTIATED, NOT_SUBSTANTIATED, TRANSFERRED)

# A reward may be proposed and decided once the tip is substantiated (verified, handled or
# answered with that outcome; the action checks the outcome).
REWARD_STATES = frozenset({VERIFIED, HANDLED, ANSWERED})


def _t(action, sources, target, roles, **kw) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), **kw)


TIP = Workflow(
    name="tip",
    states=STATES,
    initial=SUBMITTED,
    open_states=OPEN,
    creating_actions=frozenset({"submit"}),
    # The events whose facts the submitter sees on the "check my tip" page.
    public_actions=frozenset(
        {"submit", "screen", "verify", "find_unfounded", "transfer", "handle", "answer", "reply", "add_information"}
    ),
    transitions=(
        _t(
            "submit",
            (),
            SUBMITTED,
            {RESIDENT},
            starts_step=SCREEN,
            doc="Anyone sends a tip without an account and gets a receipt code.",
        ),
        _t(
            "screen",
            {SUBMITTED},
            SCREENED,
            {TIP_HANDLER},
            starts_step=VERIFY,
            doc="First check (初核): the tip is one for this line and concrete enough to verify.",
        ),
        _t(
            "verify",
            {SCREENED},
            VERIFIED,
            {TIP_HANDLER},
            starts_step=HANDLE,
            doc="Verification (核查) found the tip substantiated; it goes to handling.",
        ),
        _t(
            "find_unfounded",
            {SCREENED},
            UNFOUNDED,
            {TIP_HANDLER},
            starts_step=ANSWER,
            doc="Verification found the tip not substantiated (查无实据); the submitter is answered.",
        ),
        _t(
            "transfer",
            {SUBMITTED, SCREENED, VERIFIED},
            TRANSFERRED,
            {TIP_HANDLER},
            starts_step=ANSWER,
            doc="The tip goes to the body with authority (移送); the submitter is told where it went.",
        ),
        _t(
            "extend_verification",
            {SCREENED},
            None,
            {TIP_HANDLER},
            doc="Verification needs more time: its deadline is extended once, with a reason.",
        ),
        _t(
            "handle",
            {VERIFIED},
            HANDLED,
            {TIP_HANDLER},
            starts_step=ANSWER,
            doc="The substantiated tip has been dealt with (处置); the submitter is answered next.",
        ),
        _t(
            "answer",
            TO_ANSWER,
            ANSWERED,
            {TIP_HANDLER},
            doc="The final answer to the submitter (反馈); the tip is closed.",
        ),
        _t(
            "reply",
            OPEN,
            None,
            {TIP_HANDLER},
            doc="A message to the submitter while the tip is open (a question, a progress note).",
        ),
        _t(
            "add_information",
            OPEN,
            None,
            {REPORTER},
            doc="The submitter adds information or photos to their open tip.",
        ),
        _t("note", STATES, None, {TIP_HANDLER}, doc="An internal note of the tip handlers."),
        _t(
            "propose_reward",
            REWARD_STATES,
            None,
            {TIP_HANDLER},
            doc="A tip handler proposes a reward (amount and basis) for a substantiated tip.",
        ),
        _t(
            "decide_reward",
            REWARD_STATES,
            None,
            {TIP_HANDLER},
            doc="A second tip handler approves or refuses the proposed reward.",
        ),
    ),
)
