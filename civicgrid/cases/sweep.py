"""The deadline sweeper: escalates the open cases whose current step is overdue.

Rules (the ``sweep_deadlines`` command repeats them in its help):

- A case is due for escalation when its status is on the clock (open and not parked), its
  current step's deadline has passed (``step_due_at < now``) and that deadline has not been
  marked overdue yet (``overdue_marked`` is false).
- Escalation happens once per deadline. ``do_escalate_case`` raises ``escalation_level`` one
  level (community → street → district → city) and sets ``overdue_marked``. The case escalates
  again only when a new deadline goes overdue: the next step starts (``overdue_marked`` is reset
  by the action that starts it), an extension moves the deadline, or a failed verification sends
  the case back to handling.
- Escalation never hides a case from the level below: only ``escalation_level`` changes, the
  owner unit and the region codes stay.
- Categories with ``escalates=False`` are left out: their overdue cases are neither escalated
  nor marked; they still show red on the SLA colour and in overdue lists, which read
  ``step_due_at``.
- The claim is the action's conditional update on the version read by the sweep. When two
  sweepers run at once, the second one to reach a case gets ``Conflict`` and skips it ("taken
  by another sweeper"); so does a sweep that meets a case someone changed since it was read.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from civicgrid.cases.actions import NEXT_LEVEL, Conflict, do_escalate_case
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import problem
from civicgrid.categories.models import Category

BATCH_SIZE = 1000


@dataclass
class Due:
    """One case the sweep would escalate (what ``--dry-run`` lists)."""

    number: str
    step: str
    due_at: datetime
    level: str
    next_level: str


@dataclass
class SweepResult:
    checked: int = 0
    escalated: int = 0
    taken: int = 0  # Conflict: escalated by another sweeper, or changed since it was read
    elapsed: float = 0.0
    due: list[Due] = field(default_factory=list)  # filled in a dry run only

    @property
    def skipped(self) -> int:
        return self.taken


def quiet_category_ids() -> list[int]:
    """The categories whose overdue cases do not escalate."""
    return list(Category.objects.filter(escalates=False).values_list("id", flat=True))


def due_cases_query(now: datetime, quiet: list[int] | None = None):
    """Cases due for escalation at ``now``, in no particular order.

    The filter matches the partial index ``case_due_unmarked`` (``step_due_at`` where not yet
    marked overdue), so cases already escalated for their running step cost nothing; ``status``
    and ``step_due_at`` also match ``case_status_due``; the categories that do not escalate are excluded by id (a short
    list, ``quiet`` when the caller has it), not by a join."""
    if quiet is None:
        quiet = quiet_category_ids()
    qs = Case.objects.filter(
        status__in=sorted(problem.ON_THE_CLOCK), step_due_at__lt=now, overdue_marked=False
    ).order_by()
    if quiet:
        qs = qs.exclude(category_id__in=quiet)
    return qs


def due_batches(now: datetime, batch_size: int = BATCH_SIZE) -> Iterator[list[Case]]:
    """The due cases in batches of at most ``batch_size``, in id order.

    The ids come first, from the index alone: asking the database for rows in id order with a
    limit lets it walk the primary key instead (SQLite does), which reads the whole table when
    nothing is due. Each batch then reads its rows again with the same filter, so a case that
    stopped being due in the meantime (escalated by another sweeper) is not returned."""
    quiet = quiet_category_ids()
    ids = sorted(due_cases_query(now, quiet).values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        batch = list(due_cases_query(now, quiet).filter(pk__in=chunk).order_by("pk"))
        if batch:
            yield batch


def sweep(*, now: datetime | None = None, dry_run: bool = False, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Escalate every case due at ``now`` (default: the current time).

    Returns the counts and the elapsed time; with ``dry_run`` nothing is written and
    ``result.due`` lists what would escalate. Each escalation commits on its own, so a sweep
    stopped half-way leaves the cases it did correctly escalated and the next sweep continues.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    result = SweepResult()
    for batch in due_batches(now, batch_size):
        for case in batch:
            result.checked += 1
            if dry_run:
                result.due.append(
                    Due(
                        case.number,
                        case.step,
                        case.step_due_at,
                        case.escalation_level,
                        NEXT_LEVEL[case.escalation_level],
                    )
                )
                continue
            try:
                do_escalate_case(case, expected_version=case.version, now=now)
            except Conflict:
                result.taken += 1
            else:
                result.escalated += 1
    result.elapsed = time.perf_counter() - started
    return result
