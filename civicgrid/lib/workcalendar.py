"""The working calendar: deadlines in working hours, working days, calendar days and clock time.

Working days follow the official public holidays and make-up working days (调休) published by
the State Council each year, as packaged by ``chinese_calendar``. For a year the package does not
cover yet, the calendar either treats Monday to Friday as working days (``fallback="weekends"``)
or raises ``CalendarNotCovered`` (``fallback="error"``).

Counting conventions, which follow statutory practice (民事诉讼法 Art.85, 行政许可法 Art.82):

- ``Nwh`` (working hours): only time inside the work-hour spans of working days counts, starting
  at ``start``; outside those spans the clock waits for the next span. A deadline that uses up a
  span exactly ends at that span's close (17:30, not 09:00 the next working day).
- ``Nwd`` (working days): the day of receipt is not counted, whatever its time. The deadline is
  the close of business (end of the last work-hour span) of the Nth working day after it.
- ``Nd`` (calendar days): the day of receipt is not counted; the deadline is the end of the Nth
  day (24:00, stored as 23:59:59.999999). When that day is not a working day the deadline moves
  to the end of the next working day (``extend_over_holidays``, on by default).
- ``Nh`` and ``Nmin`` (clock time): plain addition, holidays and nights included (emergencies).

The module is plain Python: it does not use the ORM. ``default_calendar()`` builds the
calendar the project's settings describe.
"""

import datetime as dt
import functools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar

WORKING_HOURS = "wh"
WORKING_DAYS = "wd"
CALENDAR_DAYS = "d"
HOURS = "h"
MINUTES = "min"
UNITS = (WORKING_HOURS, WORKING_DAYS, CALENDAR_DAYS, HOURS, MINUTES)

FALLBACKS = ("weekends", "error")

_DURATION_RE = re.compile(r"([1-9][0-9]{0,3})(wh|wd|d|h|min)")
_SPAN_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])")
_END_OF_DAY = dt.time.max


class CalendarNotCovered(Exception):
    """The official holiday data does not cover ``year`` and the calendar may not guess."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"The official holiday calendar does not cover {year}: install a newer chinesecalendar "
            f"package or choose WORK_CALENDAR_FALLBACK=weekends"
        )


@dataclass(frozen=True)
class Duration:
    """A deadline length such as ``4wh``; build it with ``parse_duration``."""

    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_duration(text: str) -> Duration:
    """Parse ``4wh``, ``5wd``, ``15d``, ``2h`` or ``30min``; raise ValueError for anything else."""
    match = _DURATION_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"Invalid duration {text!r}: use a whole number from 1 to 9999 followed by wh (working hours), "
            f"wd (working days), d (calendar days), h (hours) or min (minutes), e.g. 4wh"
        )
    return Duration(int(match.group(1)), match.group(2))


def parse_work_hours(text: str) -> list[tuple[dt.time, dt.time]]:
    """Parse ``"09:00-12:00,13:00-17:30"`` into spans; raise ValueError when malformed."""
    spans = []
    for part in text.split(","):
        match = _SPAN_RE.fullmatch(part.strip())
        if match is None:
            raise ValueError(f"Invalid work hours {text!r}: use comma-separated HH:MM-HH:MM spans")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        spans.append((dt.time(h1, m1), dt.time(h2, m2)))
    return spans


def _offset(t: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


class WorkCalendar:
    """Working days and hours of one place; see the module docstring for the conventions.

    Working days are precomputed per year (sorted ordinals, cached), so adding or counting
    working days costs a binary search per year crossed, not a loop over days.
    """

    def __init__(
        self,
        work_hours: list[tuple[dt.time, dt.time]],
        fallback: str = "weekends",
        tz: ZoneInfo | None = None,
    ):
        if fallback not in FALLBACKS:
            raise ValueError(f"Invalid calendar fallback {fallback!r}: use 'weekends' or 'error'")
        if not work_hours:
            raise ValueError("Work hours need at least one span")
        spans = []
        previous_end = dt.timedelta(0)
        for start, end in work_hours:
            s, e = _offset(start), _offset(end)
            if e <= s or s < previous_end:
                raise ValueError(
                    f"Invalid work hours {start:%H:%M}-{end:%H:%M}: spans must end after they start, "
                    f"in order and without overlap"
                )
            spans.append((s, e))
            previous_end = e
        self.spans = tuple(spans)
        self.daily = sum((e - s for s, e in spans), dt.timedelta(0))
        self.close = spans[-1][1]
        self.fallback = fallback
        self.tz = tz or ZoneInfo("Asia/Shanghai")
        self._years: dict[int, tuple[list[int], frozenset[int]]] = {}

    # --- working days --------------------------------------------------------------------

    def _year(self, year: int) -> tuple[list[int], frozenset[int]]:
        cached = self._years.get(year)
        if cached is None:
            first = dt.date(year, 1, 1)
            days = [first + dt.timedelta(n) for n in range((dt.date(year + 1, 1, 1) - first).days)]
            try:
                chinese_calendar.is_workday(first)  # raises for a year the data does not cover
            except NotImplementedError:
                if self.fallback == "error":
                    raise CalendarNotCovered(year) from None
                ordinals = [d.toordinal() for d in days if d.weekday() < 5]
            else:
                # The same rule as chinese_calendar.is_workday, without its per-call range check.
                holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
                ordinals = [d.toordinal() for d in days if d in workdays or (d.weekday() < 5 and d not in holidays)]
            cached = (ordinals, frozenset(ordinals))
            self._years[year] = cached
        return cached

    def is_working_day(self, day: dt.date) -> bool:
        return day.toordinal() in self._year(day.year)[1]

    def nth_working_day_after(self, day: dt.date, n: int) -> dt.date:
        """The nth (n >= 1) working day strictly after ``day``."""
        if n < 1:
            raise ValueError("n must be at least 1")
        year = day.year
        ordinals = self._year(year)[0]
        i = bisect_right(ordinals, day.toordinal())
        while i + n > len(ordinals):
            n -= len(ordinals) - i
            year += 1
            ordinals, i = self._year(year)[0], 0
        return dt.date.fromordinal(ordinals[i + n - 1])

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """How many working days d satisfy ``first < d <= last`` (0 when last <= first)."""
        if last <= first:
            return 0
        count = 0
        for year in range(first.year, last.year + 1):
            ordinals = self._year(year)[0]
            lo = bisect_right(ordinals, first.toordinal()) if year == first.year else 0
            hi = bisect_right(ordinals, last.toordinal()) if year == last.year else len(ordinals)
            count += hi - lo
        return count

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the first working day after it."""
        ordinals = self._year(day.year)[0]
        i = bisect_left(ordinals, day.toordinal())
        if i < len(ordinals):
            return dt.date.fromordinal(ordinals[i])
        return self.nth_working_day_after(dt.date(day.year, 12, 31), 1)

    # --- working hours within a day ------------------------------------------------------

    def _work_after(self, t: dt.timedelta) -> dt.timedelta:
        return sum((e - max(s, t) for s, e in self.spans if e > t), dt.timedelta(0))

    def _work_before(self, t: dt.timedelta) -> dt.timedelta:
        return sum((min(e, t) - s for s, e in self.spans if s < t), dt.timedelta(0))

    def _locate(self, day: dt.date, t: dt.timedelta, amount: dt.timedelta) -> dt.datetime:
        """The instant ``amount`` of working time after offset ``t`` on ``day`` (it fits)."""
        for s, e in self.spans:
            begin = max(s, t)
            if begin >= e:
                continue
            if amount <= e - begin:
                return self._at(day, begin + amount)
            amount -= e - begin
        raise AssertionError("amount does not fit in the day")  # callers check it fits

    def _at(self, day: dt.date, offset: dt.timedelta) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.tz) + offset

    def _local(self, moment: dt.datetime) -> tuple[dt.date, dt.timedelta]:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"The working calendar needs an aware datetime, got {moment.isoformat()}")
        local = moment.astimezone(self.tz)
        return local.date(), _offset(local.time())

    # --- public API ----------------------------------------------------------------------

    def add(self, start: dt.datetime, duration: Duration | str, *, extend_over_holidays: bool = True) -> dt.datetime:
        """The deadline ``duration`` after the aware datetime ``start``, in the calendar's zone.

        ``extend_over_holidays`` applies to calendar days only: a last day that is not a
        working day moves the deadline to the end of the next working day.
        """
        if isinstance(duration, str):
            duration = parse_duration(duration)
        day, t = self._local(start)
        if duration.unit == HOURS:
            return (start + dt.timedelta(hours=duration.amount)).astimezone(self.tz)
        if duration.unit == MINUTES:
            return (start + dt.timedelta(minutes=duration.amount)).astimezone(self.tz)
        if duration.unit == WORKING_DAYS:
            return self._at(self.nth_working_day_after(day, duration.amount), self.close)
        if duration.unit == CALENDAR_DAYS:
            last = day + dt.timedelta(days=duration.amount)
            if extend_over_holidays:
                last = self.next_working_day(last)
            return dt.datetime.combine(last, _END_OF_DAY, tzinfo=self.tz)
        # Working hours: first what is left of the start day, then whole days, then the rest.
        remaining = dt.timedelta(hours=duration.amount)
        if self.is_working_day(day):
            left_today = self._work_after(t)
            if remaining <= left_today:
                return self._locate(day, t, remaining)
            remaining -= left_today
        days = -(-remaining // self.daily)  # ceil: the last day takes (0, daily]
        last = self.nth_working_day_after(day, days)
        return self._locate(last, dt.timedelta(0), remaining - (days - 1) * self.daily)

    def working_time_between(self, a: dt.datetime, b: dt.datetime, unit: str = WORKING_HOURS):
        """Time elapsed from ``a`` to ``b`` measured in ``unit``; negative when b is before a.

        ``wh`` returns the working time as a timedelta; ``wd`` the number of working days after
        the day of ``a`` up to and including the day of ``b``; ``d`` the calendar days between
        their dates; ``h`` and ``min`` the clock time as a timedelta. ``add`` and this are
        inverse: ``working_time_between(a, add(a, "3wd"), "wd") == 3``.
        """
        if unit not in UNITS:
            raise ValueError(f"Invalid unit {unit!r}: use one of {', '.join(UNITS)}")
        if b < a:
            return -self.working_time_between(b, a, unit)
        day_a, t_a = self._local(a)
        day_b, t_b = self._local(b)
        if unit in (HOURS, MINUTES):
            return b - a
        if unit == CALENDAR_DAYS:
            return (day_b - day_a).days
        if unit == WORKING_DAYS:
            return self.working_days_between(day_a, day_b)
        if day_a == day_b:
            if not self.is_working_day(day_a):
                return dt.timedelta(0)
            return self._work_before(t_b) - self._work_before(t_a)
        total = self.working_days_between(day_a, day_b - dt.timedelta(days=1)) * self.daily
        if self.is_working_day(day_a):
            total += self._work_after(t_a)
        if self.is_working_day(day_b):
            total += self._work_before(t_b)
        return total

    def fraction_elapsed(self, start: dt.datetime, due: dt.datetime, now: dt.datetime, unit: str = WORKING_HOURS):
        """Share of the time from ``start`` to ``due`` used by ``now``: 0.0 at start, 1.0 at due,
        above 1 when overdue, never below 0.

        Working units (``wh``, ``wd``) measure working time, so nights and holidays do not use
        up a step's time; ``d``, ``h`` and ``min`` measure clock time.
        """
        measure = WORKING_HOURS if unit in (WORKING_HOURS, WORKING_DAYS) else HOURS
        total = self.working_time_between(start, due, measure)
        used = self.working_time_between(start, now, measure)
        if total <= dt.timedelta(0):
            return 1.0 if now >= due else 0.0
        return max(0.0, used / total)


@functools.cache
def default_calendar() -> WorkCalendar:
    """The calendar of ``settings.WORK_HOURS``, ``WORK_CALENDAR_FALLBACK`` and ``TIME_ZONE``.

    Built on first use and cached; tests that change those settings call
    ``default_calendar.cache_clear()``.
    """
    from django.conf import settings

    return WorkCalendar(
        parse_work_hours(settings.WORK_HOURS),
        fallback=settings.WORK_CALENDAR_FALLBACK,
        tz=ZoneInfo(settings.TIME_ZONE),
    )
