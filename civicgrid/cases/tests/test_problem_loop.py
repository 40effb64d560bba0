"""The problem workflow through the actions: the closed loop and its side paths."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case, CaseEvent, Supporter
from civicgrid.cases.workflow import problem
from civicgrid.testing import POINT_A1, POINT_B1, make_category


@pytest.fixture
def category(small_city):
    return make_category()


def report(category, user=None, **kw):
    case, created = A.do_report_case(
        acting_user=user, category=category, description="Manhole cover missing", **{**POINT_A1, **kw}
    )
    assert created
    return case


def run_to(case, state, p):
    """Drive ``case`` through the real actions up to ``state``."""
    path = [
        (problem.ACCEPTED, lambda: A.do_accept_case(case, acting_user=p.dan)),
        (problem.DISPATCHED, lambda: A.do_dispatch_case(case, acting_user=p.dan)),
        (problem.SIGNED, lambda: A.do_sign_case(case, acting_user=p.carl)),
        (problem.IN_PROGRESS, lambda: A.do_start_case(case, acting_user=p.carl)),
        (problem.HANDLED, lambda: A.do_handle_case(case, acting_user=p.carl, result="Cover replaced")),
        (problem.CLOSED, lambda: A.do_verify_case(case, acting_user=p.gwen)),
    ]
    for reached, step in path:
        if case.status == state:
            return case
        step()
        assert case.status == reached
    return case


@pytest.mark.django_db
class TestClosedLoop:
    def test_it_runs_from_report_to_rating(self, category, personas):
        case = report(category, personas.rita, contact="rita@example.org")
        assert (case.status, case.grid_code, case.district_code) == ("reported", "120101001001001", "120101")
        assert case.step == "accept" and case.accept_due_at is not None
        run_to(case, problem.CLOSED, personas)
        assert case.owner_unit == personas.org_a  # routed by the category's unit type in the district
        assert case.handled_on_time is True and case.closed_at is not None
        A.do_rate_case(case, acting_user=personas.rita, rating=3)
        case.refresh_from_db()
        assert case.rating == 3 and case.version == 8
        actions = list(case.events.values_list("action", flat=True))
        assert actions == ["report", "accept", "dispatch", "sign", "start", "handle", "verify", "rate"]

    def test_it_chains_every_event(self, category, personas):
        case = run_to(report(category), problem.HANDLED, personas)
        events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].prev_hash == ""
        for prev, ev in itertools.pairwise(events):
            assert ev.prev_hash == prev.hash
        assert Case.objects.get(pk=case.pk).last_event_hash == events[-1].hash

    def test_it_lets_the_reporter_reject_the_fix_as_rework(self, category, personas):
        case = run_to(report(category, personas.rita), problem.HANDLED, personas)
        A.do_fail_verification(case, acting_user=personas.rita, reason="Still broken")
        assert case.status == problem.IN_PROGRESS and case.rework_count == 1
        assert case.step_due_at == case.handle_due_at  # rework does not move the deadline

    def test_it_routes_to_the_street_centre_when_no_unit_of_the_type_serves_the_place(
        self, category, personas, small_city
    ):
        from civicgrid.testing import make_unit

        centre_b = make_unit("120102001-centre", "B街道中心", "centre", "governance_centre", small_city.street_b)
        case, _ = A.do_report_case(acting_user=None, category=category, description="x", **POINT_B1)
        case.category.unit_type = "water"  # no water unit anywhere in the small city
        A.do_accept_case(case, acting_user=_dispatcher_b(personas, small_city))
        A.do_dispatch_case(case, acting_user=_dispatcher_b(personas, small_city))
        assert case.owner_unit_id == centre_b.pk

    def test_it_returns_a_wrongly_dispatched_case_for_redispatch(self, category, personas):
        case = run_to(report(category), problem.DISPATCHED, personas)
        A.do_return_case(case, acting_user=personas.carl, reason="Not ours: water pipe")
        assert case.status == problem.ACCEPTED and case.owner_unit_id is None and case.return_count == 1
        A.do_dispatch_case(case, acting_user=personas.dan, unit=personas.org_a)
        assert case.status == problem.DISPATCHED

    def test_it_moves_the_deadline_only_by_an_approved_extension(self, category, personas):
        case = run_to(report(category), problem.IN_PROGRESS, personas)
        due = case.handle_due_at
        A.do_request_extension(case, acting_user=personas.carl, duration="3wd", reason="Parts on order")
        assert case.handle_due_at == due and case.pending_extension == "3wd"
        A.do_approve_extension(case, acting_user=personas.sara)
        assert case.handle_due_at > due and case.step_due_at == case.handle_due_at and case.extension_count == 1
        with pytest.raises(A.Invalid):
            A.do_approve_extension(case, acting_user=personas.sara)

    def test_it_parks_and_unparks(self, category, personas):
        case = run_to(report(category), problem.SIGNED, personas)
        A.do_park_case(case, acting_user=personas.sara, reason="Needs a budget decision")
        assert case.status == problem.PARKED and case.step_due_at is None and case.ever_parked
        A.do_unpark_case(case, acting_user=personas.dan)
        assert case.status == problem.ACCEPTED and case.step == "dispatch"

    def test_it_rejects_with_a_reason_the_reporter_sees(self, category, personas):
        case = report(category, personas.rita)
        with pytest.raises(A.Invalid):
            A.do_reject_case(case, acting_user=personas.dan, reason="  ")
        A.do_reject_case(case, acting_user=personas.dan, reason="Private property: not a public matter")
        event = case.events.get(action="reject")
        assert case.status == problem.REJECTED and event.public and "Private property" in event.reason

    def test_it_resolves_small_matters_on_the_spot(self, small_city, personas):
        litter = make_category("E0102", on_spot=True)
        case = A.do_resolve_case_on_spot(
            acting_user=personas.gwen, category=litter, description="Litter cleared", **POINT_A1
        )
        assert case.status == problem.CLOSED and case.closed_on_spot and case.owner_unit.unit_type == "grid_team"
        with pytest.raises(A.Invalid):
            A.do_resolve_case_on_spot(
                acting_user=personas.gwen, category=make_category("E0103"), description="x", **POINT_A1
            )

    def test_it_keeps_grid_workers_to_their_grid(self, small_city, personas):
        litter = make_category("E0102", on_spot=True)
        with pytest.raises(A.Forbidden):
            A.do_resolve_case_on_spot(
                acting_user=personas.gwen, category=litter, description="x", lat=39.105, lon=117.215, crs="gcj02"
            )  # grid A2

    def test_it_reopens_within_the_window_only(self, category, personas):
        case = run_to(report(category, personas.rita), problem.CLOSED, personas)
        late = case.closed_at + timedelta(days=problem.REOPEN_WINDOW_DAYS + 1)
        with pytest.raises(A.Invalid):
            A.do_reopen_case(case, acting_user=personas.rita, reason="Broken again", now=late)
        A.do_reopen_case(case, acting_user=personas.rita, reason="Broken again")
        assert case.status == problem.DISPATCHED and case.owner_unit == personas.org_a and case.reopen_count == 1

    def test_it_rates_once(self, category, personas):
        case = run_to(report(category, personas.rita), problem.CLOSED, personas)
        with pytest.raises(A.Invalid):
            A.do_rate_case(case, acting_user=personas.rita, rating=5)
        A.do_rate_case(case, acting_user=personas.rita, rating=2)
        with pytest.raises(A.Invalid):
            A.do_rate_case(case, acting_user=personas.rita, rating=3)

    def test_it_merges_a_duplicate_and_the_reporter_follows_the_parent(self, category, personas):
        parent = report(category)
        dup = report(category, personas.rita, contact="rita@example.org")
        A.do_merge_case(dup, into=parent, acting_user=personas.dan)
        assert dup.status == problem.MERGED and dup.parent_id == parent.pk
        parent.refresh_from_db()
        assert parent.version == 2 and parent.events.last().action == "absorb"
        assert Supporter.objects.filter(case=parent, via_merge=dup, user=personas.rita).exists()

    def test_it_keeps_supporters(self, category, personas):
        case = report(category)
        A.do_support_case(case, acting_user=None, contact="me-too@example.org")
        assert case.supporters.count() == 1 and case.events.last().action == "support"

    def test_it_lets_a_supervisor_urge_and_lead(self, category, personas):
        case = run_to(report(category), problem.SIGNED, personas)
        A.do_urge_case(case, acting_user=personas.sara, reason="Third complaint this week")
        A.do_take_lead_case(case, acting_user=personas.sara)
        assert case.urge_count == 1 and case.lead_official == personas.sara


def _dispatcher_b(personas, small_city):
    from civicgrid.org.models import Unit
    from civicgrid.org.roles import Role
    from civicgrid.testing import make_staff

    if not hasattr(personas, "_dan_b"):
        unit = Unit.objects.get(code="120102001-centre")
        personas._dan_b = make_staff("dan_b", unit, [Role.DISPATCHER])
    return personas._dan_b


@pytest.mark.django_db
class TestBadInput:
    def test_it_refuses_points_outside_the_city(self, category):
        before = Case.objects.count()
        with pytest.raises(A.Invalid, match="outside"):
            A.do_report_case(acting_user=None, category=category, description="x", lat=30.0, lon=120.0, crs="gcj02")
        assert Case.objects.count() == before

    @pytest.mark.parametrize("description", ["", "   ", "x" * 2001])
    def test_it_refuses_empty_or_overlong_text(self, category, description):
        with pytest.raises(A.Invalid):
            A.do_report_case(acting_user=None, category=category, description=description, **POINT_A1)
        assert Case.objects.count() == 0

    def test_it_refuses_a_class_instead_of_a_leaf(self, category):
        with pytest.raises(A.Invalid):
            A.do_report_case(acting_user=None, category=category.parent, description="x", **POINT_A1)

    def test_it_returns_the_original_case_for_a_retried_submission(self, category):
        first, created = A.do_report_case(
            acting_user=None, category=category, description="x", idempotency_key="k1", **POINT_A1
        )
        again, created_again = A.do_report_case(
            acting_user=None, category=category, description="x", idempotency_key="k1", **POINT_A1
        )
        assert created and not created_again and again.pk == first.pk and Case.objects.count() == 1

    def test_it_refuses_a_stale_version_and_writes_nothing(self, category, personas):
        case = report(category)
        stale = Case.objects.get(pk=case.pk)
        A.do_accept_case(case, acting_user=personas.dan)
        with pytest.raises(A.Conflict):
            A.do_reject_case(stale, acting_user=personas.dan, reason="dup")
        assert Case.objects.get(pk=case.pk).status == problem.ACCEPTED
        assert case.events.count() == 2

    def test_it_refuses_actions_out_of_scope_or_state(self, category, personas):
        case = report(category)
        with pytest.raises(A.Forbidden):
            A.do_accept_case(case, acting_user=personas.olga)
        with pytest.raises(A.Forbidden):
            A.do_sign_case(case, acting_user=personas.carl)  # not dispatched yet
        assert case.events.count() == 1

    def test_it_counts_a_late_handling_as_late(self, category, personas):
        case = run_to(report(category), problem.IN_PROGRESS, personas)
        A.do_handle_case(case, acting_user=personas.carl, result="done", now=case.handle_due_at + timedelta(minutes=1))
        assert case.handled_on_time is False

    def test_it_stamps_events_with_the_time_of_the_action(self, category, personas):
        when = timezone.now() + timedelta(hours=1)
        case = report(category)
        A.do_accept_case(case, acting_user=personas.dan, now=when)
        assert case.events.last().at == when
