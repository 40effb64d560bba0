"""The tip workflow table, read as a specification (plain Python, no database)."""

import pytest

from civicgrid.cases.workflow import workflow_for
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, NotAllowed
from civicgrid.tips import workflow as w

HANDLER = {w.TIP_HANDLER}


def test_it_is_registered_for_tip_cases():
    assert workflow_for("tip") is w.TIP


def test_it_runs_screen_verify_handle_answer_in_order():
    path = [("screen", w.SUBMITTED), ("verify", w.SCREENED), ("handle", w.VERIFIED), ("answer", w.HANDLED)]
    state = w.TIP.check(None, "submit", {RESIDENT}).target
    assert state == w.SUBMITTED
    for action, expected_from in path:
        assert state == expected_from
        state = w.TIP.check(state, action, HANDLER).leads_to(state)
    assert state == w.ANSWERED
    assert not w.TIP.is_open(w.ANSWERED)


def test_it_starts_one_deadline_step_per_step():
    starts = {t.action: t.starts_step for t in w.TIP.transitions if t.starts_step}
    assert starts == {
        "submit": "screen",
        "screen": "verify",
        "verify": "handle",
        "find_unfounded": "answer",
        "transfer": "answer",
        "handle": "answer",
    }
    for state, step in w.STEP_OF_STATE.items():
        assert step in w.STEPS
        assert w.TIP.is_open(state)


def test_it_answers_every_outcome():
    for state in (w.HANDLED, w.UNFOUNDED, w.TRANSFERRED):
        assert w.TIP.check(state, "answer", HANDLER).target == w.ANSWERED


def test_it_lets_only_tip_handlers_take_staff_steps():
    staff_actions = {t.action for t in w.TIP.transitions} - {"submit", "add_information"}
    for action in staff_actions:
        t = w.TIP.transition(action)
        assert t.roles == frozenset(HANDLER), action
        state = sorted(t.sources)[0]
        for roles in ({RESIDENT}, {REPORTER}, {"dispatcher", "supervisor", "auditor", "handler"}):
            with pytest.raises(NotAllowed):
                w.TIP.check(state, action, roles)


def test_it_lets_the_submitter_add_information_at_any_open_step_only():
    for state in w.STATES:
        allowed = "add_information" in w.TIP.allowed(state, {REPORTER})
        assert allowed is (state in w.OPEN), state
    assert w.TIP.allowed(w.SUBMITTED, {REPORTER}) == ["add_information"]


def test_it_transfers_only_before_handling_is_done():
    assert w.TIP.transition("transfer").sources == {w.SUBMITTED, w.SCREENED, w.VERIFIED}


def test_it_allows_rewards_only_after_substantiation():
    for action in ("propose_reward", "decide_reward"):
        assert w.TIP.transition(action).sources == w.REWARD_STATES
    assert w.SUBMITTED not in w.REWARD_STATES and w.SCREENED not in w.REWARD_STATES


def test_it_keeps_status_names_short_enough_for_the_case_column():
    assert all(len(s) <= 12 for s in w.STATES)
    assert all(len(s) <= 10 for s in w.STEPS)
