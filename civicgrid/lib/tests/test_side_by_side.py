"""Independent queries run side by side, in their order, language and time zone."""

import threading
import time
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from civicgrid.lib import side_by_side as module
from civicgrid.lib.side_by_side import side_by_side


@pytest.fixture
def file_database(monkeypatch):
    """Calls that touch no database: run them side by side even where the tests' SQLite database
    is in memory (which keeps database calls one after the other)."""
    monkeypatch.setattr(module, "_in_memory", lambda: False)


def where():
    return threading.current_thread().name


def test_it_runs_the_first_call_here_and_the_others_in_the_pool(file_database):
    results = side_by_side(lambda: ("a", where()), lambda: ("b", where()), lambda: ("c", where()))
    assert [r[0] for r in results] == ["a", "b", "c"]
    assert results[0][1] == where()
    assert all(r[1].startswith("side-by-side") for r in results[1:])


@pytest.mark.parametrize("threads", [1, 2, 3, 7])
def test_it_returns_the_results_in_the_order_of_the_calls(settings, threads, file_database):
    settings.SIDE_BY_SIDE_THREADS = threads
    calls = [lambda i=i: (time.sleep(0.002 * (7 - i)), i)[1] for i in range(7)]
    assert side_by_side(*calls) == list(range(7))


def test_each_call_has_the_callers_language_and_time_zone(file_database):
    def context():
        return translation.get_language(), timezone.get_current_timezone_name()

    with translation.override("zh-hans"), timezone.override("Asia/Kolkata"):
        results = side_by_side(context, context, context)
    assert results == [("zh-hans", "Asia/Kolkata")] * 3


def test_a_failure_is_raised_once_no_call_runs_any_more(file_database):
    finished = threading.Event()

    def slow():
        time.sleep(0.05)
        finished.set()

    def fail():
        raise ValueError("no such region")

    with pytest.raises(ValueError, match="no such region"):
        side_by_side(fail, slow)
    assert finished.is_set()
    with pytest.raises(ValueError, match="no such region"):
        side_by_side(lambda: 1, fail)


def test_zero_threads_runs_every_call_here(settings):
    settings.SIDE_BY_SIDE_THREADS = 0
    assert side_by_side(where, where) == [where(), where()]


@pytest.mark.django_db
def test_inside_a_transaction_every_call_runs_here():
    # Another connection could not see the transaction's uncommitted rows.
    assert connection.in_atomic_block
    assert side_by_side(where, where) == [where(), where()]


@pytest.mark.django_db(transaction=True)
def test_each_call_reads_committed_rows_through_its_own_connection(small_city):
    from civicgrid.geo.models import Region

    def read():
        return where(), sorted(Region.objects.filter(level="district").values_list("code", flat=True))

    (here, first), (there, second) = side_by_side(read, read)
    assert first == second == ["120101", "120102"]
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        assert there == here  # the test database in memory: one after the other
    else:
        assert there != here


@pytest.mark.django_db(transaction=True)
def test_the_command_centres_numbers_are_the_same_either_way(small_city, personas, settings, time_machine):
    from civicgrid.cases import actions as A
    from civicgrid.testing import POINT_A1, POINT_B1, make_category
    from civicgrid.web.command import numbers

    now = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))
    time_machine.move_to(now - timedelta(days=2), tick=False)
    category = make_category()
    for point in (POINT_A1, POINT_B1, POINT_A1):
        A.do_report_case(acting_user=personas.rita, category=category, description="Litter", **point)
    time_machine.move_to(now, tick=False)
    period = (date(2026, 10, 27), date(2026, 11, 26))

    settings.SIDE_BY_SIDE_THREADS = 0
    serial = numbers.compute(small_city.city, *period)
    settings.SIDE_BY_SIDE_THREADS = 2
    assert numbers.compute(small_city.city, *period) == serial
    assert serial["headline"].summary.reported == 3
