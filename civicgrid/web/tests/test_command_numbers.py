"""The command centre's numbers are computed once and read by every process; the refresher keeps
the watched ones computed ahead of the requests."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from civicgrid.analytics import kpis
from civicgrid.cases import actions as A
from civicgrid.testing import POINT_A1, POINT_B1, make_category
from civicgrid.web.command import numbers
from civicgrid.web.command.forms import PeriodForm
from civicgrid.web.models import SharedNumbers

TZ = timezone.get_fixed_timezone(8 * 60)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=TZ)
START, END = date(2026, 10, 27), date(2026, 11, 26)  # the default 30 days on NOW's day


@pytest.fixture
def cases(personas, time_machine):
    time_machine.move_to(NOW - timedelta(days=3), tick=False)
    category = make_category()
    for point in (POINT_A1, POINT_A1, POINT_B1):
        case, _ = A.do_report_case(acting_user=personas.rita, category=category, description="Litter", **point)
        if point is POINT_A1:
            A.do_accept_case(case, acting_user=personas.dan)  # district A's dispatcher
    time_machine.move_to(NOW, tick=False)
    return category


def case_queries(ctx) -> int:
    """Queries that read the cases: the numbers being computed."""
    return sum('"cases_case"' in q["sql"] for q in ctx.captured_queries)


def read(region, parts=numbers.PARTS):
    with CaptureQueriesContext(connection) as ctx:
        values = numbers.read(region, START, END, parts)
    return values, ctx


@pytest.mark.django_db
class TestRead:
    def test_it_computes_the_numbers_once_for_every_reader(self, small_city, cases):
        first, ctx = read(small_city.city)
        assert case_queries(ctx) > 0
        assert first["headline"].summary.reported == 3
        assert first["detail"].ranking[0].kpis.reported + first["detail"].ranking[1].kpis.reported == 3
        assert SharedNumbers.objects.count() == len(numbers.PARTS)

        cache.clear()  # another process: nothing in its memory
        again, ctx = read(small_city.city)
        assert case_queries(ctx) == 0
        assert len(ctx.captured_queries) == 1  # the stored parts, in one query
        assert again == first

    def test_it_stores_what_the_numbers_module_computes(self, small_city, cases):
        read(small_city.city)
        stored, _ctx = read(small_city.city)
        direct = kpis.summary(small_city.city.subtree_prefix, START, END, now=timezone.now())
        assert stored["headline"].summary == direct

    def test_it_computes_them_again_after_a_minute(self, small_city, cases, personas, time_machine):
        read(small_city.district_a)
        A.do_report_case(acting_user=personas.rita, category=cases, description="More", **POINT_A1)
        time_machine.move_to(NOW + timedelta(seconds=59), tick=False)
        assert read(small_city.district_a)[0]["headline"].summary.reported == 2
        time_machine.move_to(NOW + timedelta(seconds=61), tick=False)
        later, ctx = read(small_city.district_a)
        assert case_queries(ctx) > 0
        assert later["headline"].summary.reported == 3
        assert later["headline"].now == NOW + timedelta(seconds=61)

    def test_it_computes_only_the_parts_missing(self, small_city, cases):
        read(small_city.city, ("headline",))
        assert set(SharedNumbers.objects.values_list("part", flat=True)) == {"headline"}
        values, _ctx = read(small_city.city)
        assert set(values) == set(numbers.PARTS)
        assert SharedNumbers.objects.count() == len(numbers.PARTS)

    def test_each_language_has_its_own_numbers(self, small_city, cases):
        with translation.override("en"):
            english, _ctx = read(small_city.city)
        with translation.override("zh-hans"):
            chinese, _ctx = read(small_city.city)
        assert [r.name for r in english["detail"].ranking] == ["District A", "District B"]
        assert [r.name for r in chinese["detail"].ranking] == ["A区", "B区"]
        assert SharedNumbers.objects.count() == 2 * len(numbers.PARTS)

    def test_it_never_unpickles_what_it_did_not_sign(self, small_city, cases):
        read(small_city.city)
        view = numbers.current_view(small_city.city, START, END)
        row = SharedNumbers.objects.get(key=view.key("headline"))
        # A value sealed under another key, as someone writing to the table could copy one.
        row.value = numbers.sealed(view.key("tips"), "not the headline")
        row.save()
        with pytest.raises(ValueError, match="signature"):
            numbers.unsealed(view.key("headline"), bytes(row.value))

        values, ctx = read(small_city.city)
        assert case_queries(ctx) > 0  # computed again
        assert values["headline"].summary.reported == 3
        row.refresh_from_db()
        assert numbers.unsealed(view.key("headline"), bytes(row.value)) == values["headline"]

    def test_it_marks_a_read_at_most_once_a_minute(self, small_city, cases, time_machine):
        read(small_city.city)  # computed and marked read by the request
        time_machine.move_to(NOW + timedelta(seconds=30), tick=False)
        _values, ctx = read(small_city.city)
        assert len(ctx.captured_queries) == 1
        assert set(SharedNumbers.objects.values_list("read_at", flat=True)) == {NOW}


@pytest.mark.django_db
class TestRefresher:
    def test_it_keeps_the_citys_default_view_in_every_language(self, small_city, time_machine):
        time_machine.move_to(NOW, tick=False)
        assert PeriodForm({}).bounds() == (START, END)
        assert numbers.due_views(timezone.now()) == [
            numbers.View("120000", START, END, "en"),
            numbers.View("120000", START, END, "zh-hans"),
        ]
        assert numbers.refresh_due().refreshed == 2
        assert SharedNumbers.objects.count() == 2 * len(numbers.PARTS)
        assert not SharedNumbers.objects.filter(read_at__isnull=False).exists()  # nobody read them
        assert numbers.due_views(timezone.now()) == []  # fresh

    def test_it_refreshes_the_watched_views_ahead_of_the_readers(self, small_city, cases, personas, time_machine):
        with translation.override("en"):
            read(small_city.district_a)
        A.do_report_case(acting_user=personas.rita, category=cases, description="More", **POINT_A1)
        time_machine.move_to(NOW + timedelta(seconds=29), tick=False)
        assert numbers.View("120101", START, END, "en") not in numbers.due_views(timezone.now())
        time_machine.move_to(NOW + timedelta(seconds=31), tick=False)
        assert numbers.View("120101", START, END, "en") in numbers.due_views(timezone.now())
        numbers.refresh_due()

        time_machine.move_to(NOW + timedelta(seconds=70), tick=False)  # the request's copy is too old
        with translation.override("en"):
            values, ctx = read(small_city.district_a)
        assert case_queries(ctx) == 0
        assert values["headline"].summary.reported == 3
        assert values["headline"].now == NOW + timedelta(seconds=31)

    def test_it_lets_a_view_go_once_nobody_watches_it(self, small_city, cases, time_machine, settings):
        settings.NUMBERS_WATCH_MINUTES = 10
        read(small_city.district_b)
        view = numbers.current_view(small_city.district_b, START, END)
        time_machine.move_to(NOW + timedelta(minutes=9), tick=False)
        assert view in numbers.due_views(timezone.now())
        numbers.refresh_due()  # does not count as a read
        time_machine.move_to(NOW + timedelta(minutes=10, seconds=1), tick=False)
        assert view not in numbers.due_views(timezone.now())

    def test_it_forgets_what_nobody_read_for_a_day(self, small_city, cases, time_machine):
        read(small_city.district_b)
        time_machine.move_to(NOW + timedelta(hours=23), tick=False)
        assert numbers.refresh_due().forgotten == 0
        time_machine.move_to(NOW + timedelta(days=1, seconds=1), tick=False)
        # Yesterday's district is gone; the city's default view of the new day is kept.
        done = numbers.refresh_due()
        assert done.forgotten == len(numbers.PARTS)
        assert set(SharedNumbers.objects.values_list("region_code", flat=True)) == {"120000"}

    def test_it_deletes_the_numbers_of_a_region_that_is_gone(self, small_city, cases):
        view = numbers.View("120199", START, END, "en")
        numbers.store(view, {"headline": "anything"}, timezone.now(), read=True)
        assert numbers.refresh(view) is False
        assert not SharedNumbers.objects.filter(region_code="120199").exists()

    def test_a_failing_view_does_not_stop_the_others(self, small_city, cases, monkeypatch):
        compute = numbers.compute

        def failing(region, start, end, parts=numbers.PARTS):
            if translation.get_language() == "en":
                raise RuntimeError("boom")
            return compute(region, start, end, parts)

        monkeypatch.setattr(numbers, "compute", failing)
        done = numbers.refresh_due()
        assert (done.refreshed, done.failed) == (1, 1)
        assert set(SharedNumbers.objects.values_list("language", flat=True)) == {"zh-hans"}


@pytest.mark.django_db
class TestCommand:
    def test_it_runs_one_pass(self, small_city, cases):
        out = StringIO()
        with translation.override("en"):
            call_command("refresh_numbers", "--once", stdout=out)
        assert out.getvalue().strip() == "refreshed 2 views, 0 failed, 0 unread parts forgotten"

    def test_it_refuses_a_pause_of_nothing(self, db):
        with pytest.raises(CommandError, match="--interval"):
            call_command("refresh_numbers", "--once", "--interval", "0")


@pytest.mark.django_db
def test_the_page_reads_the_refreshed_numbers(client, small_city, cases, personas):
    call_command("refresh_numbers", "--once", stdout=StringIO())
    client.force_login(personas.audrey)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("command:home"), headers={"accept-language": "en"})
    assert response.status_code == 200
    # Only the live parts read the cases: the overdue list (the map loads on its own).
    assert case_queries(ctx) == 1
