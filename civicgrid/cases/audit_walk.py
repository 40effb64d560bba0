"""Re-walk one case's event chain (used by tests and by ``cases/audit.py``)."""

from civicgrid.cases import chain
from civicgrid.cases.models import Case, CaseEvent


def breaks_in_events(case: Case, events) -> list[str]:
    """Every break in ``events`` (ordered by seq) of ``case``: a message per problem found."""
    problems = []
    prev_hash = ""
    expected_seq = 1
    for ev in events:
        if ev.seq != expected_seq:
            problems.append(f"case {case.number}: event {expected_seq} is missing (found {ev.seq})")
            expected_seq = ev.seq
        if ev.prev_hash != prev_hash:
            problems.append(f"case {case.number}: event {ev.seq} does not link to the previous event")
        content = chain.canonical(
            case.pk,
            ev.seq,
            ev.at,
            ev.actor_id,
            ev.actor_role,
            ev.action,
            ev.from_state,
            ev.to_state,
            ev.reason,
            ev.payload,
        )
        if chain.link(ev.prev_hash, content) != ev.hash:
            problems.append(f"case {case.number}: event {ev.seq} ({ev.action}) was altered")
        prev_hash = ev.hash
        expected_seq += 1
    if case.last_event_hash != prev_hash or case.version != expected_seq - 1:
        problems.append(f"case {case.number}: the case does not match its last event")
    return problems


def breaks_in_case(case_id: int) -> list[str]:
    case = Case.objects.get(pk=case_id)
    return breaks_in_events(case, CaseEvent.objects.filter(case_id=case_id).order_by("seq"))
