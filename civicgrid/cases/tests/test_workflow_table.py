"""Every state × action × role: the actions allow exactly what the workflow table allows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.cases import actions as A
from civicgrid.cases.access import roles_on_case
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import problem
from civicgrid.cases.workflow.engine import SYSTEM, NotAllowed, Workflow
from civicgrid.testing import make_category

CALLS = {
    "accept": lambda c, u, o: A.do_accept_case(c, acting_user=u),
    "reject": lambda c, u, o: A.do_reject_case(c, acting_user=u, reason="r"),
    "merge": lambda c, u, o: A.do_merge_case(c, into=o, acting_user=u),
    "absorb": None,  # only as part of merge
    "dispatch": lambda c, u, o: A.do_dispatch_case(c, acting_user=u),
    "return": lambda c, u, o: A.do_return_case(c, acting_user=u, reason="r"),
    "sign": lambda c, u, o: A.do_sign_case(c, acting_user=u),
    "start": lambda c, u, o: A.do_start_case(c, acting_user=u),
    "request_extension": lambda c, u, o: A.do_request_extension(c, acting_user=u, duration="1wd", reason="r"),
    "approve_extension": lambda c, u, o: A.do_approve_extension(c, acting_user=u),
    "refuse_extension": lambda c, u, o: A.do_refuse_extension(c, acting_user=u, reason="r"),
    "handle": lambda c, u, o: A.do_handle_case(c, acting_user=u, result="done"),
    "verify": lambda c, u, o: A.do_verify_case(c, acting_user=u),
    "fail_verification": lambda c, u, o: A.do_fail_verification(c, acting_user=u, reason="r"),
    "park": lambda c, u, o: A.do_park_case(c, acting_user=u, reason="r"),
    "unpark": lambda c, u, o: A.do_unpark_case(c, acting_user=u),
    "urge": lambda c, u, o: A.do_urge_case(c, acting_user=u, reason="r"),
    "take_lead": lambda c, u, o: A.do_take_lead_case(c, acting_user=u),
    "support": lambda c, u, o: A.do_support_case(c, acting_user=u),
    "rate": lambda c, u, o: A.do_rate_case(c, acting_user=u, rating=3),
    "reopen": lambda c, u, o: A.do_reopen_case(c, acting_user=u, reason="r"),
}
CASE_ACTIONS = [t.action for t in problem.PROBLEM.transitions if t.sources and t.action not in ("escalate", "absorb")]


def test_it_has_a_call_for_every_action_on_a_case():
    assert set(CASE_ACTIONS) <= set(CALLS)


def make_case(category, state, persons, n):
    now = timezone.now()
    return Case.objects.create(
        number=f"T{n:09d}",
        tracking_token=Case.new_token(),
        source="web",
        category=category,
        description="x",
        x=117.205,
        y=39.105,
        grid_code="120101001001001",
        community_code="120101001001",
        street_code="120101001",
        district_code="120101",
        status=state,
        reporter=persons.rita,
        reported_at=now - timedelta(hours=1),
        owner_unit=persons.org_a if state in problem.WITH_UNIT | {problem.HANDLED, problem.CLOSED} else None,
        dispatched_at=now - timedelta(minutes=30),
        handle_due_at=now + timedelta(days=3),
        closed_at=now if state == problem.CLOSED else None,
        pending_extension="1wd" if state in (problem.SIGNED, problem.IN_PROGRESS) else "",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("state", problem.STATES)
def test_it_allows_exactly_the_table(state, small_city, personas):
    category = make_category()
    people = {n: getattr(personas, n) for n in ("rita", "carl", "sara", "dan", "gwen", "olga", "audrey")}
    people["anonymous"] = None
    other = make_case(category, problem.ACCEPTED, personas, 0)
    n = 1
    mismatches = []
    for action in CASE_ACTIONS:
        t = problem.PROBLEM.transition(action)
        for name, user in people.items():
            n += 1
            case = make_case(category, state, personas, n)
            if action == "request_extension":
                Case.objects.filter(pk=case.pk).update(pending_extension="")
                case.pending_extension = ""
            expected = state in t.sources and bool(t.roles & roles_on_case(user, case))
            try:
                CALLS[action](case, user, other)
                allowed = True
            except A.Forbidden:
                allowed = False
            if allowed != expected:
                mismatches.append((state, action, name, expected, allowed))
    assert mismatches == []


@pytest.mark.django_db
@pytest.mark.parametrize("state", problem.STATES)
def test_it_lets_only_the_system_escalate_cases_on_the_clock(state, small_city, personas):
    case = make_case(make_category(), state, personas, 1)
    case.step, case.step_due_at = "handle", timezone.now()
    if state in problem.ON_THE_CLOCK:
        A.do_escalate_case(case)
        assert case.escalation_level == "street" and case.ever_escalated
    else:
        with pytest.raises(A.Forbidden):
            A.do_escalate_case(case)
    with pytest.raises(NotAllowed):
        problem.PROBLEM.check(state, "escalate", {"supervisor", "dispatcher", "handler"})
    assert problem.PROBLEM.transition("escalate").roles == {SYSTEM}


def test_it_refuses_a_table_naming_unknown_states():
    from civicgrid.cases.workflow.engine import Transition

    with pytest.raises(ValueError, match="unknown states"):
        Workflow("w", ("a",), "a", frozenset({"a"}), (Transition("go", frozenset({"a"}), "b", frozenset({"x"})),))
