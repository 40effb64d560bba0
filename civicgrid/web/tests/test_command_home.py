"""The command centre page: tiles, rankings, drill-down, trend, overdue list, backlog, hotspots.

Every case is built through ``civicgrid.cases.actions`` with back-dated ``now`` values; the clock
is frozen at NOW (Wednesday 2026-11-25 15:00, local time). The default period is the last 30
days: 2026-10-27 to 2026-11-25.

======================  ====  =========================================================
case                    where what happened
======================  ====  =========================================================
a_good_1, a_good_2      A1    reported 11-17 10:00, everything on time, closed, rated 3
a_overdue               A1    signed for 11-10 12:00, handling due 11-17: overdue
a_unanswered            A1    reported 11-20 10:00, never accepted: accept step overdue
a_parked                A1    accepted, then parked (clock stopped)
a_fresh                 A1    reported 14:00 today: on time
b_late                  B1    accepted late, handled late, closed, rated 1
b_overdue               B1    signed for 11-10 12:00: overdue
======================  ====  =========================================================
"""

import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.analytics import kpis
from civicgrid.cases import actions as A
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType
from civicgrid.testing import POINT_A1, POINT_B1, make_category, make_staff, make_unit

TZ = timezone.get_fixed_timezone(8 * 60)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=TZ)
PERIOD_30D = (date(2026, 10, 27), date(2026, 11, 26))


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


class World:
    """The cases of the module docstring, and the people who moved them."""

    def __init__(self, p, city):
        self.p = p
        self.category = make_category()
        centre_b = make_unit(
            "120102-centre", "B区社会治理中心", Unit.Kind.CENTRE, UnitType.GOVERNANCE_CENTRE, city.district_b
        )
        self.dora = make_staff("dora", centre_b, [Role.DISPATCHER])
        self.cases = {}

    def report(self, name, point, when, reporter=None):
        case, _ = A.do_report_case(
            acting_user=reporter, category=self.category, description=f"case {name}", now=when, **point
        )
        self.cases[name] = case
        return case

    def signed(self, name, point, when, dispatcher, handler, *, accept_after=timedelta(minutes=30)):
        case = self.report(name, point, when, self.p.rita)
        A.do_accept_case(case, acting_user=dispatcher, now=when + accept_after)
        A.do_dispatch_case(case, acting_user=dispatcher, now=when + accept_after + timedelta(minutes=30))
        A.do_sign_case(case, acting_user=handler, now=when + accept_after + timedelta(hours=1))
        return case

    def closed(self, name, point, when, dispatcher, handler, verifier, rating, *, handled_after, accept_after=None):
        kw = {"accept_after": accept_after} if accept_after else {}
        case = self.signed(name, point, when, dispatcher, handler, **kw)
        A.do_handle_case(case, acting_user=handler, result="fixed", now=when + handled_after)
        A.do_verify_case(case, acting_user=verifier, now=when + handled_after + timedelta(hours=2))
        A.do_rate_case(case, acting_user=self.p.rita, rating=rating, now=when + handled_after + timedelta(hours=3))
        return case


@pytest.fixture
def world(personas, small_city, time_machine):
    time_machine.move_to(NOW, tick=False)
    w = World(personas, small_city)
    p = personas
    for name in ("a_good_1", "a_good_2"):
        w.closed(name, POINT_A1, at(11, 17, 10), p.dan, p.carl, p.gwen, 3, handled_after=timedelta(days=1))
    w.signed("a_overdue", POINT_A1, at(11, 10, 10), p.dan, p.carl)
    w.report("a_unanswered", POINT_A1, at(11, 20, 10), p.rita)
    parked = w.report("a_parked", POINT_A1, at(11, 18, 10), p.rita)
    A.do_accept_case(parked, acting_user=p.dan, now=at(11, 18, 10, 30))
    A.do_park_case(parked, acting_user=p.sara, reason="needs a budget", now=at(11, 18, 11))
    w.report("a_fresh", POINT_A1, at(11, 25, 14), p.rita)
    w.closed(
        "b_late",
        POINT_B1,
        at(11, 2, 10),
        w.dora,
        p.olga,
        w.dora,
        1,
        accept_after=timedelta(days=2),
        handled_after=timedelta(days=14),
    )
    w.signed("b_overdue", POINT_B1, at(11, 10, 10), w.dora, p.olga)
    return w


@pytest.fixture
def get(client):
    def get(user, **params):
        client.force_login(user)
        # English, the source language: some tests read the page's words.
        response = client.get(reverse("command:home"), params, headers={"accept-language": "en"})
        assert response.status_code == 200
        return response

    return get


def tile(html: str, key: str) -> tuple[str, str]:
    """(value shown, title) of the tile ``key``."""
    m = re.search(rf'data-tile="{key}" title="([^"]*)">\s*<div class="value">([^<]*)</div>', html)
    assert m, f"no tile {key}"
    return m.group(2), m.group(1)


@pytest.mark.django_db
class TestTiles:
    def test_it_shows_the_numbers_of_kpis_summary_for_the_region_and_period(self, world, get):
        response = get(world.p.sara)
        expected = kpis.summary("120101", *PERIOD_30D, now=NOW)
        assert response.context["summary"] == expected
        html = response.content.decode()
        for key in ("response", "on_time_closure", "closure", "resolution", "satisfaction", "rework"):
            r = getattr(expected, key)
            value, title = tile(html, key)
            assert value == ("—" if r.value is None else f"{r.percent}%"), key
            assert title.startswith(f"{r.numerator} of {r.denominator}" if r.value is not None else "Nothing to count")
        assert tile(html, "overdue")[0] == str(expected.overdue) == "2"  # a_overdue, a_unanswered

    def test_it_counts_the_hand_computed_figures(self, world, get):
        s = get(world.p.sara).context["summary"]
        # answered on time: both good ones, a_overdue, a_parked; due and unanswered: a_unanswered.
        assert (s.response.numerator, s.response.denominator) == (4, 5)
        assert (s.satisfaction.numerator, s.satisfaction.denominator) == (2, 2)
        assert (s.open, s.parked) == (4, 0)  # a_parked was never dispatched: not "due"

    def test_it_shows_a_dash_and_never_100_percent_of_nothing(self, world, get):
        response = get(world.p.sara, period="custom", start="2026-01-01", end="2026-01-31")
        html = response.content.decode()
        for key in ("response", "on_time_closure", "closure", "resolution", "satisfaction", "rework"):
            assert tile(html, key)[0] == "—"
        assert tile(html, "average_handling_hours")[0] == "—"
        assert "100.00%" not in html

    def test_it_refreshes_the_tiles_alone(self, world, client):
        client.force_login(world.p.sara)
        response = client.get(reverse("command:tiles"), {"period": "7d"}, headers={"accept-language": "en"})
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html
        assert 'hx-trigger="every 60s"' in html
        assert response.context["summary"] == kpis.summary("120101", date(2026, 11, 19), date(2026, 11, 26), now=NOW)

    def test_it_shows_volume_as_context_not_as_a_score(self, world, get):
        html = get(world.p.audrey).content.decode()
        assert "Context (volumes, never scored)" in html
        assert tile(html, "reported")[0] == "8"


@pytest.mark.django_db
class TestPeriods:
    @pytest.mark.parametrize(
        "params, bounds",
        [
            ({}, PERIOD_30D),
            ({"period": "7d"}, (date(2026, 11, 19), date(2026, 11, 26))),
            ({"period": "90d"}, (date(2026, 8, 28), date(2026, 11, 26))),
            ({"period": "month"}, (date(2026, 11, 1), date(2026, 12, 1))),
            ({"period": "custom", "start": "2026-11-01", "end": "2026-11-10"}, (date(2026, 11, 1), date(2026, 11, 11))),
            ({"period": "custom", "start": "2026-11-10", "end": "2026-11-01"}, PERIOD_30D),
            ({"period": "custom", "start": "2024-01-01", "end": "2026-11-01"}, PERIOD_30D),
            ({"period": "forever"}, PERIOD_30D),
        ],
    )
    def test_it_reads_the_period(self, world, get, params, bounds):
        response = get(world.p.sara, **params)
        assert (response.context["start"], response.context["end"]) == bounds


@pytest.mark.django_db
class TestRankings:
    def test_it_ranks_the_districts_of_the_city_as_kpis_rankings_does(self, world, get):
        response = get(world.p.audrey)
        rows = response.context["ranking"]
        expected = kpis.rankings("district", "12", *PERIOD_30D, now=NOW)
        assert [(r["code"], r["rank"]) for r in rows] == [(r.code, r.rank) for r in expected]
        assert [r["code"] for r in rows] == ["120101", "120102"]  # A solves more, and satisfies
        assert rows[0]["rank"] == 1 and rows[1]["rank"] == 2

    def test_it_documents_the_weights_of_the_score(self, world, get):
        html = get(world.p.audrey).content.decode()
        assert "30%" in html and "35%" in html

    def test_it_ranks_the_streets_of_a_district(self, world, get):
        rows = get(world.p.sara).context["ranking"]
        assert [r["code"] for r in rows] == ["120101001"]


@pytest.mark.django_db
class TestDrillDown:
    def test_it_links_each_district_of_the_city(self, world, get):
        html = get(world.p.audrey, period="7d").content.decode()
        assert 'href="/command/?region=120101&amp;period=7d"' in html
        assert 'href="/command/?region=120102&amp;period=7d"' in html
        assert 'data-drill="/command/?region={code}&amp;period=7d"' in html
        assert 'data-regions="/api/v1/regions?parent=120000"' in html

    def test_it_links_the_streets_of_a_district(self, world, get):
        html = get(world.p.sara).content.decode()
        assert 'href="/command/?region=120101001&amp;period=30d"' in html
        assert 'data-regions="/api/v1/regions?parent=120101"' in html

    def test_it_keeps_a_custom_period_while_drilling(self, world, get):
        html = get(world.p.audrey, period="custom", start="2026-11-01", end="2026-11-20").content.decode()
        assert 'href="/command/?region=120101&amp;period=custom&amp;start=2026-11-01&amp;end=2026-11-20"' in html


@pytest.mark.django_db
class TestTrend:
    def test_it_draws_reported_and_closed_per_day_as_inline_svg(self, world, get):
        response = get(world.p.sara, period="7d")
        html = response.content.decode()
        assert re.search(r'<svg class="trend"[^>]*role="img"', html)
        points = re.search(r'<polyline class="series-reported" points="([^"]+)"', html).group(1).split()
        assert len(points) == 7
        assert '<polyline class="series-closed"' in html
        assert "<script" not in html.split('<svg class="trend"')[1].split("</svg>")[0]

    def test_it_describes_the_chart_in_text(self, world, get):
        response = get(world.p.sara)
        trend = kpis.daily_trend("120101", *PERIOD_30D)
        chart = response.context["chart"]
        assert [d.reported for d in chart.days] == [d.reported for d in trend]
        html = response.content.decode()
        assert f'<desc id="trend-desc">{chart.description}</desc>' in html
        assert "6 problems were reported and 2 closed" in chart.description


@pytest.mark.django_db
class TestOverdue:
    def test_it_lists_overdue_cases_with_a_link_to_the_workbench(self, world, get):
        response = get(world.p.sara)
        listed = [row["case"].pk for row in response.context["overdue_cases"]]
        assert listed == [world.cases["a_overdue"].pk, world.cases["a_unanswered"].pk]  # most overdue first
        html = response.content.decode()
        assert f'href="/workbench/cases/{world.cases["a_overdue"].pk}/"' in html

    def test_it_lists_units_with_overdue_cases(self, world, get):
        response = get(world.p.audrey)
        assert response.context["overdue_units"] == kpis.overdue_units("12", now=NOW)
        names = [u.unit_name for u in response.context["overdue_units"]]
        assert "A区城市管理委员会" in names and "B区城市管理委员会" in names

    def test_it_shows_the_backlog_by_age(self, world, get):
        response = get(world.p.sara)
        assert [b.count for b in response.context["backlog"]] == [
            b.count for b in kpis.summary("120101", *PERIOD_30D, now=NOW).backlog_buckets
        ]

    def test_it_shows_hotspots(self, world, get):
        response = get(world.p.sara)
        shown = [
            (h["hotspot"].grid_code, h["hotspot"].category_code, h["hotspot"].count)
            for h in response.context["hotspots"]
        ]
        expected = kpis.hotspots("120101", *PERIOD_30D, limit=20)
        assert shown == [(h.grid_code, h.category_code, h.count) for h in expected] == [("120101001001001", "E0101", 6)]
        assert response.context["hotspots"][0]["grid_name"] == "Grid A1"


@pytest.mark.django_db
class TestAssets:
    def test_it_serves_every_script_and_stylesheet_locally(self, world, get):
        html = get(world.p.sara).content.decode()
        assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert any(a.endswith("js/command-map.js") for a in assets)
        assert any(a.endswith("htmx-2.min.js") for a in assets)
        assert all(a.startswith("/static/") for a in assets), assets
