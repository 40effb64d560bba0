"""The working calendar, on hand-counted cases around the official holidays of 2025 and 2026.

Work hours in every case: 09:00-12:00 and 13:00-17:30, i.e. 7.5 working hours a day.
"""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.lib.workcalendar import (
    CalendarNotCovered,
    Duration,
    WorkCalendar,
    default_calendar,
    parse_duration,
    parse_work_hours,
)

TZ = ZoneInfo("Asia/Shanghai")
HOURS = parse_work_hours("09:00-12:00,13:00-17:30")


def at(y, m, d, hh=0, mm=0, ss=0, us=0):
    return dt.datetime(y, m, d, hh, mm, ss, us, tzinfo=TZ)


def end_of(y, m, d):
    return at(y, m, d, 23, 59, 59, 999999)


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar(HOURS, fallback="weekends", tz=TZ)


# --- the data the calendar relies on -------------------------------------------------------


def test_it_pins_the_official_holidays_and_make_up_days():
    def days(first, last):
        return [first + dt.timedelta(n) for n in range((last - first).days + 1)]

    holidays = (
        days(dt.date(2026, 2, 15), dt.date(2026, 2, 23))  # Spring Festival 2026
        + days(dt.date(2025, 10, 1), dt.date(2025, 10, 8))  # National Day + Mid-Autumn 2025
        + days(dt.date(2026, 10, 1), dt.date(2026, 10, 7))  # National Day 2026
    )
    for day in holidays:
        assert not chinese_calendar.is_workday(day), day
    make_up = [(2026, 2, 14), (2026, 2, 28), (2025, 9, 28), (2025, 10, 11), (2026, 9, 20), (2026, 10, 10)]
    for y, m, d in make_up:
        assert dt.date(y, m, d).weekday() >= 5  # a Saturday or Sunday ...
        assert chinese_calendar.is_workday(dt.date(y, m, d))  # ... that is worked
    # The days right after each holiday are ordinary working days.
    for y, m, d in [(2026, 2, 24), (2025, 10, 9), (2026, 10, 8)]:
        assert chinese_calendar.is_workday(dt.date(y, m, d))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2027, 1, 4))


def test_it_follows_holidays_and_make_up_days(cal):
    assert cal.is_working_day(dt.date(2026, 2, 14))  # Saturday, make-up day
    assert not cal.is_working_day(dt.date(2026, 2, 16))  # Monday, Spring Festival
    assert not cal.is_working_day(dt.date(2025, 10, 8))  # Wednesday, National Day
    assert cal.is_working_day(dt.date(2025, 9, 28))  # Sunday, make-up day
    assert not cal.is_working_day(dt.date(2025, 11, 15))  # ordinary Saturday


# --- durations -----------------------------------------------------------------------------


def test_it_parses_durations():
    assert parse_duration("4wh") == Duration(4, "wh")
    assert parse_duration("5wd") == Duration(5, "wd")
    assert parse_duration("15d") == Duration(15, "d")
    assert parse_duration("2h") == Duration(2, "h")
    assert parse_duration(" 30min ") == Duration(30, "min")
    assert str(parse_duration("20wd")) == "20wd"


@pytest.mark.parametrize(
    "text", ["", "0wh", "-4wh", "4", "wh", "4.5wh", "4 wd", "4WH", "04wh", "10000d", "4hours", "2w", None, 4]
)
def test_it_rejects_bad_durations(text):
    with pytest.raises(ValueError, match="Invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["", "9-12", "09:00-12:00;13:00-17:30", "25:00-26:00", "09:00 to 12:00"])
def test_it_rejects_bad_work_hours_text(text):
    with pytest.raises(ValueError, match="Invalid work hours"):
        parse_work_hours(text)


@pytest.mark.parametrize("text", ["12:00-09:00", "09:00-12:00,11:00-17:30", "13:00-17:30,09:00-12:00"])
def test_it_rejects_unordered_or_overlapping_spans(text):
    with pytest.raises(ValueError, match="Invalid work hours"):
        WorkCalendar(parse_work_hours(text))


def test_it_rejects_an_unknown_fallback():
    with pytest.raises(ValueError, match="fallback"):
        WorkCalendar(HOURS, fallback="guess")


def test_it_rejects_naive_datetimes(cal):
    with pytest.raises(ValueError, match="aware"):
        cal.add(dt.datetime(2025, 11, 17, 10), "1wh")


# --- working hours -------------------------------------------------------------------------


def test_it_adds_working_hours_across_lunch(cal):
    # Fri 2025-11-14 11:00: 11:00-12:00 is 1h, then 13:00-16:00 is 3h.
    assert cal.add(at(2025, 11, 14, 11), "4wh") == at(2025, 11, 14, 16)
    # Mon 11:30: 0.5h before lunch, 1.5h after 13:00.
    assert cal.add(at(2025, 11, 17, 11, 30), "2wh") == at(2025, 11, 17, 14, 30)


def test_it_adds_working_hours_over_a_weekend(cal):
    # Fri 2025-11-14 16:30: 1h on Friday, Sat/Sun skipped, 3h on Monday ends exactly at 12:00.
    assert cal.add(at(2025, 11, 14, 16, 30), "4wh") == at(2025, 11, 17, 12)


def test_it_adds_working_hours_overnight(cal):
    # Mon 2025-11-17 17:00: 0.5h Monday, 1.5h Tuesday from 09:00.
    assert cal.add(at(2025, 11, 17, 17), "2wh") == at(2025, 11, 18, 10, 30)
    # A whole day's worth from the opening bell ends at that day's close, not next morning.
    assert cal.add(at(2025, 11, 17, 9), "15wh") == at(2025, 11, 18, 17, 30)


def test_it_starts_the_clock_at_the_next_span(cal):
    assert cal.add(at(2025, 11, 17, 7, 45), "1wh") == at(2025, 11, 17, 10)  # before opening
    assert cal.add(at(2025, 11, 17, 12, 15), "1wh") == at(2025, 11, 17, 14)  # during lunch
    assert cal.add(at(2025, 11, 17, 20), "1wh") == at(2025, 11, 18, 10)  # evening
    assert cal.add(at(2025, 11, 15, 10), "1wh") == at(2025, 11, 17, 10)  # Saturday


def test_it_adds_working_hours_across_the_2026_spring_festival(cal):
    # Fri 2026-02-13 16:00: 1.5h Friday; Sat 02-14 is a make-up working day: 3h in the morning,
    # 3.5h after 13:00 -> 16:30 on Saturday.
    assert cal.add(at(2026, 2, 13, 16), "8wh") == at(2026, 2, 14, 16, 30)
    # Sat 02-14 15:00: 2.5h; 02-15..23 are holidays; 7.5h fill Tue 02-24 to its close.
    assert cal.add(at(2026, 2, 14, 15), "10wh") == at(2026, 2, 24, 17, 30)


def test_it_adds_working_hours_across_national_day_2025(cal):
    # Tue 2025-09-30 16:00: 1.5h; 10-01..08 holidays; 2.5h on Thu 10-09 from 09:00.
    assert cal.add(at(2025, 9, 30, 16), "4wh") == at(2025, 10, 9, 11, 30)


def test_it_accepts_any_time_zone_and_answers_in_its_own(cal):
    start = dt.datetime(2025, 11, 17, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
    due = cal.add(start, "1wh")
    assert due == at(2025, 11, 17, 11)
    assert due.tzinfo == TZ


# --- working days --------------------------------------------------------------------------


def test_it_adds_working_days_across_the_2026_spring_festival(cal):
    # Receipt Fri 02-13 (not counted); 1 = Sat 02-14 (make-up), 02-15..23 holidays,
    # 2 = Tue 02-24, 3 = Wed 02-25; the deadline is that day's close.
    assert cal.add(at(2026, 2, 13, 10), "3wd") == at(2026, 2, 25, 17, 30)
    # Receipt Wed 02-25: 1 = Thu 02-26, 2 = Fri 02-27, 3 = Sat 02-28 (make-up).
    assert cal.add(at(2026, 2, 25, 9), "3wd") == at(2026, 2, 28, 17, 30)


def test_it_adds_working_days_across_national_day_2025(cal):
    # Receipt Fri 09-26: Sat 09-27 off, 1 = Sun 09-28 (make-up), 2 = Mon 09-29.
    assert cal.add(at(2025, 9, 26, 14), "2wd") == at(2025, 9, 29, 17, 30)
    # Receipt Tue 09-30: 10-01..08 off, 1 = Thu 10-09, 2 = Fri 10-10, 3 = Sat 10-11 (make-up),
    # Sun 10-12 off, 4 = Mon 10-13, 5 = Tue 10-14.
    assert cal.add(at(2025, 9, 30, 11), "5wd") == at(2025, 10, 14, 17, 30)


def test_it_adds_working_days_across_national_day_2026(cal):
    # Receipt Wed 09-30: 10-01..07 off, 1 = Thu 10-08, 2 = Fri 10-09, 3 = Sat 10-10 (make-up).
    assert cal.add(at(2026, 9, 30, 10), "3wd") == at(2026, 10, 10, 17, 30)
    # Receipt Sat 09-19 (a day off): 1 = Sun 09-20 (make-up).
    assert cal.add(at(2026, 9, 19, 10), "1wd") == at(2026, 9, 20, 17, 30)
    # 20wd from Mon 09-14: 1-4 = 09-15..18, 5 = Sun 09-20, 6-9 = 09-21..24, Fri 09-25 is
    # Mid-Autumn, 10-12 = 09-28..30, 10-01..07 off, 13 = 10-08, 14 = 10-09, 15 = Sat 10-10,
    # 16-20 = Mon 10-12..Fri 10-16.
    assert cal.add(at(2026, 9, 14, 9, 30), "20wd") == at(2026, 10, 16, 17, 30)


def test_it_does_not_count_the_day_of_receipt_even_before_opening(cal):
    # Received Mon 2025-11-17 at 08:00: day 1 is Tuesday.
    assert cal.add(at(2025, 11, 17, 8), "1wd") == at(2025, 11, 18, 17, 30)


# --- calendar days and clock time ----------------------------------------------------------


def test_it_adds_calendar_days_and_extends_over_holidays(cal):
    # Receipt Thu 2026-02-05; day 15 is Fri 02-20, a Spring Festival holiday: the deadline moves
    # to the end of the first working day after it, Tue 02-24.
    assert cal.add(at(2026, 2, 5, 10), "15d") == end_of(2026, 2, 24)
    assert cal.add(at(2026, 2, 5, 10), "15d", extend_over_holidays=False) == end_of(2026, 2, 20)
    # Receipt Mon 2025-11-17; day 15 is Tue 12-02, a working day.
    assert cal.add(at(2025, 11, 17, 16), "15d") == end_of(2025, 12, 2)
    # Day 60 after Mon 2025-08-04 is Fri 10-03 (National Day): the end of Thu 10-09.
    assert cal.add(at(2025, 8, 4, 9), "60d") == end_of(2025, 10, 9)


def test_it_adds_clock_time_through_holidays(cal):
    assert cal.add(at(2026, 2, 17, 23), "2h") == at(2026, 2, 18, 1)
    assert cal.add(at(2025, 10, 1, 12, 50), "15min") == at(2025, 10, 1, 13, 5)


# --- the year 2027, which the data does not cover ------------------------------------------


def test_it_falls_back_to_weekends_for_2027():
    cal = WorkCalendar(HOURS, fallback="weekends", tz=TZ)
    assert cal.is_working_day(dt.date(2027, 1, 1))  # a Friday; the fallback knows no holidays
    assert not cal.is_working_day(dt.date(2027, 1, 2))
    # Receipt Thu 2026-12-31: 1 = Fri 2027-01-01, 2 = Mon 2027-01-04.
    assert cal.add(at(2026, 12, 31, 10), "2wd") == at(2027, 1, 4, 17, 30)


def test_it_refuses_2027_in_error_mode():
    cal = WorkCalendar(HOURS, fallback="error", tz=TZ)
    assert cal.add(at(2026, 12, 30, 10), "1wd") == at(2026, 12, 31, 17, 30)  # 2026 is covered
    with pytest.raises(CalendarNotCovered, match="2027") as info:
        cal.add(at(2026, 12, 31, 10), "1wd")
    assert info.value.year == 2027
    with pytest.raises(CalendarNotCovered, match="2027"):
        cal.is_working_day(dt.date(2027, 3, 1))


# --- elapsed time --------------------------------------------------------------------------


def test_it_measures_working_time_between(cal):
    # Fri 2025-11-14 16:00 -> Mon 11-17 10:00: 1.5h Friday + 1h Monday.
    assert cal.working_time_between(at(2025, 11, 14, 16), at(2025, 11, 17, 10)) == dt.timedelta(hours=2.5)
    # Within one day, across lunch.
    assert cal.working_time_between(at(2025, 11, 17, 11), at(2025, 11, 17, 14)) == dt.timedelta(hours=2)
    # Across the 2025 National Day: 09-30 10:00 -> 10-09 10:00 is 6.5h + 1h.
    assert cal.working_time_between(at(2025, 9, 30, 10), at(2025, 10, 9, 10)) == dt.timedelta(hours=7.5)
    # Working days after the day of receipt up to the later day: 10-09, 10-10, 10-11.
    assert cal.working_time_between(at(2025, 9, 30, 10), at(2025, 10, 11, 9), "wd") == 3
    assert cal.working_time_between(at(2025, 10, 11, 9), at(2025, 9, 30, 10), "wd") == -3
    assert cal.working_time_between(at(2025, 9, 30, 10), at(2025, 10, 11, 9), "d") == 11
    assert cal.working_time_between(at(2025, 9, 30, 10), at(2025, 9, 30, 12), "min") == dt.timedelta(hours=2)
    with pytest.raises(ValueError, match="Invalid unit"):
        cal.working_time_between(at(2025, 9, 30, 10), at(2025, 10, 11, 9), "weeks")


def test_it_gives_the_fraction_of_a_step_used(cal):
    start, due = at(2025, 11, 17, 9), at(2025, 11, 17, 17, 30)  # 7.5 working hours
    assert cal.fraction_elapsed(start, due, at(2025, 11, 17, 13)) == pytest.approx(0.4)  # 3h of 7.5h
    assert cal.fraction_elapsed(start, due, at(2025, 11, 17, 12, 30)) == pytest.approx(0.4)  # lunch is free
    assert cal.fraction_elapsed(start, due, at(2025, 11, 18, 10)) == pytest.approx(8.5 / 7.5)  # overdue
    assert cal.fraction_elapsed(start, due, at(2025, 11, 17, 8)) == 0.0
    # A weekend in the middle does not use up a working-day step.
    friday, due = at(2025, 11, 14, 17, 30), cal.add(at(2025, 11, 14, 17, 30), "1wd")
    assert cal.fraction_elapsed(friday, due, at(2025, 11, 16, 23), "wd") == 0.0
    # Clock units measure clock time.
    start = at(2025, 11, 15, 0)
    assert cal.fraction_elapsed(start, at(2025, 11, 15, 4), at(2025, 11, 15, 1), "h") == pytest.approx(0.25)


instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 10, 31)).map(
    lambda d: d.replace(tzinfo=TZ)
)


@settings(max_examples=300, deadline=None)
@given(start=instants, hours=st.integers(1, 400), days=st.integers(1, 60))
def test_it_inverts_add_with_working_time_between(cal, start, hours, days):
    due = cal.add(start, f"{hours}wh")
    assert cal.working_time_between(start, due) == dt.timedelta(hours=hours)
    assert due.time() <= dt.time(17, 30)
    due = cal.add(start, f"{days}wd")
    assert cal.working_time_between(start, due, "wd") == days
    assert cal.is_working_day(due.date())


def test_it_agrees_with_chinese_calendar_day_by_day(cal):
    day = dt.date(2024, 12, 20)
    while day < dt.date(2027, 1, 1):
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_it_is_fast(cal):
    cal.add(at(2025, 1, 1), "5wd")  # warm the per-year cache
    begin = time.perf_counter()
    for n in range(5000):
        start = at(2025, 1, 1) + dt.timedelta(hours=7 * n)
        cal.add(start, "20wd")
        cal.add(start, "12wh")
    assert time.perf_counter() - begin < 1.0


# --- settings ------------------------------------------------------------------------------


def test_it_builds_the_default_calendar_from_settings(settings):
    settings.WORK_HOURS = "08:30-12:00"
    settings.WORK_CALENDAR_FALLBACK = "error"
    settings.TIME_ZONE = "Asia/Urumqi"
    default_calendar.cache_clear()
    try:
        cal = default_calendar()
        assert cal is default_calendar()
        assert cal.tz == ZoneInfo("Asia/Urumqi")
        assert cal.daily == dt.timedelta(hours=3.5)
        assert cal.fallback == "error"
    finally:
        default_calendar.cache_clear()
