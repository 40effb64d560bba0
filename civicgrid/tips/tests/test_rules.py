"""Deadlines of the tip line on hand-computed dates (2026 holidays: National Day 1–7 Oct,
make-up working days Sun 20 Sep and Sat 10 Oct; work ends 17:30)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from civicgrid.tips import rules

TZ = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


END_OF_DAY = (23, 59, 59, 999999)


def test_it_gives_screening_three_days_moved_over_the_national_day():
    # Submitted Mon 28 Sep: day 3 after it is Thu 1 Oct, a holiday; 2–7 Oct are holidays or the
    # weekend, so the deadline is the end of Thu 8 Oct.
    assert rules.screen_due(at(2026, 9, 28)) == at(2026, 10, 8, *END_OF_DAY)


def test_it_gives_screening_three_plain_days():
    # Submitted Tue 3 Nov: day 3 after it is Fri 6 Nov, a working day.
    assert rules.screen_due(at(2026, 11, 3)) == at(2026, 11, 6, *END_OF_DAY)


def test_it_gives_verification_fifteen_working_days():
    # Screened Tue 29 Sep: 30 Sep (1), holidays 1–7 Oct, 8 (2), 9 (3), Sat 10 make-up (4),
    # 12–16 (5–9), 19–23 (10–14), Mon 26 Oct (15) at 17:30.
    assert rules.verify_due(at(2026, 9, 29, 10)) == at(2026, 10, 26, 17, 30)


def test_it_extends_verification_once_by_fifteen_working_days():
    # From Mon 26 Oct 17:30: 27–30 Oct (1–4), 2–6 Nov (5–9), 9–13 (10–14), Mon 16 Nov (15).
    due = rules.extended_verify_due(at(2026, 10, 26, 17, 30), extensions_so_far=0)
    assert due == at(2026, 11, 16, 17, 30)
    with pytest.raises(rules.RuleError):
        rules.extended_verify_due(due, extensions_so_far=1)


def test_it_gives_handling_sixty_days():
    # Verified Mon 3 Aug: Aug 3 + 60 days = Fri 2 Oct, a holiday; next working day Thu 8 Oct.
    assert rules.handle_due(at(2026, 8, 3, 15)) == at(2026, 10, 8, *END_OF_DAY)


def test_it_gives_the_answer_five_working_days_counting_a_make_up_sunday():
    # Handled Fri 18 Sep: Sun 20 Sep is a make-up working day (1), 21 (2), 22 (3), 23 (4), Thu 24 (5).
    assert rules.answer_due(at(2026, 9, 18, 16)) == at(2026, 9, 24, 17, 30)


def test_it_reminds_of_the_reward_within_thirty_working_days():
    # Handled Mon 2 Nov: 3–6 Nov (4), 9–13 (9), 16–20 (14), 23–27 (19), 30 Nov (20), 1–4 Dec (24),
    # 7–11 Dec (29), Mon 14 Dec (30).
    assert rules.reward_start_due(at(2026, 11, 2, 9)) == at(2026, 12, 14, 17, 30)


def test_it_takes_configured_periods():
    # "2wd" for the first check: Tue 3 Nov → Wed 4 (1), Thu 5 Nov (2) at 17:30.
    assert rules.screen_due(at(2026, 11, 3), config={"screen": "2wd"}) == at(2026, 11, 5, 17, 30)


@pytest.mark.parametrize(
    "config",
    [{"screen": "8h"}, {"verify": "4wh"}, {"answer": "soon"}, {"lunch": "1d"}, {"handle": "0d"}],
)
def test_it_refuses_periods_that_are_not_days(config):
    with pytest.raises(rules.RuleError):
        rules.periods(config)


def test_it_checks_rewards():
    rules.check_reward(Decimal("2000.50"), outcome="substantiated")
    for amount, outcome in [
        (Decimal("100"), "not_substantiated"),
        (Decimal("100"), "transferred"),
        (Decimal("0"), "substantiated"),
        (Decimal("-5"), "substantiated"),
        (Decimal("1000000.01"), "substantiated"),
        (Decimal("10.001"), "substantiated"),
        (Decimal("NaN"), "substantiated"),
    ]:
        with pytest.raises(rules.RuleError):
            rules.check_reward(amount, outcome=outcome)


def test_it_wants_a_second_person_for_a_reward():
    rules.check_reward_approver(1, 2)
    with pytest.raises(rules.RuleError):
        rules.check_reward_approver(1, 1)


def test_it_colours_a_running_step():
    start, due = at(2026, 11, 2, 9), at(2026, 11, 6, 17, 30)  # 4 working days + the start day's hours
    assert rules.sla_colour(start, due, at(2026, 11, 3, 9)) == rules.GREEN
    assert rules.sla_colour(start, due, at(2026, 11, 6, 15)) == rules.YELLOW
    assert rules.sla_colour(start, due, at(2026, 11, 6, 18)) == rules.RED
    assert rules.sla_colour(None, None, at(2026, 11, 6, 18)) is None
