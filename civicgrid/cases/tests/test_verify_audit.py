"""verify_audit re-walks every chain and reports each break with its case and event seq."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgrid.cases import actions as A
from civicgrid.cases import audit
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.testing import make_category


@pytest.fixture
def leaf(small_city):
    return make_category()


@pytest.fixture
def cases(leaf, personas):
    """Two cases with a few events each: accepted and dispatched, and accepted."""
    out = []
    for _ in range(2):
        case, _created = A.do_report_case(
            acting_user=None, category=leaf, lat=39.105, lon=117.205, crs="gcj02", description="Rubbish by the gate"
        )
        A.do_accept_case(case, acting_user=personas.dan)
        out.append(case)
    A.do_dispatch_case(out[0], acting_user=personas.dan)
    A.do_urge_case(out[0], acting_user=personas.sara, reason="Residents keep calling")
    return out


def run(*args):
    out = StringIO()
    call_command("verify_audit", "--no-progress", *args, stdout=out)
    return out.getvalue()


def failing(*args):
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit", "--no-progress", *args, stdout=out)
    return out.getvalue(), str(exc.value)


@pytest.mark.django_db
class TestVerifyAudit:
    def test_it_passes_an_intact_chain(self, cases):
        result = audit.verify(chunk_size=2)
        assert (result.cases, result.events, result.breaks) == (2, 6, [])
        assert "6 events in 2 cases" in run()

    def test_it_passes_an_empty_database(self, db):
        assert "0 events in 0 cases" in run()

    def test_it_reports_an_edited_reason(self, cases):
        case = cases[0]
        CaseEvent.objects.filter(case=case, seq=4).update(reason="Nobody called")
        out, summary = failing()
        assert out.splitlines() == [
            f"case {case.number}, event 4: the stored content does not match the event's hash (edited)"
        ]
        assert summary.startswith("1 breaks in 1 of 2 cases")

    def test_it_reports_an_edited_time_and_payload(self, cases):
        case = cases[0]
        event = CaseEvent.objects.get(case=case, seq=3)
        CaseEvent.objects.filter(pk=event.pk).update(payload={**event.payload, "unit": "elsewhere"})
        CaseEvent.objects.filter(case=cases[1], seq=1).update(at=event.at)
        breaks = audit.verify().breaks
        assert {(b.case_number, b.seq) for b in breaks} == {(case.number, 3), (cases[1].number, 1)}

    def test_it_reports_a_deleted_event(self, cases):
        case = cases[0]
        CaseEvent.objects.filter(case=case, seq=2).delete()
        breaks = audit.verify().breaks
        assert [(b.case_number, b.seq) for b in breaks] == [(case.number, 3), (case.number, 3)]
        assert "2 was expected" in breaks[0].problem
        assert "prev_hash" in breaks[1].problem

    def test_it_reports_a_deleted_last_event(self, cases):
        case = cases[1]
        CaseEvent.objects.filter(case=case, seq=2).delete()
        out, summary = failing()
        lines = out.splitlines()
        assert len(lines) == 2 and all(line.startswith(f"case {case.number}, event 1:") for line in lines)
        assert "last event hash" in lines[0] and "version 2" in lines[1]
        assert summary.startswith("2 breaks in 1 of 2 cases")

    def test_it_reports_an_edited_case_hash(self, cases):
        case = cases[1]
        Case.objects.filter(pk=case.pk).update(last_event_hash="0" * 64)
        out, _summary = failing()
        assert out.strip() == f"case {case.number}, event 2: the case's last event hash does not match its last event"

    def test_it_reports_a_rewritten_event_by_the_next_link(self, cases):
        """Rewriting an event and its hash consistently still breaks the next event's link."""
        from civicgrid.cases import chain

        case = cases[0]
        ev = CaseEvent.objects.get(case=case, seq=2)
        content = chain.canonical(
            case.pk, 2, ev.at, ev.actor_id, ev.actor_role, ev.action, ev.from_state, ev.to_state, "forged", ev.payload
        )
        CaseEvent.objects.filter(pk=ev.pk).update(reason="forged", hash=chain.link(ev.prev_hash, content))
        breaks = audit.verify().breaks
        assert [(b.seq, "prev_hash" in b.problem) for b in breaks] == [(3, True)]

    def test_it_checks_only_the_cases_named(self, cases):
        CaseEvent.objects.filter(case=cases[0], seq=1).update(reason="x")
        assert "2 events in 1 cases" in run(cases[1].number)
        _out, summary = failing(cases[0].number)
        assert "1 breaks" in summary

    def test_it_refuses_an_unknown_case_number(self, cases):
        with pytest.raises(CommandError, match="No such case: NOPE"):
            run("NOPE")
