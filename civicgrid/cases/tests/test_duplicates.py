"""Possible duplicates at intake: same category, open, within the category's radius, nearest first."""

import math

import pytest

from civicgrid.cases import actions as A
from civicgrid.cases.duplicates import bounding_box, distance_m, find_duplicates
from civicgrid.testing import make_category

# A point in grid A1 of the small city (GCJ-02 degrees, the city's CRS) and metres per degree there.
X, Y = 117.205, 39.105
M_PER_DEG_Y = 111_195.08
M_PER_DEG_X = M_PER_DEG_Y * math.cos(math.radians(Y))


def make_leaf(code, radius=250, on_spot=False):
    return make_category(code, radius=radius, on_spot=on_spot, deadlines={"accept": "2wh"})


def report_at(category, east_m=0.0, north_m=0.0):
    case, _ = A.do_report_case(
        acting_user=None,
        category=category,
        lat=Y + north_m / M_PER_DEG_Y,
        lon=X + east_m / M_PER_DEG_X,
        crs="gcj02",
        description="Broken street light",
    )
    return case


@pytest.fixture
def leaf(small_city):
    return make_leaf("E0101")


@pytest.mark.django_db
class TestFindDuplicates:
    def test_it_finds_open_cases_within_the_radius_nearest_first(self, leaf):
        far = report_at(leaf, east_m=240)
        near = report_at(leaf, north_m=-30)
        middle = report_at(leaf, east_m=-100, north_m=100)
        found = find_duplicates(leaf, X, Y)
        assert [d.case for d in found] == [near, middle, far]
        assert [round(d.distance_m) for d in found] == [30, 141, 240]

    def test_it_leaves_out_cases_beyond_the_radius(self, leaf):
        report_at(leaf, east_m=260)
        report_at(leaf, north_m=255)
        report_at(leaf, east_m=180, north_m=180)  # in the box, 255 m away
        inside = report_at(leaf, east_m=170, north_m=170)  # 240 m away
        assert [d.case for d in find_duplicates(leaf, X, Y)] == [inside]

    def test_it_uses_the_category_radius(self, small_city):
        wide = make_leaf("E0102", radius=1000)
        case = report_at(wide, east_m=600)
        assert [d.case for d in find_duplicates(wide, X, Y)] == [case]
        narrow = make_leaf("E0103", radius=0)
        report_at(narrow)
        assert find_duplicates(narrow, X, Y) == []

    def test_it_leaves_out_other_categories(self, leaf):
        report_at(make_leaf("E0102"), east_m=10)
        mine = report_at(leaf, east_m=50)
        assert [d.case for d in find_duplicates(leaf, X, Y)] == [mine]

    def test_it_leaves_out_closed_and_rejected_cases(self, small_city, personas):
        leaf = make_leaf("E0105", on_spot=True)
        rejected = report_at(leaf, east_m=10)
        A.do_reject_case(rejected, acting_user=personas.dan, reason="Duplicate")
        closed = A.do_resolve_case_on_spot(
            acting_user=personas.gwen, category=leaf, lat=Y, lon=X, crs="gcj02", description="Fixed"
        )
        assert closed.status == "closed"
        accepted = report_at(leaf, east_m=20)
        A.do_accept_case(accepted, acting_user=personas.dan)
        assert [d.case for d in find_duplicates(leaf, X, Y)] == [accepted]

    def test_it_excludes_the_case_itself_and_keeps_the_limit(self, leaf):
        cases = [report_at(leaf, east_m=10 * i) for i in range(8)]
        found = find_duplicates(leaf, X, Y, exclude_id=cases[0].pk, limit=3)
        assert [d.case for d in found] == cases[1:4]
        assert len(find_duplicates(leaf, X, Y)) == 5
        assert find_duplicates(leaf, X, Y, limit=0) == []

    def test_it_is_one_query(self, leaf, django_assert_num_queries):
        report_at(leaf, east_m=10)
        with django_assert_num_queries(1):
            assert len(find_duplicates(leaf, X, Y)) == 1


@pytest.mark.parametrize("lat", [0.0, 39.1, -45.0, 70.0])
def test_the_box_holds_every_point_of_the_circle(lat):
    radius = 500.0
    x_min, y_min, x_max, y_max = bounding_box(117.0, lat, radius)
    for i in range(360):
        a = math.radians(i)
        # Walk out along bearing a until just inside the circle, then check the box holds it.
        lo, hi = 0.0, 0.1
        for _ in range(60):
            mid = (lo + hi) / 2
            px, py = 117.0 + mid * math.sin(a), lat + mid * math.cos(a)
            lo, hi = (mid, hi) if distance_m(117.0, lat, px, py) <= radius else (lo, mid)
        px, py = 117.0 + lo * math.sin(a), lat + lo * math.cos(a)
        assert x_min <= px <= x_max and y_min <= py <= y_max


def test_distance_matches_known_values():
    assert distance_m(117.0, 39.0, 117.0, 40.0) == pytest.approx(111_195.08, abs=0.1)
    assert distance_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195.08, abs=0.1)
    assert distance_m(117.2, 39.1, 117.2, 39.1) == 0.0
