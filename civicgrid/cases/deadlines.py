"""Deadlines of the problem workflow's steps and the SLA colour of a running step.

A step's time comes from the case's category (``Category.deadlines``, inherited from the
parent class) and is counted on the working calendar (``lib/workcalendar.py``).
"""

from datetime import datetime

from civicgrid.lib.workcalendar import default_calendar, parse_duration

# Used when a category sets no time for a step.
DEFAULT_STEP_TIMES = {"accept": "2wh", "dispatch": "2wh", "sign": "1wd", "handle": "5wd", "verify": "1wd"}

GREEN, YELLOW, RED = "green", "yellow", "red"
# Green below 80% of the step's time, yellow to 100%, red beyond (processes.md §1.5/§6).
YELLOW_FROM = 0.8


def step_duration(category, step: str):
    text = (category.deadlines or {}).get(step) or DEFAULT_STEP_TIMES[step]
    return parse_duration(text)


def due_at(category, step: str, start: datetime) -> datetime:
    return default_calendar().add(start, step_duration(category, step))


def add(start: datetime, duration_text: str) -> datetime:
    return default_calendar().add(start, parse_duration(duration_text))


def sla_colour(category, step: str, started_at: datetime | None, due: datetime | None, now: datetime) -> str | None:
    """Colour of a running step from the share of its time used, measured in the step's own unit
    (working time for working-hour and working-day limits, clock time otherwise)."""
    if not step or started_at is None or due is None:
        return None
    if now >= due:
        return RED
    used = default_calendar().fraction_elapsed(started_at, due, now, step_duration(category, step).unit)
    return YELLOW if used >= YELLOW_FROM else GREEN
