"""The dispute workflow table: its shape, and every state × action × person against it."""

import pytest

from civicgrid.cases.actions import Forbidden
from civicgrid.cases.api import STAFF_ACTIONS, TRACK_ACTIONS
from civicgrid.cases.models import STATUS_LABELS, Case
from civicgrid.cases.workflow import problem, workflow_for
from civicgrid.disputes import actions
from civicgrid.disputes import workflow as wf
from civicgrid.disputes.access import roles_on_dispute
from civicgrid.disputes.tests.conftest import assigned, reload

SIDE_ACTIONS = {"police_feedback", "record_criminal_case"}


def test_it_is_the_workflow_of_dispute_cases():
    assert workflow_for(Case.Kind.DISPUTE) is wf.DISPUTE
    assert set(STATUS_LABELS[Case.Kind.DISPUTE].values) == set(wf.STATES)


def test_it_reaches_every_state_from_a_creating_action():
    seen = {t.target for t in wf.DISPUTE.transitions if t.action in wf.DISPUTE.creating_actions}
    frontier = set(seen)
    while frontier:
        frontier = {t.leads_to(s) for s in frontier for t in wf.DISPUTE.transitions if s in t.sources} - seen
        seen |= frontier
    assert seen == set(wf.STATES)


def test_it_lets_an_ended_dispute_only_record_outcomes():
    for state in wf.ENDED:
        allowed = {t.action for t in wf.DISPUTE.transitions if state in t.sources}
        assert allowed == SIDE_ACTIONS, state


def test_it_starts_mediation_only_from_consent():
    into = [t for t in wf.DISPUTE.transitions if t.target == wf.MEDIATING]
    assert [(t.action, set(t.sources)) for t in into] == [("start_mediation", {wf.CONSENTING})]


def test_it_shares_no_action_with_the_problem_api():
    """The generic case endpoints run problem actions by name; none of them names a dispute
    action, so a dispute moves only through ``disputes/actions.py``."""
    names = {t.action for t in wf.DISPUTE.transitions}
    assert not names & (set(STAFF_ACTIONS) | set(TRACK_ACTIONS) | {"escalate", "support", "absorb"})


def test_it_keeps_its_states_out_of_the_sweepers_clock():
    assert not set(wf.STATES) & problem.ON_THE_CLOCK


def _force(dispute, state):
    Case.objects.filter(pk=dispute.case_id).update(status=state)
    return reload(dispute)


@pytest.mark.parametrize("state", wf.STATES)
def test_it_permits_exactly_the_table(state, mediation):
    m = mediation
    dispute = _force(assigned(m), state)
    people = {
        "mia": m.mia,
        "max": m.max,
        "sue": m.sue,
        "sara": m.personas.sara,
        "dan": m.personas.dan,
        "mo": m.mo,
    }
    for name, user in people.items():
        roles = roles_on_dispute(user, dispute)
        for t in wf.DISPUTE.transitions:
            if t.action in wf.DISPUTE.creating_actions:
                continue
            expected = state in t.sources and bool(t.roles & roles)
            try:
                actions.permitted(dispute, t.action, user)
                got = True
            except Forbidden:
                got = False
            assert got == expected, (state, t.action, name)


def test_it_gives_each_person_their_role(mediation):
    m = mediation
    dispute = assigned(m)
    assert wf.MEDIATOR in roles_on_dispute(m.mia, dispute)
    assert wf.ORG_MEDIATOR in roles_on_dispute(m.max, dispute)
    assert wf.SUPERVISOR in roles_on_dispute(m.sue, dispute)
    for outsider in (m.mo, m.personas.sara, m.personas.dan, m.personas.gwen, m.personas.audrey, None):
        assert not roles_on_dispute(outsider, dispute) & {wf.MEDIATOR, wf.ORG_MEDIATOR, wf.SUPERVISOR}


def test_it_labels_every_route_the_rules_know():
    from civicgrid.disputes import rules
    from civicgrid.disputes.models import Dispute

    assert set(Dispute.Route.values) == rules.ROUTES
