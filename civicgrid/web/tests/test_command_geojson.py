"""The command centre's map data: open problems of the region, coloured by SLA state, capped."""

from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicgrid.analytics import kpis
from civicgrid.cases import actions as A
from civicgrid.cases.models import Case
from civicgrid.testing import POINT_A1, POINT_B1, make_category
from civicgrid.web.command import views

TZ = timezone.get_fixed_timezone(8 * 60)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=TZ)  # a Wednesday


@pytest.fixture(autouse=True)
def _fresh_points():
    """The map's points are shared for a minute: each test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def category(small_city):
    """Accepting takes 4 working hours (work hours 09:00-12:00 and 13:00-17:30)."""
    return make_category(
        deadlines={"accept": "4wh", "dispatch": "2wh", "sign": "1wd", "handle": "5wd", "verify": "1wd"}
    )


def report(category, point, when, user=None):
    case, _ = A.do_report_case(acting_user=user, category=category, description="Litter", now=when, **point)
    return case


@pytest.fixture
def cases(personas, category, time_machine):
    """One case of each colour in district A, and one open case in district B."""
    time_machine.move_to(NOW, tick=False)
    p = personas
    out = {
        # From 14:30 the 4 working hours end at 10:00 tomorrow: 0.5 h of 4 used at 15:00.
        "green": report(category, POINT_A1, NOW - timedelta(minutes=30)),
        # From 10:30 they end at 15:30 today (1.5 h before lunch, 2.5 h after): 3.5 h of 4 used.
        "yellow": report(category, POINT_A1, NOW.replace(hour=10, minute=30)),
        "red": report(category, POINT_A1, NOW - timedelta(days=2)),
        "grey": report(category, POINT_A1, NOW - timedelta(days=1)),
        "closed": report(category, POINT_A1, NOW - timedelta(days=1)),
        "b": report(category, POINT_B1, NOW - timedelta(minutes=30)),
    }
    A.do_accept_case(out["grey"], acting_user=p.dan)
    A.do_park_case(out["grey"], acting_user=p.sara, reason="waits for the spring")
    A.do_reject_case(out["closed"], acting_user=p.dan, reason="not a problem for the platform")
    return out


def features(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("command:cases_geojson"), params)
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
class TestCasesGeoJSON:
    def test_it_colours_open_cases_by_their_sla_state(self, client, personas, cases):
        data = features(client, personas.sara)
        colours = {f["properties"]["id"]: f["properties"]["colour"] for f in data["features"]}
        assert colours == {cases[c].pk: c for c in ("green", "yellow", "red", "grey")}
        assert data["truncated"] is False

    def test_it_shows_only_the_region_asked_for(self, client, personas, cases):
        data = features(client, personas.audrey, region="120102")
        assert [f["properties"]["id"] for f in data["features"]] == [cases["b"].pk]
        city = features(client, personas.audrey)
        assert len(city["features"]) == 5

    def test_it_refuses_regions_outside_the_scope(self, client, personas, cases):
        client.force_login(personas.sara)
        assert client.get(reverse("command:cases_geojson"), {"region": "120102"}).status_code == 404

    def test_it_caps_the_points_and_keeps_the_most_urgent(self, client, personas, cases, monkeypatch):
        monkeypatch.setattr(views, "MAP_POINT_CAP", 2)
        data = features(client, personas.sara)
        assert data["truncated"] is True and data["cap"] == 2
        assert [f["properties"]["id"] for f in data["features"]] == [cases["red"].pk, cases["yellow"].pk]

    def test_it_links_each_point_to_the_workbench_and_labels_no_person(self, client, personas, cases):
        data = features(client, personas.sara)
        props = next(f["properties"] for f in data["features"] if f["properties"]["id"] == cases["red"].pk)
        assert props["url"] == f"/workbench/cases/{cases['red'].pk}/"
        assert props["label"].startswith(cases["red"].number)
        assert "Litter" not in props["label"]  # the description may name people: never shown

    def test_it_draws_points_in_city_coordinates(self, client, personas, cases):
        point = features(client, personas.sara)["features"][0]["geometry"]
        assert point["type"] == "Point"
        assert 117.2 < point["coordinates"][0] < 117.24 and 39.1 < point["coordinates"][1] < 39.11

    def test_it_colours_as_kpis_counts_overdue(self, client, personas, cases):
        Case.objects.filter(pk__in=[cases["green"].pk, cases["grey"].pk]).update(overdue_marked=True)
        data = features(client, personas.sara)
        colours = {f["properties"]["id"]: f["properties"]["colour"] for f in data["features"]}
        assert colours[cases["green"].pk] == "red"  # marked by the sweeper: overdue
        assert colours[cases["grey"].pk] == "grey"  # parked: its clock is stopped, whatever the mark
        red = sum(c == "red" for c in colours.values())
        assert red == kpis.summary("120101", NOW.date(), NOW.date() + timedelta(days=1), now=NOW).overdue == 2

    def test_it_shares_the_points_of_a_region_for_a_minute(self, client, personas, cases, category, time_machine):
        first = features(client, personas.sara)
        report(category, POINT_A1, NOW - timedelta(hours=1))
        assert features(client, personas.audrey, region="120101") == first
        time_machine.move_to(NOW + timedelta(seconds=61), tick=False)
        assert len(features(client, personas.audrey, region="120101")["features"]) == len(first["features"]) + 1

    def test_it_uses_a_fixed_number_of_queries(self, client, personas, cases, category):
        client.force_login(personas.sara)

        def count():
            cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse("command:cases_geojson")).status_code == 200
            return len(ctx.captured_queries)

        before = count()
        for _ in range(5):
            report(category, POINT_A1, NOW - timedelta(days=3))
        assert count() == before <= 9
