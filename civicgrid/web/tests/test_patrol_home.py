"""The patrol home page: my grid on a map, its open cases and the handled cases to verify."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicgrid.cases import actions as A
from civicgrid.testing import POINT_A1, make_category

POINT_A2 = {"lat": 39.105, "lon": 117.215, "crs": "gcj02"}


@pytest.fixture(autouse=True)
def _english(client):
    # The pages are checked in their English source text (the default language is Chinese).
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def report(category, point=POINT_A1, text="Overflowing bin"):
    case, _ = A.do_report_case(acting_user=None, category=category, description=text, **point)
    return case


def handled(category, personas, point=POINT_A1):
    case = report(category, point, "Manhole cover missing")
    A.do_accept_case(case, acting_user=personas.dan)
    A.do_dispatch_case(case, acting_user=personas.dan)
    A.do_sign_case(case, acting_user=personas.carl)
    A.do_handle_case(case, acting_user=personas.carl, result="Cover replaced")
    return case


@pytest.fixture
def category(small_city):
    return make_category()


@pytest.mark.django_db
class TestPatrolHome:
    def test_it_lists_only_my_grids_cases(self, client, personas, category):
        mine = report(category)
        report(category, POINT_A2)
        to_check = handled(category, personas)
        handled(category, personas, POINT_A2)
        client.force_login(personas.gwen)
        response = client.get(reverse("patrol:home"))
        assert [c.pk for c in response.context["open_cases"]] == [mine.pk]
        assert [c.pk for c in response.context["to_verify"]] == [to_check.pk]
        assert [g.code for g in response.context["grids"]] == ["120101001001001"]
        page = response.content.decode()
        assert mine.number in page and to_check.number in page
        assert reverse("patrol:verify", args=[to_check.pk]) in page

    def test_it_shows_the_sla_colour_and_the_due_time(self, client, personas, category):
        with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
            late = report(category)
        client.force_login(personas.gwen)
        response = client.get(reverse("patrol:home"))
        (row,) = response.context["open_cases"]
        assert row.pk == late.pk and row.sla == "red"
        assert 'class="sla sla-red"' in response.content.decode()
        assert f'datetime="{timezone.localtime(late.step_due_at).isoformat()}"' in response.content.decode()

    def test_it_reads_the_page_in_a_bounded_number_of_queries(self, client, personas, category):
        client.force_login(personas.gwen)
        client.get(reverse("patrol:home"))  # a first request fills the per-process caches
        report(category)
        handled(category, personas)
        with CaptureQueriesContext(connection) as few:
            assert client.get(reverse("patrol:home")).status_code == 200
        for _ in range(5):
            report(category)
            handled(category, personas)
        with CaptureQueriesContext(connection) as many:
            response = client.get(reverse("patrol:home"))
        assert len(response.context["open_cases"]) == 6 and len(response.context["to_verify"]) == 6
        # The signed-in user (2), the worker's access (staff, roles, scope regions, scope categories),
        # then one query each for the grids, the open cases and the cases to verify.
        assert len(many) == len(few) <= 9

    def test_it_bounds_the_lists(self, client, personas, category, monkeypatch):
        from civicgrid.web.patrol import views

        monkeypatch.setattr(views, "MAX_CASES", 2)
        for _ in range(3):
            report(category)
        client.force_login(personas.gwen)
        response = client.get(reverse("patrol:home"))
        assert len(response.context["open_cases"]) == 2 and response.context["more_open"] is True

    def test_it_draws_my_grid_and_its_cases_on_the_map(self, client, personas, category):
        mine = report(category)
        report(category, POINT_A2)
        client.force_login(personas.gwen)
        grids = client.get(reverse("patrol:grids_geojson")).json()
        assert [f["properties"]["code"] for f in grids["features"]] == ["120101001001001"]
        assert grids["features"][0]["geometry"]["type"] == "Polygon"
        points = client.get(reverse("patrol:cases_geojson")).json()["features"]
        assert len(points) == 1 and points[0]["properties"]["label"].startswith(mine.number)
        assert points[0]["geometry"]["coordinates"] == [mine.x, mine.y]
