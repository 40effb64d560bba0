"""The public map and list of reported problems: filters, paging, the capped GeoJSON points, and
never anything about who reported."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case
from civicgrid.categories.models import Category
from civicgrid.testing import POINT_A1, POINT_B1, make_category
from civicgrid.web.portal import views

CONTACT = "13812345678"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def litter(small_city):
    return make_category("E0101", name_en="Litter")


@pytest.fixture
def cover(small_city):
    """A leaf of another class (components)."""
    parent = Category.objects.create(
        code="B01", kind="component", name_zh="公共设施", name_en="Public facilities", unit_type="urban_management"
    )
    return Category.objects.create(
        code="B0101", parent=parent, kind="component", name_zh="井盖", name_en="Manhole cover", unit_type="water"
    )


def report(category, description, point=POINT_A1, user=None, **kw):
    case, _ = A.do_report_case(
        acting_user=user, category=category, description=description, contact=CONTACT, **{**point, **kw}
    )
    return case


@pytest.fixture
def cases(litter, cover, personas):
    """Open litter in A, a closed cover in A, litter in B, a rejected and a staff-only report."""
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=3), tick=False):
        open_a = report(litter, "Bin overflowing in A", user=personas.rita)
    with time_machine.travel(now - timedelta(days=2), tick=False):
        closed_a = report(cover, "Cover missing in A")
        A.do_accept_case(closed_a, acting_user=personas.dan)
        A.do_dispatch_case(closed_a, acting_user=personas.dan, unit=personas.org_a)
        A.do_sign_case(closed_a, acting_user=personas.carl)
        A.do_handle_case(closed_a, acting_user=personas.carl, result="Cover replaced")
        A.do_verify_case(closed_a, acting_user=personas.gwen)
    with time_machine.travel(now - timedelta(days=1), tick=False):
        open_b = report(litter, "Bin overflowing in B", POINT_B1)
    rejected = report(litter, "Rejected report text")
    A.do_reject_case(rejected, acting_user=personas.dan, reason="Not public space")
    staff_only = make_category("E0109", name_en="Internal matter")
    Category.objects.filter(pk=staff_only.pk).update(public=False)
    internal = report(staff_only, "Internal matter text")
    return {"open_a": open_a, "closed_a": closed_a, "open_b": open_b, "rejected": rejected, "internal": internal}


def listed(response) -> list[str]:
    return re.findall(r'<td data-label="Number"><a href="[^"]+">(\w+)</a>', response.content.decode())


def points(client, **query):
    r = client.get("/map/points.geojson", query)
    assert r.status_code == 200 and r["Content-Type"] == "application/geo+json"
    return json.loads(r.content)


@pytest.mark.django_db
class TestList:
    def test_it_lists_reported_problems_without_personal_data(self, client, cases):
        r = client.get("/map/")
        html = r.content.decode()
        assert r.status_code == 200
        c = cases
        assert listed(r) == [c["open_b"].number, c["closed_a"].number, c["open_a"].number]
        assert "Bin overflowing in A" in html and "Cover missing in A" in html
        assert "District A › Street A" in html and "Manhole cover" in html and "Closed" in html
        for private in (CONTACT, "rita", "Rejected report text", "Internal matter text", "Cover replaced"):
            assert private not in html
        for case in Case.objects.all():
            assert case.tracking_token not in html
        assert 'data-points="/map/points.geojson?"' in html
        assert 'data-regions="/api/v1/regions?parent="' in html
        assert 'data-drill="/map/?district={code}"' in html

    def test_it_filters_by_district_street_kind_and_status(self, client, cases, small_city):
        c = cases
        assert listed(client.get("/map/", {"district": "120101"})) == [c["closed_a"].number, c["open_a"].number]
        r = client.get("/map/", {"district": "120101", "street": "120101001"})
        assert listed(r) == [c["closed_a"].number, c["open_a"].number]
        assert 'data-drill="/map/?district=120101&amp;street={code}"' in r.content.decode()
        assert listed(client.get("/map/", {"district": "120102", "street": "120101001"})) == [c["open_b"].number]
        assert listed(client.get("/map/", {"category": "B01"})) == [c["closed_a"].number]
        assert listed(client.get("/map/", {"category": "E01", "status": "open"})) == [
            c["open_b"].number,
            c["open_a"].number,
        ]
        assert listed(client.get("/map/", {"status": "closed"})) == [c["closed_a"].number]

    def test_it_drops_filters_it_does_not_know(self, client, cases):
        r = client.get("/map/", {"district": "999999", "category": "X99", "status": "lost", "page": "abc"})
        assert r.status_code == 200 and len(listed(r)) == 3

    def test_it_offers_the_streets_of_the_chosen_district(self, client, cases):
        html = client.get("/map/").content.decode()
        assert 'name="street"' not in html and '<option value="120101">District A</option>' in html
        html = client.get("/map/", {"district": "120101"}).content.decode()
        assert '<option value="120101001">Street A</option>' in html and "Street B" not in html

    def test_it_pages_the_list_by_50(self, client, litter, django_assert_max_num_queries):
        for i in range(51):
            report(litter, f"Report {i}")
        first = client.get("/map/")
        assert len(listed(first)) == 50 and "Page 1 of 2" in first.content.decode()
        assert "51 reports" in first.content.decode()
        second = client.get("/map/", {"page": 2})
        assert listed(second) == [Case.objects.order_by("reported_at", "pk").first().number]
        with django_assert_max_num_queries(6):
            client.get("/map/", {"district": "120101", "category": "E01", "status": "open"})


@pytest.mark.django_db
class TestPoints:
    def test_it_answers_geojson_coloured_by_status(self, client, cases):
        fc = points(client)
        assert fc["type"] == "FeatureCollection" and fc["capped"] is False
        by_number = {f["properties"]["label"].split(" · ")[0]: f for f in fc["features"]}
        c = cases
        assert list(by_number) == [c["open_b"].number, c["closed_a"].number, c["open_a"].number]
        a = by_number[c["open_a"].number]
        assert a["geometry"] == {"type": "Point", "coordinates": [POINT_A1["lon"], POINT_A1["lat"]]}
        assert a["properties"] == {
            "label": f"{c['open_a'].number} · Litter · Reported",
            "status": "reported",
            "colour": "red",
            "url": f"/track/?number={c['open_a'].number}",
        }
        assert by_number[c["closed_a"].number]["properties"]["colour"] == "green"
        text = json.dumps(fc, ensure_ascii=False)
        for private in (CONTACT, "rita", "Bin overflowing", "token"):
            assert private not in text

    def test_it_filters_like_the_list(self, client, cases):
        c = cases
        numbers = [f["properties"]["label"].split(" · ")[0] for f in points(client, district="120102")["features"]]
        assert numbers == [c["open_b"].number]
        assert len(points(client, status="closed")["features"]) == 1
        assert len(points(client, category="B01")["features"]) == 1
        one = points(client, number=c["open_a"].number.lower())
        assert len(one["features"]) == 1
        assert points(client, number=c["rejected"].number)["features"] == []

    def test_it_caps_the_points_at_the_most_recent(self, client, litter, monkeypatch, django_assert_max_num_queries):
        monkeypatch.setattr(views, "MAP_POINTS_CAP", 3)
        now = timezone.now()
        made = []
        for i in range(5):
            with time_machine.travel(now - timedelta(hours=5 - i), tick=False):
                made.append(report(litter, f"Report {i}"))
        with django_assert_max_num_queries(3):
            fc = points(client)
        assert fc["capped"] is True
        assert [f["properties"]["label"].split(" · ")[0] for f in fc["features"]] == [
            c.number for c in reversed(made[2:])
        ]
        assert "The map shows the 3 most recent of these reports" in client.get("/map/").content.decode()
