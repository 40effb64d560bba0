"""Verify the audit hash chains: every case's events, re-walked from the stored rows.

For each case, its events are read in ``seq`` order and checked:

- seq runs 1, 2, ... n without gaps (a gap means a deleted or renumbered event);
- ``prev_hash`` is the previous event's ``hash`` ("" for the first event);
- ``hash`` is ``chain.link(prev_hash, chain.canonical(...))`` over the stored fields, so an
  edited field shows at the event that holds it;
- the case's ``last_event_hash`` is the last event's hash and its ``version`` the last seq.

Cases and events are streamed side by side in id order with server-side cursors, so memory
stays flat whatever the number of events.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from civicgrid.cases import chain
from civicgrid.cases.models import Case, CaseEvent

CHUNK_SIZE = 5000

EVENT_FIELDS = (
    "case_id",
    "seq",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "from_state",
    "to_state",
    "reason",
    "payload",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class Break:
    """One break in a chain: the case, the event's seq (the last seq for a case-level break)."""

    case_number: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return _("case %(number)s, event %(seq)s: %(problem)s") % {
            "number": self.case_number,
            "seq": self.seq,
            "problem": self.problem,
        }


@dataclass
class AuditResult:
    cases: int = 0
    events: int = 0
    breaks: list[Break] | None = None

    @property
    def broken_cases(self) -> int:
        return len({b.case_number for b in self.breaks or ()})


def _check_case(number: str, version: int, last_hash: str, events: list[tuple]) -> Iterator[Break]:
    expected_seq = 1
    prev = ""
    for row in events:
        (case_id, seq, at, actor_id, role, action, from_state, to_state, reason, payload, prev_hash, digest) = row
        if seq != expected_seq:
            yield Break(
                number,
                seq,
                _("seq %(seq)s where %(expected)s was expected (events missing or renumbered)")
                % {"seq": seq, "expected": expected_seq},
            )
        if prev_hash != prev:
            yield Break(number, seq, _("prev_hash does not match the previous event's hash"))
        content = chain.canonical(case_id, seq, at, actor_id, role, action, from_state, to_state, reason, payload)
        if chain.link(prev_hash, content) != digest:
            yield Break(number, seq, _("the stored content does not match the event's hash (edited)"))
        prev = digest
        expected_seq = seq + 1
    last_seq = events[-1][1] if events else 0
    if last_hash != prev:
        yield Break(number, last_seq, _("the case's last event hash does not match its last event"))
    if version != last_seq:
        yield Break(
            number,
            last_seq,
            _("the case's version %(version)s does not match its last event seq %(seq)s")
            % {"version": version, "seq": last_seq},
        )


def _events_by_case(chunk_size: int, case_ids: list[int] | None) -> Iterator[tuple[int, list[tuple]]]:
    qs = CaseEvent.objects.order_by("case_id", "seq")
    if case_ids is not None:
        qs = qs.filter(case_id__in=case_ids)
    current, rows = None, []
    for row in qs.values_list(*EVENT_FIELDS).iterator(chunk_size=chunk_size):
        if row[0] != current:
            if current is not None:
                yield current, rows
            current, rows = row[0], []
        rows.append(row)
    if current is not None:
        yield current, rows


def count_events(case_ids: list[int] | None = None) -> int:
    qs = CaseEvent.objects.all()
    if case_ids is not None:
        qs = qs.filter(case_id__in=case_ids)
    return qs.count()


def verify(
    *,
    case_ids: list[int] | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> AuditResult:
    """Check every chain (or those of ``case_ids``). Returns the counts and every break found;
    ``progress(n)`` is called after each case with its number of events. Reads only."""
    result = AuditResult(breaks=[])
    cases = Case.objects.order_by("pk")
    if case_ids is not None:
        cases = cases.filter(pk__in=case_ids)
    events = _events_by_case(chunk_size, case_ids)
    pending = next(events, None)
    for case_id, number, version, last_hash in cases.values_list("pk", "number", "version", "last_event_hash").iterator(
        chunk_size=chunk_size
    ):
        # Both streams are in case id order. Events reference their case with a protecting
        # foreign key, so an event group with no case cannot exist; skip one all the same.
        while pending is not None and pending[0] < case_id:
            pending = next(events, None)
        rows: list[tuple] = []
        if pending is not None and pending[0] == case_id:
            rows = pending[1]
            pending = next(events, None)
        result.cases += 1
        result.events += len(rows)
        result.breaks.extend(_check_case(number, version, last_hash, rows))
        if progress is not None:
            progress(len(rows))
    return result
