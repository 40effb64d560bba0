"""The "four 100%" on a hand-computed month: November 2026, read on 10 December (so the cut-off
is the period's end, 1 December 00:00)."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from civicgrid.tips import actions, numbers
from civicgrid.tips.models import Tip
from civicgrid.tips.tests.conftest import submit

TZ = ZoneInfo("Asia/Shanghai")
START, END, NOW = dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.datetime(2026, 12, 10, tzinfo=TZ)


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


def fresh(tip):
    return Tip.objects.select_related("case").get(pk=tip.pk)


@pytest.fixture
def november(desk):
    tina, tom, cora, bob = desk.tina, desk.tom, desk.cora, desk.bob
    # T1: screened on time (due Thu 5 Nov), verified on time (due Tue 24 Nov), handling due in 2027.
    t1, _ = submit(now=at(2026, 11, 2, 8))
    actions.do_screen_tip(t1, acting_user=tina, now=at(2026, 11, 3, 10))
    actions.do_verify_tip(fresh(t1), acting_user=tina, note="Found.", now=at(2026, 11, 20, 10))
    reward = actions.do_propose_tip_reward(
        fresh(t1), acting_user=tina, amount="1000", basis="x", now=at(2026, 11, 25, 9)
    )
    actions.do_decide_tip_reward(fresh(t1), reward, acting_user=tom, approve=True, now=at(2026, 11, 26, 9))
    # T2: screened late (Mon 9 Nov, due Thu 5 Nov); not substantiated on time (due Mon 30 Nov);
    # answered Fri 20 Nov (due Mon 23 Nov 17:30).
    t2, _ = submit(now=at(2026, 11, 2, 8))
    actions.do_screen_tip(t2, acting_user=tina, now=at(2026, 11, 9, 10))
    actions.do_find_tip_unfounded(fresh(t2), acting_user=tina, note="No.", now=at(2026, 11, 16, 10))
    actions.do_answer_tip(fresh(t2), acting_user=tina, answer="Nothing found.", now=at(2026, 11, 20, 10))
    # T3: submitted Tue 10 Nov, never screened: due Fri 13 Nov, passed.
    submit(now=at(2026, 11, 10, 8))
    # T4: submitted Sat 28 Nov: screening due Tue 1 Dec, after the cut-off: not due yet.
    submit(now=at(2026, 11, 28, 8))
    # T5: transferred at screening on Wed 4 Nov (due Fri 6 Nov); answered Thu 12 Nov, late
    # (due Wed 11 Nov 17:30).
    t5, _ = submit(now=at(2026, 11, 3, 8))
    actions.do_transfer_tip(t5, acting_user=tina, to_body="Police", now=at(2026, 11, 4, 10))
    actions.do_answer_tip(fresh(t5), acting_user=tina, answer="Sent to the police.", now=at(2026, 11, 12, 10))
    # T6, district B: submitted Thu 5 Nov (due Sun 8 → Mon 9 Nov), screened Fri 6 Nov;
    # verification due Fri 27 Nov 17:30, not done.
    t6, _ = submit(district="120102", now=at(2026, 11, 5, 8))
    actions.do_screen_tip(t6, acting_user=bob, now=at(2026, 11, 6, 10))
    # T7, no district: submitted Thu 5 Nov, never screened (due Mon 9 Nov).
    submit(district="", now=at(2026, 11, 5, 8))
    # T8: October, outside the period.
    t8, _ = submit(now=at(2026, 10, 30, 8))
    actions.do_screen_tip(t8, acting_user=cora, now=at(2026, 11, 2, 10))


@pytest.mark.django_db
def test_it_counts_the_four_steps_of_a_district(november):
    n = numbers.four_rates("120101", START, END, now=NOW)
    assert n.submitted == 5  # T1–T5
    # Screening: done T1, T2, T5; due those and T3; on time T1, T5.
    assert (n.screened.done, n.screened.due, n.screened.on_time) == (3, 4, 2)
    assert n.screened.rate.percent == Decimal("75.00") and n.screened.on_time_rate.percent == Decimal("50.00")
    # Verification: done T1 (substantiated) and T2 (not substantiated), both on time.
    assert (n.verified.done, n.verified.due, n.verified.on_time) == (2, 2, 2)
    # Handling: T1's deadline is in 2027; nothing due.
    assert (n.handled.done, n.handled.due) == (0, 0) and n.handled.rate.value is None
    # Answer: T2 on time, T5 late.
    assert (n.answered.done, n.answered.due, n.answered.on_time) == (2, 2, 1)
    assert (n.substantiated, n.not_substantiated, n.transferred) == (1, 1, 1)
    # Open and past their deadline on 10 Dec: T3 (13 Nov) and T4 (1 Dec).
    assert n.open_overdue == 2
    assert (n.rewards_approved, n.reward_amount) == (1, Decimal("1000.00"))


@pytest.mark.django_db
def test_it_counts_the_whole_city_with_the_tips_that_name_no_place(november):
    n = numbers.four_rates(numbers.city_prefix(), START, END, now=NOW)
    assert n.submitted == 7  # T1–T7
    # Screening: T6 done on time too; T7 due and not done.
    assert (n.screened.done, n.screened.due, n.screened.on_time) == (4, 6, 3)
    # Verification: T6's deadline (27 Nov) passed without it.
    assert (n.verified.done, n.verified.due, n.verified.on_time) == (2, 3, 2)
    assert numbers.four_rates("", START, END, now=NOW) == n


@pytest.mark.django_db
def test_it_reads_a_finished_month_the_same_later(november):
    later = numbers.four_rates("120101", START, END, now=at(2027, 3, 1))
    # Only "open and overdue now" is about the moment of reading.
    assert replace(later, open_overdue=2) == numbers.four_rates("120101", START, END, now=NOW)


@pytest.mark.django_db
def test_it_counts_nothing_due_before_deadlines_in_a_running_month(november):
    # Read on 4 Nov: only T1's screening is done (3 Nov), nothing else was due yet.
    n = numbers.four_rates("120101", START, END, now=at(2026, 11, 4))
    assert (n.screened.done, n.screened.due) == (1, 1)
    assert (n.verified.due, n.answered.due) == (0, 0)


@pytest.mark.django_db
def test_it_refuses_an_empty_period(small_city):
    with pytest.raises(ValueError):
        numbers.four_rates("", END, START)
