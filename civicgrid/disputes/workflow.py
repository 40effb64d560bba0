"""The dispute workflow: people's mediation under the People's Mediation Law (人民调解法, 2010)
and court-referred mediation (SPC 特邀调解 rules, 2016). processes.md §3.

    applied | identified  ─ask_consent→  consenting
    consenting   ─start_mediation→   mediating     every party accepted (Art. 17)
                 ─decline→           refused       ends; the refusal is recorded (Art. 17)
    mediating    ─reach_agreement→   agreed        written (Art. 28–29) or oral, recorded (Art. 30)
                 ─terminate→         terminated    the other routes explained (Art. 26)
    agreed       ─apply_confirmation→ jc_applied   jointly, within 30 days (Art. 33)
    jc_applied   ─court_accept→      jc_accepted   the court decides on acceptance in 3 days
                 ─court_decline→     agreed        not accepted; the agreement still binds (Art. 31)
    jc_accepted  ─court_confirm→     jc_confirmed  the court decides in 15 days (+10)
                 ─court_reject→      jc_rejected   invalid: mediate again or sue (Art. 33)
    jc_rejected  ─remediate→         consenting    or ─terminate→ terminated
    agreed | jc_confirmed ─close→    closed        after the performance was followed up (Art. 31)

Side actions that keep the state: assigning mediators (Art. 19, 23), adding parties, recording a
party's consent, scheduling and recording sessions (Art. 27), the parties agreeing on another
period, drafting the written agreement, the court's extension, following up performance
(Art. 31), referring the dispute to the police (Art. 25), the police's feedback and the
recorded outcome that the dispute became a criminal case.

Roles (``disputes/access.py::roles_on_dispute``): ``mediator`` is a mediator assigned to this
dispute, ``org_mediator`` a mediator of the dispute's organisation not (yet) assigned to it,
``supervisor`` a supervisor of the organisation or of a unit above it. Grid workers and hotline
dispatchers register disputes they find; a resident applies. Plain module: no Django.
"""

from civicgrid.cases.workflow.engine import RESIDENT, Transition, Workflow

MEDIATOR = "mediator"
ORG_MEDIATOR = "org_mediator"
SUPERVISOR = "supervisor"
GRID_WORKER = "grid_worker"
DISPATCHER = "dispatcher"

APPLIED, IDENTIFIED, CONSENTING, MEDIATING = "applied", "identified", "consenting", "mediating"
REFUSED, AGREED, TERMINATED, CLOSED = "refused", "agreed", "terminated", "closed"
JC_APPLIED, JC_ACCEPTED, JC_CONFIRMED, JC_REJECTED = "jc_applied", "jc_accepted", "jc_confirmed", "jc_rejected"

STATES = (
    APPLIED,
    IDENTIFIED,
    CONSENTING,
    MEDIATING,
    AGREED,
    JC_APPLIED,
    JC_ACCEPTED,
    JC_CONFIRMED,
    JC_REJECTED,
    CLOSED,
    REFUSED,
    TERMINATED,
)
ENDED = frozenset({REFUSED, TERMINATED, CLOSED})
OPEN = frozenset(STATES) - ENDED
BEFORE_MEDIATION = frozenset({APPLIED, IDENTIFIED, CONSENTING})
# An agreement is in force (until the court finds it invalid).
WITH_AGREEMENT = frozenset({AGREED, JC_APPLIED, JC_ACCEPTED, JC_CONFIRMED})
CLOSABLE = frozenset({AGREED, JC_CONFIRMED})


def _t(action, sources, target, roles, doc) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), doc=doc)


DISPUTE = Workflow(
    name="dispute",
    states=STATES,
    initial=APPLIED,
    open_states=OPEN,
    creating_actions=frozenset({"apply", "identify", "receive_referral"}),
    # What the applicant sees on the follow page; the rest (consents, minutes, drafts,
    # follow-ups, police referrals) stays with the mediators.
    public_actions=frozenset(
        {
            "apply",
            "identify",
            "receive_referral",
            "assign",
            "ask_consent",
            "decline",
            "start_mediation",
            "schedule_session",
            "extend_period",
            "reach_agreement",
            "terminate",
            "apply_confirmation",
            "court_accept",
            "court_decline",
            "court_extend",
            "court_confirm",
            "court_reject",
            "remediate",
            "close",
        }
    ),
    transitions=(
        _t("apply", (), APPLIED, {RESIDENT}, "A party applies for mediation (Art. 17), online or at the office."),
        _t(
            "identify",
            (),
            IDENTIFIED,
            {GRID_WORKER, DISPATCHER, ORG_MEDIATOR},
            "A dispute found by screening, taken by the hotline, or taken up by the committee on its own "
            "initiative (Art. 17).",
        ),
        _t(
            "receive_referral",
            (),
            APPLIED,
            {ORG_MEDIATOR},
            "A court (委派 before filing, 委托 after) or a police station refers the dispute (Art. 18).",
        ),
        _t(
            "assign",
            BEFORE_MEDIATION | {MEDIATING},
            None,
            {ORG_MEDIATOR, MEDIATOR, SUPERVISOR},
            "One or more mediators are assigned; the parties may choose them (Art. 19, 23).",
        ),
        _t("add_party", BEFORE_MEDIATION, None, {MEDIATOR, SUPERVISOR}, "A party to the dispute is recorded."),
        _t(
            "ask_consent",
            {APPLIED, IDENTIFIED},
            CONSENTING,
            {MEDIATOR},
            "The parties are asked whether they accept mediation (Art. 17).",
        ),
        _t("record_consent", {CONSENTING}, None, {MEDIATOR}, "A party accepts mediation (Art. 17, 23)."),
        _t(
            "decline",
            {CONSENTING},
            REFUSED,
            {MEDIATOR},
            "A party refuses mediation: it may not proceed, and the refusal is recorded (Art. 17).",
        ),
        _t(
            "start_mediation",
            {CONSENTING},
            MEDIATING,
            {MEDIATOR},
            "Every party accepted: mediation starts and its period runs.",
        ),
        _t(
            "schedule_session",
            {MEDIATING},
            None,
            {MEDIATOR},
            "A session in person or online is scheduled.",
        ),
        _t(
            "record_session",
            {MEDIATING},
            None,
            {MEDIATOR},
            "What happened at a session: participants and minutes (Art. 27).",
        ),
        _t(
            "extend_period",
            {MEDIATING},
            None,
            {MEDIATOR},
            "The parties agree on another mediation period.",
        ),
        _t(
            "draft_agreement",
            {MEDIATING},
            None,
            {MEDIATOR},
            "The written agreement is drafted (Art. 28–29) and printed for signatures.",
        ),
        _t(
            "reach_agreement",
            {MEDIATING},
            AGREED,
            {MEDIATOR},
            "The parties agree: a written agreement signed by all (Art. 29) or an oral one recorded (Art. 30).",
        ),
        _t(
            "terminate",
            {MEDIATING, JC_REJECTED},
            TERMINATED,
            {MEDIATOR},
            "Mediation fails or a party stops it; the parties are told of the other routes (Art. 23, 26, 33).",
        ),
        _t(
            "apply_confirmation",
            {AGREED},
            JC_APPLIED,
            {MEDIATOR},
            "The parties jointly ask the court to confirm the agreement, within 30 days (Art. 33).",
        ),
        _t("court_accept", {JC_APPLIED}, JC_ACCEPTED, {MEDIATOR}, "The court accepted the application."),
        _t(
            "court_decline",
            {JC_APPLIED},
            AGREED,
            {MEDIATOR},
            "The court did not accept the application; the agreement still binds the parties (Art. 31).",
        ),
        _t("court_extend", {JC_ACCEPTED}, None, {MEDIATOR}, "The court extended its decision time by 10 days."),
        _t("court_confirm", {JC_ACCEPTED}, JC_CONFIRMED, {MEDIATOR}, "The court confirmed the agreement valid."),
        _t(
            "court_reject",
            {JC_ACCEPTED},
            JC_REJECTED,
            {MEDIATOR},
            "The court found the agreement invalid: the parties may mediate again or sue (Art. 33).",
        ),
        _t(
            "remediate",
            {JC_REJECTED},
            CONSENTING,
            {MEDIATOR},
            "The parties change the agreement or reach a new one by mediation (Art. 33); consent is asked again.",
        ),
        _t(
            "follow_up",
            WITH_AGREEMENT,
            None,
            {MEDIATOR, SUPERVISOR},
            "The committee follows up the performance of the agreement (Art. 31).",
        ),
        _t(
            "close",
            CLOSABLE,
            CLOSED,
            {MEDIATOR, SUPERVISOR},
            "The agreement's performance was followed up; the file is closed and archived (Art. 27, 31).",
        ),
        _t(
            "refer_police",
            OPEN,
            None,
            {MEDIATOR, SUPERVISOR},
            "A dispute that may lead to a public-security or criminal case is reported to the police (Art. 25): "
            "a referral of the dispute, never a file on a person.",
        ),
        _t(
            "police_feedback",
            frozenset(STATES),
            None,
            {MEDIATOR, SUPERVISOR},
            "What the police did about a referral.",
        ),
        _t(
            "record_criminal_case",
            frozenset(STATES),
            None,
            {MEDIATOR, SUPERVISOR},
            "The dispute became a criminal case (民转刑), as the police or court notified.",
        ),
    ),
)
