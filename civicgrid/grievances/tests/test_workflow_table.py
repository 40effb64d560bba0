"""The grievance workflow table read as a whole: reachable states, ways out, its place beside the
problem workflow."""

from civicgrid.cases.models import STATUS_LABELS, Case, CaseEvent
from civicgrid.cases.workflow import problem, workflow_for
from civicgrid.grievances import workflow as wf
from civicgrid.grievances.models import Grievance

W = wf.GRIEVANCE


def reachable() -> set[str]:
    seen, todo = {W.initial}, [W.initial]
    while todo:
        state = todo.pop()
        for t in W.transitions:
            if state in t.sources and t.target and t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return seen


def test_it_is_registered_with_its_status_labels():
    assert workflow_for("grievance") is W
    assert STATUS_LABELS["grievance"] is Grievance.Status
    assert set(Grievance.Status.values) == set(W.states)


def test_it_reaches_every_state():
    assert reachable() == set(W.states)


def test_it_has_a_way_out_of_every_open_state():
    for state in W.open_states:
        targets = {t.target for t in W.transitions if state in t.sources and t.target}
        assert targets - W.open_states or targets & W.open_states - {state}, state


def test_it_ends_in_final_or_not_accepted_and_lets_a_decided_or_reviewed_matter_go_up():
    moves = {s: {t.target for t in W.transitions if s in t.sources and t.target} for s in W.states}
    assert moves[wf.FINAL] == set() and moves[wf.NOT_ACCEPTED] == set()
    assert moves[wf.DECIDED] == {wf.IN_REVIEW} and moves[wf.REVIEWED] == {wf.IN_REREVIEW}


def test_it_makes_review_and_re_review_the_petitioners_rights():
    for action in ("request_review", "request_rereview", "evaluate"):
        assert wf.REPORTER in W.transition(action).roles
        assert action in W.public_actions


def test_it_keeps_states_and_steps_within_the_case_columns():
    assert max(len(s) for s in W.states) <= Case._meta.get_field("status").max_length
    steps = {t.starts_step for t in W.transitions if t.starts_step}
    assert steps == {wf.TRIAGE, wf.NOTICE, wf.HANDLE, wf.REVIEW, wf.REREVIEW}
    assert max(len(s) for s in steps) <= Case._meta.get_field("step").max_length
    assert max(len(t.action) for t in W.transitions) <= CaseEvent._meta.get_field("action").max_length


def test_it_shares_no_state_with_the_problem_sweeper_or_problem_notifications():
    # The deadline sweeper escalates cases in the problem workflow's running states; the
    # notifications speak of problem actions. Neither must take a grievance for a problem.
    assert not set(W.states) & problem.ON_THE_CLOCK
    assert not {t.action for t in W.transitions} & {
        "accept",
        "reject",
        "handle",
        "verify",
        "merge",
        "reopen",
        "escalate",
        "urge",
    }


def test_it_keeps_internal_steps_off_the_petitioners_page():
    for action in ("object", "route_review", "take_lead", "add_list_item", "complete_list_item"):
        assert action not in W.public_actions
