"""Random action sequences keep the workflow's invariants (Hypothesis state machine)."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from civicgrid.cases import actions as A
from civicgrid.cases import audit
from civicgrid.cases.access import roles_on_case
from civicgrid.cases.models import Case
from civicgrid.cases.tests.test_workflow_table import CALLS, CASE_ACTIONS
from civicgrid.cases.workflow import problem
from civicgrid.testing import POINT_A1, make_category

PEOPLE = ("rita", "carl", "sara", "dan", "gwen", "olga", None)
NEXT_ON_MAIN_PATH = {
    problem.REPORTED: ("accept", "dan"),
    problem.ACCEPTED: ("dispatch", "dan"),
    problem.DISPATCHED: ("sign", "carl"),
    problem.SIGNED: ("start", "carl"),
    problem.IN_PROGRESS: ("handle", "carl"),
    problem.HANDLED: ("verify", "gwen"),
    problem.CLOSED: ("rate", "rita"),
}
# The only actions after which the handling deadline may differ from before.
MOVES_DEADLINE = {"dispatch", "approve_extension", "reopen", "return", "unpark"}


@pytest.mark.django_db
def test_it_keeps_the_invariants_under_random_actions(small_city, personas):
    category = make_category()
    other, _ = A.do_report_case(acting_user=None, category=category, description="other", **POINT_A1)
    A.do_accept_case(other, acting_user=personas.dan)

    class CaseMachine(RuleBasedStateMachine):
        @initialize()
        def report(self):
            self.case, _ = A.do_report_case(acting_user=personas.rita, category=category, description="x", **POINT_A1)

        @rule(action=st.sampled_from(CASE_ACTIONS), who=st.sampled_from(PEOPLE))
        def act(self, action, who):
            self._act(action, getattr(personas, who) if who else None)

        @rule(action=st.sampled_from(CASE_ACTIONS))
        def act_as_someone_allowed(self, action):
            """Most random pairs are refused; this rule lets the walk go deep into the workflow."""
            case = Case.objects.get(pk=self.case.pk)
            for who in PEOPLE:
                user = getattr(personas, who) if who else None
                if action in problem.PROBLEM.allowed(case.status, roles_on_case(user, case)):
                    self._act(action, user)
                    return

        @rule()
        def advance(self):
            """Take the next step of the main path, so that walks reach the late states often."""
            nxt = NEXT_ON_MAIN_PATH.get(Case.objects.get(pk=self.case.pk).status)
            if nxt:
                action, who = nxt
                self._act(action, getattr(personas, who))

        def _act(self, action, user):
            before = Case.objects.get(pk=self.case.pk)
            case = Case.objects.select_related("category", "owner_unit").get(pk=self.case.pk)
            try:
                CALLS[action](case, user, other)
            except A.CaseError:
                after = Case.objects.get(pk=self.case.pk)
                assert after.version == before.version  # a refused action writes nothing
                return
            after = Case.objects.get(pk=self.case.pk)
            assert after.version == before.version + 1
            if after.handle_due_at != before.handle_due_at:
                assert action in MOVES_DEADLINE, action
            self.case = after

        @rule()
        def escalate(self):
            case = Case.objects.select_related("category").get(pk=self.case.pk)
            if case.status in problem.ON_THE_CLOCK:
                A.do_escalate_case(case)

        @invariant()
        def one_owner_while_with_a_unit(self):
            if self.case.status in problem.WITH_UNIT | {problem.HANDLED}:
                assert self.case.owner_unit_id is not None

        @invariant()
        def chain_is_intact(self):
            assert audit.verify(case_ids=[self.case.pk]).breaks == []

        @invariant()
        def closed_means_verified_or_resolved_on_the_spot(self):
            if self.case.status == problem.CLOSED:
                last_close = (
                    self.case.events.filter(to_state=problem.CLOSED)
                    .exclude(from_state=problem.CLOSED)
                    .order_by("-seq")
                    .first()
                )
                assert last_close.action in ("verify", "resolve_on_spot")

    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=30, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
