"""The numbers on a hand-computed month (March 2024, local time), region by region.

Cases are written directly with the columns the actions in ``cases/actions.py`` would leave.
Times are local (``settings.TIME_ZONE``); "now" is 2024-04-10 12:00, after the period, so the
cut-off C is the period end 2024-04-01 00:00. acc = accept deadline, disp = dispatched,
due = handling deadline, hdl = handled (on time?), cls = closed.

====  ====  ============================================  =========================================
case  area  what happened                                 counts in (March, now = 04-10 12:00)
====  ====  ============================================  =========================================
c1    A a1  rep 03-01 00:00 (period start), acc on time,  response ✓/✓; 应结案, 结案, 按期; resolved;
            disp 03-01 02:00, hdl 03-02 02:00 on time,    rated 3 (satisfied); handled, 24 h;
            cls 03-02, rated 3                            reopen denominator
c2    A a1  accepted late; hdl 03-10 late (120 h);        response denominator only; 应结案, 结案,
            cls 03-11; rated 1                            not 按期; resolved; rated, not satisfied;
                                                          handled, 120 h; reopen denominator
c3    A a2  extension granted (due 03-12 12:00); failed   response ✓; 应结案, 结案, 按期; resolved;
            verification once, re-handled 03-12 10:00     extension ✓; rework ✓; rated 2 (satisfied);
            on time (142 h); cls 03-13; rated 2           142 h; reopen denominator
c4    A a1  disp 03-10, due 03-13, still in progress,     response ✓; 应结案, not closed; resolution
            marked overdue                                denominator; overdue; backlog 30–60 d
c5    A a2  disp 03-12, due 03-15, parked 03-14           response ✓; due but parked (缓办): out of
                                                          应结案, in resolution denominator; open,
                                                          not overdue (clock stopped)
c6    A a1  rejected 03-15 10:00 (deadline 13:00)         response ✓ (a reasoned answer in time)
c7    A a1  merged into c4 03-16 18:00 (deadline 13:00)   response denominator only (late)
c8    A a1  rep 03-31 23:00, acc deadline 04-01 03:00,    not due by C: outside the response rate;
            never answered                                overdue now, no unit yet
c9    A a1  resolved on the spot 03-20                    on-the-spot; resolution ✓/✓; nothing else
c10   A a1  hdl 03-19, cls 03-20, reopened 03-25 (disp    response ✓; 应结案 (due 03-28), not
            again, due 03-28), not handled since          closed; resolution denominator; handled
                                                          (03-19) but not timed; reopened ✓; overdue
c11   B b1  all on time, cls 03-09, rated 3               B: response ✓, 结案, 按期, resolved,
                                                          satisfied, 24 h
c12   B b2  accepted late, disp 03-09, due 03-12, signed  B: response denominator; 应结案 not closed;
            and overdue                                   overdue; backlog 30–60 d
c13   A a1  rep 02-29 23:59:59 (before the period), disp  not reported in March; dispatched in March:
            03-01 01:00, hdl on time (24 h), cls 03-02,   应结案, 结案, 按期; resolved; rated 3;
            rated 3 on 03-02                              handled, 24 h
c14   A a2  rep 04-01 00:00 (period end: excluded),       nothing in March; open, not overdue
            signed, due 04-15
c15   A a2  disp 03-28, due 04-02, cls 04-01 15:00        response ✓; dispatched (extension
                                                          denominator) but not due by C; reopen
                                                          denominator (closed)
c16   A a1  rep 2023-12-01, accepted, never dispatched,   overdue; backlog 90–180 d
            marked overdue
====  ====  ============================================  =========================================
"""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from civicgrid.analytics import kpis
from civicgrid.analytics.kpis import rate
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.categories.models import Category

_numbers = itertools.count(1)


def at(month, day, hour=0, minute=0, second=0, year=2024):
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.get_current_timezone())


MARCH = (at(3, 1), at(4, 1))
NOW = at(4, 10, 12)


def make_case(grid, category, **columns) -> Case:
    """A case in ``grid`` with the milestone ``columns`` the actions would have left."""
    n = next(_numbers)
    fields = dict(
        number=f"T{n:09d}",
        tracking_token=Case.new_token(),
        source=Case.Source.WEB,
        category=category,
        description=f"test case {n}",
        x=(grid.min_x + grid.max_x) / 2,
        y=(grid.min_y + grid.max_y) / 2,
        grid_code=grid.code,
        community_code=grid.code[:12],
        street_code=grid.code[:9],
        district_code=grid.code[:6],
    )
    fields.update(columns)
    return Case.objects.create(**fields)


def answer_event(case, action, when, to_state):
    """The event of a rejection or merge (the only record of when it happened)."""
    CaseEvent.objects.create(
        case=case,
        seq=2,
        at=when,
        actor_role="dispatcher",
        action=action,
        from_state="reported",
        to_state=to_state,
        reason="test",
        hash="0" * 64,
    )


@pytest.fixture
def categories(db):
    parent = Category.objects.create(
        code="T01", kind="event", name_zh="市容环境", name_en="City appearance", unit_type="urban_management"
    )
    leaf = Category.objects.create(
        code="T0101",
        parent=parent,
        kind="event",
        name_zh="暴露垃圾",
        name_en="Exposed rubbish",
        unit_type="urban_management",
        on_spot=True,
    )
    other = Category.objects.create(
        code="T0102",
        parent=parent,
        kind="event",
        name_zh="道路不洁",
        name_en="Dirty road",
        unit_type="urban_management",
    )
    return leaf, other


def closed_case(
    grid,
    category,
    reported,
    *,
    accept_h=1,
    dispatch_h=2,
    handle_h,
    close_h,
    due_h=72,
    rating=None,
    rated_h=None,
    on_time=True,
    **extra,
):
    """A case that went through the whole loop; times are hours after ``reported``."""

    def h(hours):
        return reported + timedelta(hours=hours)

    return make_case(
        grid,
        category,
        status="closed",
        reported_at=reported,
        accept_due_at=h(4),
        accepted_at=h(accept_h),
        dispatched_at=h(dispatch_h),
        handle_due_at=h(dispatch_h + due_h),
        handled_at=h(dispatch_h + handle_h),
        handled_on_time=on_time,
        closed_at=h(dispatch_h + close_h),
        rating=rating,
        rated_at=h(rated_h) if rated_h is not None else None,
        **extra,
    )


@pytest.fixture
def march(small_city, personas, categories):
    c = small_city
    leaf, _other = categories
    a1, a2, b1, b2 = c.grid_a1, c.grid_a2, c.grid_b1, c.grid_b2
    org_a, org_b = personas.org_a, personas.org_b
    cases = {}
    cases["c1"] = closed_case(
        a1, leaf, at(3, 1), accept_h=1, dispatch_h=2, handle_h=24, close_h=28, rating=3, rated_h=58, owner_unit=org_a
    )
    cases["c2"] = closed_case(
        a1,
        leaf,
        at(3, 5, 9),
        accept_h=6,
        dispatch_h=7,
        handle_h=120,
        close_h=137,
        rating=1,
        rated_h=168,
        on_time=False,
        owner_unit=org_a,
    )  # accepted 15:00 (deadline 13:00); handled 03-10 16:00 (due 03-08 16:00)
    cases["c3"] = closed_case(
        a2,
        leaf,
        at(3, 6, 8),
        accept_h=1,
        dispatch_h=4,
        due_h=144,
        handle_h=142,
        close_h=165,
        rating=2,
        rated_h=193,
        extension_count=1,
        rework_count=1,
        owner_unit=org_a,
    )  # dispatched 03-06 12:00, due 03-12 12:00 after the extension, handled again 03-12 10:00
    cases["c4"] = make_case(
        a1,
        leaf,
        status="in_progress",
        reported_at=at(3, 10, 9),
        accept_due_at=at(3, 10, 13),
        accepted_at=at(3, 10, 10),
        dispatched_at=at(3, 10, 12),
        handle_due_at=at(3, 13, 12),
        step="handle",
        step_started_at=at(3, 10, 12),
        step_due_at=at(3, 13, 12),
        overdue_marked=True,
        ever_escalated=True,
        escalation_level="street",
        owner_unit=org_a,
    )
    cases["c5"] = make_case(
        a2,
        leaf,
        status="parked",
        reported_at=at(3, 12, 9),
        accept_due_at=at(3, 12, 13),
        accepted_at=at(3, 12, 10),
        dispatched_at=at(3, 12, 12),
        handle_due_at=at(3, 15, 12),
        ever_parked=True,
        owner_unit=org_a,
    )
    cases["c6"] = make_case(a1, leaf, status="rejected", reported_at=at(3, 15, 9), accept_due_at=at(3, 15, 13))
    answer_event(cases["c6"], "reject", at(3, 15, 10), "rejected")
    cases["c7"] = make_case(
        a1, leaf, status="merged", reported_at=at(3, 16, 9), accept_due_at=at(3, 16, 13), parent=cases["c4"]
    )
    answer_event(cases["c7"], "merge", at(3, 16, 18), "merged")
    cases["c8"] = make_case(
        a1,
        leaf,
        status="reported",
        reported_at=at(3, 31, 23),
        accept_due_at=at(4, 1, 3),
        step="accept",
        step_started_at=at(3, 31, 23),
        step_due_at=at(4, 1, 3),
    )
    spot = at(3, 20, 10)
    cases["c9"] = make_case(
        a1,
        leaf,
        status="closed",
        source=Case.Source.PATROL,
        reported_at=spot,
        accepted_at=spot,
        dispatched_at=spot,
        handle_due_at=spot,
        handled_at=spot,
        handled_on_time=True,
        closed_at=spot,
        closed_on_spot=True,
        owner_unit=personas.centre_a,
    )
    cases["c10"] = make_case(
        a1,
        leaf,
        status="dispatched",
        reported_at=at(3, 18, 9),
        accept_due_at=at(3, 18, 13),
        accepted_at=at(3, 18, 10),
        dispatched_at=at(3, 25, 10),
        handle_due_at=at(3, 28, 10),
        handled_at=at(3, 19, 12),
        handled_on_time=True,
        reopen_count=1,
        step="sign",
        step_started_at=at(3, 25, 10),
        step_due_at=at(3, 25, 14),
        owner_unit=org_a,
    )
    cases["c11"] = closed_case(
        b1,
        leaf,
        at(3, 8, 9),
        accept_h=1,
        dispatch_h=3,
        handle_h=24,
        close_h=30,
        rating=3,
        rated_h=48,
        owner_unit=org_b,
    )
    cases["c12"] = make_case(
        b2,
        leaf,
        status="signed",
        reported_at=at(3, 8, 10),
        accept_due_at=at(3, 8, 14),
        accepted_at=at(3, 8, 20),
        dispatched_at=at(3, 9, 9),
        handle_due_at=at(3, 12, 9),
        step="handle",
        step_started_at=at(3, 9, 9),
        step_due_at=at(3, 12, 9),
        owner_unit=org_b,
    )
    cases["c13"] = make_case(
        a1,
        leaf,
        status="closed",
        reported_at=at(2, 29, 23, 59, 59),
        accept_due_at=at(3, 1, 3, 59, 59),
        accepted_at=at(3, 1, 0, 30),
        dispatched_at=at(3, 1, 1),
        handle_due_at=at(3, 4, 1),
        handled_at=at(3, 2, 1),
        handled_on_time=True,
        closed_at=at(3, 2, 10),
        rating=3,
        rated_at=at(3, 2, 12),
        owner_unit=org_a,
    )
    cases["c14"] = make_case(
        a2,
        leaf,
        status="signed",
        reported_at=at(4, 1),
        accept_due_at=at(4, 1, 4),
        accepted_at=at(4, 1, 0, 10),
        dispatched_at=at(4, 1, 0, 30),
        handle_due_at=at(4, 15, 0, 30),
        step="handle",
        step_started_at=at(4, 1, 0, 30),
        step_due_at=at(4, 15, 0, 30),
        owner_unit=org_a,
    )
    cases["c15"] = closed_case(
        a2, leaf, at(3, 28, 9), accept_h=1, dispatch_h=3, due_h=120, handle_h=94, close_h=99, owner_unit=org_a
    )  # dispatched 03-28 12:00, due 04-02 12:00, handled 04-01 10:00, closed 04-01 15:00
    cases["c16"] = make_case(
        a1,
        leaf,
        status="accepted",
        reported_at=at(12, 1, 9, year=2023),
        accept_due_at=at(12, 1, 13, year=2023),
        accepted_at=at(12, 1, 10, year=2023),
        step="dispatch",
        step_started_at=at(12, 1, 10, year=2023),
        step_due_at=at(12, 1, 14, year=2023),
        overdue_marked=True,
    )
    return cases


def test_the_scenario_matches_its_table(march):
    # Guard the fixture arithmetic the expectations below rely on.
    c = march
    assert c["c2"].accepted_at == at(3, 5, 15) and c["c2"].handled_at == at(3, 10, 16)
    assert c["c3"].dispatched_at == at(3, 6, 12) and c["c3"].handle_due_at == at(3, 12, 12)
    assert c["c3"].handled_at == at(3, 12, 10) and c["c3"].closed_at == at(3, 13, 9)
    assert c["c15"].handle_due_at == at(4, 2, 12) and c["c15"].closed_at == at(4, 1, 15)
    assert c["c11"].handled_at == at(3, 9, 12) and c["c11"].closed_at == at(3, 9, 18)


def test_district_a(march, small_city):
    k = kpis.summary(small_city.district_a.code, *MARCH, now=NOW)
    assert k.reported == 11  # c1–c10, c15 (c13 before the start, c14 at the end, c16 long before)
    assert k.response == rate(7, 9)  # on time: c1 c3 c4 c5 c6 c10 c15; late: c2 (accepted), c7 (merged)
    assert k.dispatched == 8  # c1 c2 c3 c4 c5 c10 c13 c15 (c9 on the spot)
    assert (k.due, k.parked, k.should_close) == (7, 1, 6)  # c15 not due by C; c5 parked
    assert k.closure == rate(4, 6)  # c1 c2 c3 c13 of c1 c2 c3 c4 c10 c13
    assert k.on_time_closure == rate(3, 6)  # c2 handled late
    assert k.resolution == rate(5, 8)  # c1 c2 c3 c9 c13 of those + c5 (parked) + c9 (on the spot)
    assert k.extension == rate(1, 8)  # c3
    assert k.satisfaction == rate(3, 4)  # rated in March: c1 (3), c2 (1), c3 (2), c13 (3)
    assert k.rework == rate(1, 5)  # handled in March: c1 c2 c3 c10 c13; c3 reworked
    assert k.average_handling_hours == pytest.approx(77.5)  # (24 + 120 + 142 + 24) / 4; c10 not timed
    assert k.reopen == rate(1, 5)  # c10 of c1 c2 c3 c10 c15
    assert k.on_spot == 1  # c9
    assert (k.open, k.overdue) == (6, 4)  # open c4 c5 c8 c10 c14 c16; overdue c4 c8 c10 c16
    assert k.backlog == 2
    assert [(b.min_days, b.max_days, b.count) for b in k.backlog_buckets] == [
        (30, 60, 1),  # c4
        (60, 90, 0),
        (90, 180, 1),  # c16
        (180, 365, 0),
        (365, None, 0),
    ]


def test_district_b(march, small_city):
    k = kpis.summary(small_city.district_b.code, *MARCH, now=NOW)
    assert k.reported == 2
    assert k.response == rate(1, 2)  # c12 accepted late
    assert k.closure == rate(1, 2) and k.on_time_closure == rate(1, 2)
    assert k.resolution == rate(1, 2)
    assert k.satisfaction == rate(1, 1)
    assert k.rework == rate(0, 1) and k.extension == rate(0, 2) and k.reopen == rate(0, 1)
    assert k.average_handling_hours == pytest.approx(24)
    assert (k.on_spot, k.open, k.overdue, k.backlog) == (0, 1, 1, 1)


@pytest.mark.parametrize("prefix", ["", "12"])
def test_whole_city_is_a_plus_b(march, prefix):
    k = kpis.summary(prefix, *MARCH, now=NOW)
    assert k.reported == 13
    assert k.response == rate(8, 11)
    assert (k.dispatched, k.due, k.parked) == (10, 9, 1)
    assert k.closure == rate(5, 8) and k.on_time_closure == rate(4, 8)
    assert k.resolution == rate(6, 10)
    assert k.satisfaction == rate(4, 5)
    assert k.rework == rate(1, 6) and k.extension == rate(1, 10) and k.reopen == rate(1, 6)
    assert k.average_handling_hours == pytest.approx(66.8)  # (310 + 24) / 5
    assert (k.on_spot, k.open, k.overdue, k.backlog) == (1, 7, 5, 3)


def test_smaller_regions(march, small_city):
    street = kpis.summary(small_city.street_a.code, *MARCH, now=NOW)
    community = kpis.summary(small_city.community_a.code, *MARCH, now=NOW)
    district = kpis.summary(small_city.district_a.code, *MARCH, now=NOW)
    assert street == community == district
    grid = kpis.summary(small_city.grid_a2.code, *MARCH, now=NOW)
    assert grid.reported == 3  # c3 c5 c15
    assert grid.closure == rate(1, 1)  # c3; c5 parked, c15 not due
    assert grid.resolution == rate(1, 2)  # c3 of c3 c5


def test_period_boundaries(march, small_city):
    a = small_city.district_a.code
    # February holds only c13 (reported 23:59:59 on the 29th); its answer came after the cut-off
    # (03-01 00:00) and its deadline too, so it was not yet due to be answered: 0/0, not 100 %.
    feb = kpis.summary(a, date(2024, 2, 1), date(2024, 3, 1), now=NOW)
    assert feb.reported == 1
    assert feb.response == rate(0, 0) and feb.response.value is None
    assert feb.closure.value is None and feb.resolution.value is None and feb.satisfaction.value is None
    assert feb.average_handling_hours is None
    # Dates mean local midnights: the same as the datetimes.
    assert kpis.summary(a, date(2024, 3, 1), date(2024, 4, 1), now=NOW) == kpis.summary(a, *MARCH, now=NOW)
    # One second either side of the start.
    assert kpis.summary(a, at(3, 1), at(3, 1, 0, 0, 1), now=NOW).reported == 1  # c1
    assert kpis.summary(a, at(2, 29, 23, 59, 59), at(3, 1), now=NOW).reported == 1  # c13
    # April starts with c14, which March did not count.
    assert kpis.summary(a, date(2024, 4, 1), date(2024, 4, 2), now=NOW).reported == 1


def test_running_period_counts_only_deadlines_already_past(march, small_city):
    # At 03-12 12:00 the cut-off is now: c3 (due 12:00 exactly), c4, c5, c10, c15 are not due yet.
    k = kpis.summary(small_city.district_a.code, *MARCH, now=at(3, 12, 12))
    assert (k.due, k.parked) == (3, 0)  # c1, c2 (closed 03-11), c13
    assert k.closure == rate(3, 3)
    assert k.on_time_closure == rate(2, 3)  # c2 was late


def test_summary_is_two_queries(march, small_city, django_assert_num_queries):
    with django_assert_num_queries(2):  # the aggregate, and rejections/merges from the events
        kpis.summary(small_city.district_a.code, *MARCH, now=NOW)


def test_backlog_threshold_is_a_parameter(march, small_city):
    k = kpis.summary(small_city.district_a.code, *MARCH, now=NOW, backlog_days=20)
    # c4 (31 d), c5 (29 d), c10 (23 d) and c16 (131 d) are over 20 days old.
    assert k.backlog == 4
    assert [(b.min_days, b.max_days, b.count) for b in k.backlog_buckets][:2] == [(20, 60, 3), (60, 90, 0)]
    with pytest.raises(ValueError):
        kpis.summary("", *MARCH, now=NOW, backlog_days=-1)


def test_overdue_counts_marked_cases_but_not_parked_ones(small_city, categories):
    leaf, _ = categories
    g = small_city.grid_b1
    future = at(5, 1)
    make_case(g, leaf, status="signed", reported_at=at(4, 9), step="handle", step_due_at=future, overdue_marked=True)
    make_case(g, leaf, status="signed", reported_at=at(4, 9), step="handle", step_due_at=future)
    make_case(g, leaf, status="parked", reported_at=at(4, 9), overdue_marked=True)
    make_case(g, leaf, status="closed", reported_at=at(4, 9), closed_at=at(4, 9, 1), overdue_marked=True)
    k = kpis.summary(g.code, *MARCH, now=NOW)
    assert (k.open, k.overdue) == (3, 1)


def test_on_the_spot_cases_stay_out_of_the_reopen_rate(small_city, categories):
    leaf, _ = categories
    g = small_city.grid_a1
    spot = at(3, 4, 10)
    # Resolved on the spot, then reopened by the grid worker who reported it.
    make_case(g, leaf, status="dispatched", source=Case.Source.PATROL, reported_at=spot, accepted_at=spot,
              dispatched_at=at(3, 6), handle_due_at=at(3, 9), handled_at=spot, handled_on_time=True,
              closed_on_spot=True, reopen_count=1)  # fmt: skip
    closed_case(g, leaf, at(3, 5), handle_h=5, close_h=6)
    k = kpis.summary(g.code, *MARCH, now=NOW)
    assert k.reopen == rate(0, 1)
    assert k.on_spot == 1


def test_other_kinds_are_left_out_unless_asked(march, small_city, categories):
    leaf, _ = categories
    make_case(small_city.grid_a1, leaf, kind=Case.Kind.DISPUTE, status="reported", reported_at=at(3, 3))
    assert kpis.summary("", *MARCH, now=NOW).reported == 13
    assert kpis.summary("", *MARCH, now=NOW, kind=None).reported == 14


def test_no_cases_no_rates(db):
    k = kpis.summary("", *MARCH, now=NOW)
    assert k.reported == 0
    for r in k.rates().values():
        assert (r.numerator, r.denominator, r.value, r.percent) == (0, 0, None, None)
    assert k.average_handling_hours is None


def test_bad_periods_are_refused(db):
    with pytest.raises(ValueError):
        kpis.summary("", at(4, 1), at(3, 1))
    with pytest.raises(ValueError):
        kpis.summary("", datetime(2024, 3, 1), datetime(2024, 4, 1))  # naive


# --- rankings -------------------------------------------------------------------------------


def test_district_ranking(march, small_city, django_assert_num_queries):
    with django_assert_num_queries(3):  # the grouped numbers, rejections/merges, the region names
        rows = kpis.rankings("district", "", *MARCH, now=NOW)
    assert [(r.code, r.rank) for r in rows] == [("120101", 1), ("120102", 2)]
    a, b = rows
    # A: 0.30·7/9 + 0.35·5/8 + 0.35·3/4 = 0.714583…; B: 0.30·1/2 + 0.35·1/2 + 0.35·1 = 0.675.
    assert a.score == pytest.approx(71.458333, abs=1e-5)
    assert b.score == pytest.approx(67.5)
    assert a.name == small_city.district_a.name
    # The rows carry the same numbers as the summaries.
    assert a.kpis == kpis.summary(small_city.district_a.code, *MARCH, now=NOW)
    assert b.kpis == kpis.summary(small_city.district_b.code, *MARCH, now=NOW)


def test_ranking_follows_the_weights(march):
    rows = kpis.rankings("district", "12", *MARCH, now=NOW, weights={"satisfaction": 1})
    assert [(r.code, r.rank, r.score) for r in rows] == [("120102", 1, 100.0), ("120101", 2, 75.0)]
    # Equal scores (3/6 and 1/2 on time): ordered by code.
    rows = kpis.rankings("district", "", *MARCH, now=NOW, weights={"on_time_closure": 1})
    assert [(r.code, r.rank, r.score) for r in rows] == [("120101", 1, 50.0), ("120102", 2, 50.0)]


def test_ranking_weights_come_from_settings(march, settings):
    settings.CIVICGRID_RANKING_WEIGHTS = {"satisfaction": 1}
    assert [r.code for r in kpis.rankings("district", "", *MARCH, now=NOW)] == ["120102", "120101"]


def test_more_cases_with_the_same_outcomes_do_not_move_a_score(march, small_city, categories):
    before = {r.code: r.score for r in kpis.rankings("district", "", *MARCH, now=NOW)}
    leaf, _ = categories
    # Three more of B's cases exactly like c11 (the same outcomes, three times the volume).
    for _i in range(3):
        closed_case(small_city.grid_b1, leaf, at(3, 8, 9), dispatch_h=3, handle_h=24, close_h=30, rating=3, rated_h=48)
        make_case(
            small_city.grid_b2,
            leaf,
            status="signed",
            reported_at=at(3, 8, 10),
            accept_due_at=at(3, 8, 14),
            accepted_at=at(3, 8, 20),
            dispatched_at=at(3, 9, 9),
            handle_due_at=at(3, 12, 9),
            step="handle",
            step_started_at=at(3, 9, 9),
            step_due_at=at(3, 12, 9),
        )
    after = {r.code: r.score for r in kpis.rankings("district", "", *MARCH, now=NOW)}
    assert after == pytest.approx(before)


def test_streets_of_a_district_and_unscored_regions(march, small_city):
    rows = kpis.rankings("street", small_city.district_a.code, *MARCH, now=NOW)
    assert [(r.code, r.rank) for r in rows] == [("120101001", 1)]
    assert rows[0].kpis.reported == 11
    # A month without cases: every district listed, none scored, none ranked.
    empty = kpis.rankings("district", "", date(2025, 1, 1), date(2025, 2, 1), now=NOW)
    assert [(r.code, r.rank, r.score) for r in empty] == [("120101", None, None), ("120102", None, None)]
    # The open cases still show.
    assert [r.kpis.overdue for r in empty] == [4, 1]


def test_ranking_arguments_are_checked(db):
    with pytest.raises(ValueError):
        kpis.rankings("grid", "", *MARCH)
    with pytest.raises(ValueError):
        kpis.rankings("district", "120101", *MARCH)
    with pytest.raises(ValueError):
        kpis.rankings("district", "", *MARCH, weights={"reported": 1})


# --- trend, hotspots, overdue units ---------------------------------------------------------


def test_daily_trend(march, small_city):
    trend = kpis.daily_trend(small_city.district_b.code, date(2024, 3, 8), date(2024, 3, 11))
    assert [(d.day, d.reported, d.closed) for d in trend] == [
        (date(2024, 3, 8), 2, 0),  # c11, c12
        (date(2024, 3, 9), 0, 1),  # c11 closed 18:00
        (date(2024, 3, 10), 0, 0),
    ]
    # Local days: c1 at 03-01 00:00 local is still 02-29 in UTC.
    trend = kpis.daily_trend(small_city.district_a.code, date(2024, 2, 29), date(2024, 3, 3))
    assert [(d.day, d.reported, d.closed) for d in trend] == [
        (date(2024, 2, 29), 1, 0),  # c13
        (date(2024, 3, 1), 1, 0),  # c1
        (date(2024, 3, 2), 0, 2),  # c1, c13
    ]
    month = kpis.daily_trend("", *MARCH)
    assert len(month) == 31
    assert sum(d.reported for d in month) == 13
    assert sum(d.closed for d in month) == 6  # c1 c2 c3 c9 c11 c13 (c15 closed in April; c10 reopened)


@pytest.mark.chinese
def test_hotspots(small_city, categories):
    leaf, other = categories
    c = small_city

    def report(grid, category, when, status="accepted"):
        make_case(grid, category, status=status, reported_at=when)

    for day in (2, 9, 16):
        report(c.grid_a1, leaf, at(4, day))
    report(c.grid_a1, leaf, at(4, 20), status="rejected")  # not a case
    report(c.grid_a1, leaf, at(3, 31, 23, 59))  # before the period
    report(c.grid_a1, other, at(4, 3))
    for day in (4, 5):
        report(c.grid_a2, leaf, at(4, day))
    for day in (1, 11, 21):
        report(c.grid_b1, other, at(4, day), status="closed")
    report(c.grid_b1, other, at(4, 22), status="merged")  # the same problem reported again

    april = (date(2024, 4, 1), date(2024, 5, 1))
    found = [(h.grid_code, h.category_code, h.count) for h in kpis.hotspots("", *april)]
    assert found == [(c.grid_a1.code, "T0101", 3), (c.grid_b1.code, "T0102", 3)]
    found = [(h.grid_code, h.category_code, h.count) for h in kpis.hotspots("", *april, min_count=2)]
    assert found[-1] == (c.grid_a2.code, "T0101", 2)
    assert len(found) == 3
    only_b = kpis.hotspots(c.district_b.code, *april)
    assert [(h.grid_code, h.category_name, h.count) for h in only_b] == [(c.grid_b1.code, "道路不洁", 3)]
    assert kpis.hotspots("", date(2024, 3, 1), date(2024, 4, 1), min_count=1)[0].count == 1


def test_overdue_units(march, small_city, personas):
    found = [(u.unit_code, u.count) for u in kpis.overdue_units("", now=NOW)]
    # org A: c4, c10; no unit (with the centre): c8, c16; org B: c12.
    assert found == [(personas.org_a.code, 2), ("", 2), (personas.org_b.code, 1)]
    in_b = kpis.overdue_units(small_city.district_b.code, now=NOW)
    assert [(u.unit_id, u.count) for u in in_b] == [(personas.org_b.pk, 1)]
    assert str(kpis.overdue_units(small_city.district_a.code, now=NOW)[1].unit_name)
    # Before c4's deadline passed (03-13 12:00) only c16 and the marked c4 were overdue.
    early = kpis.overdue_units(small_city.district_a.code, now=at(3, 11))
    assert [(u.unit_code, u.count) for u in early] == [(personas.org_a.code, 1), ("", 1)]


# --- the shortcuts the command centre takes -------------------------------------------------


@pytest.mark.parametrize(
    "level, prefix", [("district", ""), ("district", "12"), ("street", "120101"), ("community", "120102001")]
)
def test_a_ranking_adds_up_to_the_summary(march, level, prefix, django_assert_num_queries):
    with django_assert_num_queries(3):  # the same three queries as ``rankings``
        rows, total = kpis.ranking_and_summary(level, prefix, *MARCH, now=NOW)
    assert total == kpis.summary(prefix, *MARCH, now=NOW)
    assert rows == kpis.rankings(level, prefix, *MARCH, now=NOW)


def test_handling_time_keeps_every_microsecond(small_city, categories):
    leaf, _other = categories
    # Fractions that a millisecond clock would round up to the next second, and none at all.
    spans = [
        (at(3, 1, 2, 0, 0) + timedelta(microseconds=999_600), at(3, 2, 2, 0, 0)),
        (at(3, 1, 2, 0, 0), at(3, 1, 5, 30, 0) + timedelta(microseconds=1)),
        (at(3, 1, 2, 0, 0) + timedelta(microseconds=500), at(3, 1, 2, 0, 1) + timedelta(microseconds=499)),
    ]
    for dispatched, handled in spans:
        make_case(
            small_city.grid_a1,
            leaf,
            status="handled",
            reported_at=dispatched - timedelta(hours=1),
            dispatched_at=dispatched,
            handled_at=handled,
        )
    k = kpis.summary("", *MARCH, now=NOW)
    microseconds = sum((h - d) // timedelta(microseconds=1) for d, h in spans)
    assert k.average_handling_hours == microseconds / 3 / 3_600_000_000


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe"])
def test_daily_trend_uses_local_days_in_any_zone(small_city, categories, zone):
    """Whole-hour zones (one with daylight saving) and zones with half-hour offsets count the same
    local days as a conversion of every case would."""
    leaf, _other = categories
    first = datetime(2024, 3, 29, 0, 0, tzinfo=UTC)  # New York's clocks moved on 03-10, Lord Howe's on 04-07
    times = [first + timedelta(minutes=47 * i) for i in range(300)]  # about ten days, every minute of the hour
    for when in times:
        make_case(small_city.grid_a1, leaf, status="closed", reported_at=when, closed_at=when + timedelta(hours=5))
    with timezone.override(zone):
        tz = timezone.get_current_timezone()
        trend = kpis.daily_trend("", date(2024, 3, 30), date(2024, 4, 8))
        start, end = kpis.as_datetime(date(2024, 3, 30)), kpis.as_datetime(date(2024, 4, 8))
        reported, closed = {}, {}
        for when in times:
            for counts, at_ in ((reported, when), (closed, when + timedelta(hours=5))):
                if start <= at_ < end:
                    day = timezone.localtime(at_, tz).date()
                    counts[day] = counts.get(day, 0) + 1
    assert [(d.day, d.reported, d.closed) for d in trend] == [
        (d.day, reported.get(d.day, 0), closed.get(d.day, 0)) for d in trend
    ]
    assert sum(d.reported for d in trend) == sum(reported.values()) > 0
    assert [d.day for d in trend] == [date(2024, 3, 30) + timedelta(days=i) for i in range(9)]
