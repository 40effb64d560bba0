"""The deadline sweeper: overdue cases escalate one level, once per deadline, exactly once."""

import threading
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections

from civicgrid.cases import actions as A
from civicgrid.cases import audit, sweep
from civicgrid.cases.access import visible_cases
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.testing import make_category

# A Monday morning; the test category's deadlines are clock hours so due times are plain.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HOUR = timedelta(hours=1)


def make_leaf(code="E0101", *, escalates=True):
    # Clock-hour deadlines so that due times are plain.
    return make_category(
        code,
        escalates=escalates,
        deadlines={"accept": "2h", "dispatch": "2h", "sign": "4h", "handle": "8h", "verify": "4h"},
    )


def report(category, now=T0):
    case, created = A.do_report_case(
        acting_user=None,
        category=category,
        lat=39.105,
        lon=117.205,
        crs="gcj02",
        description="Overflowing bin",
        now=now,
    )
    assert created
    return case


def escalations(case):
    return CaseEvent.objects.filter(case=case, action="escalate").count()


@pytest.fixture
def leaf(small_city):
    return make_leaf()


@pytest.mark.django_db
class TestSweep:
    def test_it_changes_nothing_when_nothing_is_due(self, leaf):
        case = report(leaf)
        result = sweep.sweep(now=T0 + HOUR)
        assert (result.checked, result.escalated, result.taken) == (0, 0, 0)
        case.refresh_from_db()
        assert (case.version, case.escalation_level, case.overdue_marked) == (1, "community", False)

    def test_it_escalates_an_overdue_case_one_level(self, leaf):
        case = report(leaf)
        assert case.step_due_at == T0 + 2 * HOUR
        result = sweep.sweep(now=T0 + 3 * HOUR)
        assert (result.checked, result.escalated, result.taken) == (1, 1, 0)
        case.refresh_from_db()
        assert (case.status, case.escalation_level, case.version) == ("reported", "street", 2)
        assert case.overdue_marked and case.ever_escalated
        event = case.events.get(seq=2)
        assert event.action == "escalate" and event.at == T0 + 3 * HOUR
        assert (event.payload["step"], event.payload["level"]) == ("accept", "street")
        assert datetime.fromisoformat(event.payload["due"]) == T0 + 2 * HOUR
        assert event.prev_hash == case.events.get(seq=1).hash == case.events.get(seq=2).prev_hash
        assert case.last_event_hash == event.hash
        assert audit.verify().breaks == []

    def test_it_does_not_escalate_at_the_deadline_itself(self, leaf):
        case = report(leaf)
        assert sweep.sweep(now=case.step_due_at).checked == 0

    def test_it_escalates_once_per_deadline(self, leaf, personas):
        case = report(leaf)
        sweep.sweep(now=T0 + 3 * HOUR)
        # Still overdue on the same step: no second escalation.
        again = sweep.sweep(now=T0 + 30 * HOUR)
        assert (again.checked, again.escalated) == (0, 0)
        case.refresh_from_db()
        assert case.escalation_level == "street" and escalations(case) == 1
        # The next step starts with a fresh clock, and escalates once it too is overdue.
        A.do_accept_case(case, acting_user=personas.dan, now=T0 + 4 * HOUR)
        assert not case.overdue_marked and case.step == "dispatch"
        assert sweep.sweep(now=T0 + 5 * HOUR).checked == 0
        assert sweep.sweep(now=T0 + 7 * HOUR).escalated == 1
        case.refresh_from_db()
        assert (case.escalation_level, escalations(case)) == ("district", 2)

    def test_it_stops_at_the_city_level(self, leaf):
        case = report(leaf)
        Case.objects.filter(pk=case.pk).update(escalation_level="city")
        assert sweep.sweep(now=T0 + 3 * HOUR).escalated == 1
        case.refresh_from_db()
        assert case.escalation_level == "city" and case.overdue_marked

    def test_it_leaves_categories_that_do_not_escalate(self, leaf):
        quiet = report(make_leaf("E0102", escalates=False))
        loud = report(leaf)
        result = sweep.sweep(now=T0 + 3 * HOUR)
        assert (result.checked, result.escalated) == (1, 1)
        quiet.refresh_from_db()
        loud.refresh_from_db()
        assert (quiet.escalation_level, quiet.overdue_marked, quiet.version) == ("community", False, 1)
        assert loud.escalation_level == "street"

    def test_it_leaves_cases_off_the_clock(self, leaf, personas):
        rejected = report(leaf)
        A.do_reject_case(rejected, acting_user=personas.dan, reason="Not ours", now=T0 + HOUR)
        parked = report(leaf)
        A.do_accept_case(parked, acting_user=personas.dan, now=T0)
        A.do_park_case(parked, acting_user=personas.sara, reason="Waiting for the works", now=T0 + HOUR)
        # A parked case keeps no step deadline; make sure the status alone keeps it out too.
        Case.objects.filter(pk=parked.pk).update(step_due_at=T0 + HOUR)
        assert sweep.sweep(now=T0 + 10 * HOUR).checked == 0
        assert escalations(rejected) == escalations(parked) == 0

    def test_it_walks_the_cases_in_id_ordered_batches(self, leaf):
        cases = [report(leaf) for _ in range(5)]
        seen = []
        real = A.do_escalate_case

        def spy(case, **kw):
            seen.append(case.pk)
            return real(case, **kw)

        with mock.patch.object(sweep, "do_escalate_case", spy):
            result = sweep.sweep(now=T0 + 3 * HOUR, batch_size=2)
        assert seen == sorted(c.pk for c in cases)
        assert (result.checked, result.escalated) == (5, 5)

    def test_it_keeps_the_case_visible_to_the_level_below(self, leaf, personas):
        case = report(leaf)
        assert case in visible_cases(personas.gwen)  # the grid worker of grid A1
        sweep.sweep(now=T0 + 3 * HOUR)
        case.refresh_from_db()
        assert case.escalation_level == "street"
        assert case in visible_cases(personas.gwen)
        assert (case.grid_code, case.community_code) == ("120101001001001", "120101001001")

    def test_it_lists_without_writing_in_a_dry_run(self, leaf):
        case = report(leaf)
        result = sweep.sweep(now=T0 + 3 * HOUR, dry_run=True)
        assert (result.checked, result.escalated) == (1, 0)
        assert [(d.number, d.step, d.level, d.next_level) for d in result.due] == [
            (case.number, "accept", "community", "street")
        ]
        case.refresh_from_db()
        assert case.version == 1 and escalations(case) == 0


@pytest.mark.django_db
class TestTwoSweepers:
    def test_it_escalates_each_case_exactly_once(self, leaf):
        """Sweeper B reads its batch, then sweeper A escalates everything, then B acts on the
        versions it read: every case is B's conflict, none is escalated twice."""
        cases = [report(leaf) for _ in range(3)]
        now = T0 + 3 * HOUR
        real = A.do_escalate_case
        other = {}

        def interleaved(case, **kw):
            if "result" not in other:
                other["result"] = None
                other["result"] = sweep.sweep(now=now)  # sweeper A, while B holds stale rows
            return real(case, **kw)

        with mock.patch.object(sweep, "do_escalate_case", interleaved):
            second = sweep.sweep(now=now)
        first = other["result"]
        assert (first.checked, first.escalated, first.taken) == (3, 3, 0)
        assert (second.checked, second.escalated, second.taken, second.skipped) == (3, 0, 3, 3)
        for case in cases:
            case.refresh_from_db()
            assert (case.escalation_level, case.version, escalations(case)) == ("street", 2, 1)
        assert audit.verify().breaks == []

    def test_it_skips_a_case_changed_since_it_was_read(self, leaf, personas):
        case = report(leaf)
        now = T0 + 3 * HOUR
        real = A.do_escalate_case

        def accepted_meanwhile(stale, **kw):
            A.do_accept_case(Case.objects.get(pk=stale.pk), acting_user=personas.dan, now=now)
            return real(stale, **kw)

        with mock.patch.object(sweep, "do_escalate_case", accepted_meanwhile):
            result = sweep.sweep(now=now)
        assert (result.escalated, result.taken) == (0, 1)
        case.refresh_from_db()
        assert (case.status, case.escalation_level, escalations(case)) == ("accepted", "community", 0)


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_in_parallel_escalate_each_case_once(small_city):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite's test database is in memory and private to one connection")
    leaf = make_leaf()
    cases = [report(leaf) for _ in range(40)]
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(sweep.sweep(now=T0 + 3 * HOUR, batch_size=7))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.escalated for r in results) == 40
    assert sum(r.escalated + r.taken for r in results) == sum(r.checked for r in results)
    for case in cases:
        case.refresh_from_db()
        assert (case.escalation_level, escalations(case)) == ("street", 1)
    assert audit.verify().breaks == []


@pytest.mark.django_db
class TestSweepCommand:
    def test_it_escalates_and_prints_the_counts(self, leaf):
        case = report(leaf)
        out = StringIO()
        with time_machine.travel(T0 + 3 * HOUR, tick=False):
            call_command("sweep_deadlines", stdout=out)
        assert "Checked 1, escalated 1, skipped 0" in out.getvalue()
        case.refresh_from_db()
        assert case.escalation_level == "street"

    def test_it_lists_in_a_dry_run(self, leaf):
        case = report(leaf)
        out = StringIO()
        with time_machine.travel(T0 + 3 * HOUR, tick=False):
            call_command("sweep_deadlines", "--dry-run", stdout=out)
        assert case.number in out.getvalue() and "community → street" in out.getvalue()
        case.refresh_from_db()
        assert case.version == 1
