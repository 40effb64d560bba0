import math

import numpy as np
import pytest
import shapely
from django.utils import translation
from shapely.geometry import Polygon, box

from civicgrid.geo import locator
from civicgrid.geo.locator import Location, Locator, OutsideServiceArea
from civicgrid.geo.models import Region

# A tiny city, in the city's coordinate system (x = longitude, y = latitude), 0.01 degree grids:
#
#   39.02 +--------+--------+--------+
#         |   D    |   E    |      / |
#         | 001002 | 002002 | hole/F |   F = 002003, the triangle right of the diagonal
#   39.01 +--------+--------+--------+
#         |   A    |   B    |   C    |
#         | 001003 | 001001 | 002001 |
#   39.00 +--------+--------+--------+
#      117.00   117.01   117.02   117.03
#
# Grid codes are 120101001 + community (001/002) + grid number; A's code is higher than B's so
# that the border rule ("lowest code wins") is not the same as "left/bottom wins".
STREET = "120101001"
A, B, C = STREET + "001003", STREET + "001001", STREET + "002001"
D, E, F = STREET + "001002", STREET + "002002", STREET + "002003"
SHAPES = {
    A: box(117.00, 39.00, 117.01, 39.01),
    B: box(117.01, 39.00, 117.02, 39.01),
    C: box(117.02, 39.00, 117.03, 39.01),
    D: box(117.00, 39.01, 117.01, 39.02),
    E: box(117.01, 39.01, 117.02, 39.02),
    F: Polygon([(117.02, 39.01), (117.03, 39.01), (117.03, 39.02)]),
}


def make_city() -> dict[str, Region]:
    """Create the city above in the database; returns the regions by code."""
    out = {}
    city = Region.objects.create(code="120000", level="city", name_zh="测试市", name_en="Test City")
    district = Region.objects.create(
        code="120101", level="district", parent=city, name_zh="和平区", name_en="Heping District"
    )
    street = Region.objects.create(
        code=STREET, level="street", parent=district, name_zh="劝业场街道", name_en="Quanyechang Subdistrict"
    )
    communities = {}
    for number, (zh, en) in {"001": ("春和社区", "Chunhe"), "002": ("新兴社区", "Xinxing")}.items():
        communities[number] = Region.objects.create(
            code=STREET + number, level="community", parent=street, name_zh=zh, name_en=en
        )
    for code, shape in SHAPES.items():
        grid = Region(
            code=code,
            level="grid",
            parent=communities[code[9:12]],
            name_zh=f"网格{code[-3:]}",
            name_en=f"Grid {code[-3:]}",
        )
        grid.set_shape(shape)
        grid.save()
        out[code] = grid
    out.update({r.code: r for r in (city, district, street, *communities.values())})
    return out


def lowest_covering(geoms, grid_codes, x, y):
    """Reference answer: the lowest code among the grids whose closed polygon covers (x, y)."""
    hits = [code for geom, code in zip(geoms, grid_codes, strict=True) if shapely.intersects_xy(geom, x, y)]
    return min(hits) if hits else None


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English source strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def city(db):
    regions = make_city()
    locator.invalidate()
    return regions


@pytest.fixture
def loc(city):
    return Locator.from_db()


@pytest.mark.django_db
class TestLocate:
    def test_it_finds_the_grid_and_its_ancestors(self, loc):
        assert loc.locate(117.005, 39.005) == Location(A, STREET + "001", STREET, "120101")
        assert loc.locate(117.025, 39.005).grid == C
        assert loc.locate(117.015, 39.015) == Location(E, STREET + "002", STREET, "120101")

    def test_it_locates_inside_a_non_rectangular_grid(self, loc):
        assert loc.locate(117.029, 39.011).grid == F
        with pytest.raises(OutsideServiceArea):
            loc.locate(117.021, 39.019)  # the other half of that square is not a grid

    def test_it_gives_a_shared_border_to_the_lowest_code(self, loc):
        # A | B border: B has the lower code, although A lies left of it.
        assert loc.locate(117.01, 39.005).grid == B
        # A / D border: D (001002) is lower than A (001003).
        assert loc.locate(117.005, 39.01).grid == D
        # B / C border: B.
        assert loc.locate(117.02, 39.003).grid == B
        # C / F border (F's bottom edge).
        assert loc.locate(117.027, 39.01).grid == C
        assert loc.locate_many(np.array([117.01, 117.005, 117.02]), np.array([39.005, 39.01, 39.003])).tolist() == [
            loc.codes.index(B),
            loc.codes.index(D),
            loc.codes.index(B),
        ]

    def test_it_gives_a_shared_corner_to_the_lowest_code(self, loc):
        # A, B, D and E meet at (117.01, 39.01); B has the lowest code.
        assert loc.locate(117.01, 39.01).grid == B
        # B, C, E and F meet at (117.02, 39.01).
        assert loc.locate(117.02, 39.01).grid == B
        assert loc.codes[loc.locate_many([117.01, 117.02], [39.01, 39.01])[0]] == B

    def test_it_answers_the_outer_edge_as_inside(self, loc):
        assert loc.locate(117.00, 39.00).grid == A
        assert loc.locate(117.03, 39.00).grid == C
        assert loc.locate(117.03, 39.02).grid == F

    def test_it_raises_outside_the_city(self, loc):
        for x, y in [(116.0, 39.0), (117.031, 39.005), (117.005, 38.9999), (-117.0, -39.0), (0.0, 0.0)]:
            with pytest.raises(OutsideServiceArea):
                loc.locate(x, y)
        assert loc.locate_many([116.0, 117.031, 117.022], [39.0, 39.005, 39.018]).tolist() == [-1, -1, -1]

    @pytest.mark.parametrize(("x", "y"), [(math.nan, 39.0), (117.0, math.nan), (math.inf, 39.0), (117.0, -math.inf)])
    def test_it_rejects_nan_and_infinity(self, loc, x, y):
        with pytest.raises(ValueError, match="finite"):
            loc.locate(x, y)
        with pytest.raises(ValueError, match="finite"):
            loc.locate_many([117.005, x], [39.005, y])

    def test_it_agrees_between_batch_and_single_points(self, loc):
        rng = np.random.default_rng(20261129)
        xs = rng.uniform(116.995, 117.035, 5000)
        ys = rng.uniform(38.995, 39.025, 5000)
        # Also every point of a lattice through the borders, corners and the diagonal's ends.
        lx, ly = np.meshgrid(
            np.round(np.arange(116.995, 117.0351, 0.0025), 4), np.round(np.arange(38.995, 39.0251, 0.0025), 4)
        )
        xs = np.concatenate([xs, lx.ravel()])
        ys = np.concatenate([ys, ly.ravel()])
        batch = loc.locate_many(xs, ys)
        geoms = [SHAPES[c] for c in loc.codes]
        for x, y, got in zip(xs.tolist(), ys.tolist(), batch.tolist(), strict=True):
            assert loc.locate_index(x, y) == got
            expected = lowest_covering(geoms, loc.codes, x, y)
            assert (loc.codes[got] if got >= 0 else None) == expected, (x, y)

    def test_it_keeps_the_shape_of_the_input(self, loc):
        out = loc.locate_many(np.full((2, 3), 117.005), np.full((2, 3), 39.005))
        assert out.shape == (2, 3)
        assert (out == loc.codes.index(A)).all()

    def test_it_leaves_out_retired_grids(self, city):
        Region.objects.filter(code=C).update(valid_to="2026-01-01")
        loc = Locator.from_db()
        assert C not in loc.codes
        with pytest.raises(OutsideServiceArea):
            loc.locate(117.025, 39.005)
        # B still gets the former B / C border.
        assert loc.locate(117.02, 39.005).grid == B


class TestIndexWithoutDatabase:
    def test_it_matches_brute_force_on_irregular_grids(self):
        rng = np.random.default_rng(7)
        frame = box(0, 0, 10, 6)
        seeds = shapely.multipoints(np.c_[rng.uniform(0, 10, 300), rng.uniform(0, 6, 300)])
        cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)), frame)
        # Leave some holes so that "outside" cells exist inside the bounding box.
        geoms = [g for i, g in enumerate(cells) if i % 17]
        grid_codes = [f"120101001{i // 100 + 1:03d}{i % 100:03d}" for i in rng.permutation(len(geoms))]
        loc = Locator(geoms, grid_codes)
        tree = shapely.STRtree(loc.geometries)

        vertices = shapely.get_coordinates(loc.geometries)
        xs = np.concatenate([rng.uniform(-0.5, 10.5, 20000), vertices[:, 0]])
        ys = np.concatenate([rng.uniform(-0.5, 6.5, 20000), vertices[:, 1]])
        got = loc.locate_many(xs, ys)
        point, grid = tree.query(shapely.points(xs, ys), predicate="intersects")
        expected = np.full(len(xs), -1)
        for p, g in zip(point.tolist(), grid.tolist(), strict=True):
            if expected[p] == -1 or g < expected[p]:
                expected[p] = g  # indexes are in code order, so the lowest index is the lowest code
        assert (got == expected).all()
        assert (got >= 0).sum() > 15000
        singles = [loc.locate_index(x, y) for x, y in zip(xs[:3000].tolist(), ys[:3000].tolist(), strict=True)]
        assert singles == got[:3000].tolist()

    def test_it_answers_outside_when_there_are_no_grids(self):
        loc = Locator([], [])
        with pytest.raises(OutsideServiceArea):
            loc.locate(117.0, 39.0)
        assert loc.locate_many([117.0], [39.0]).tolist() == [-1]


@pytest.mark.django_db
class TestCachedLocator:
    def test_it_rebuilds_after_a_region_is_saved(self, city):
        with pytest.raises(OutsideServiceArea):
            locator.get_locator().locate(117.021, 39.019)
        grid = Region(code=STREET + "002004", level="grid", parent=city[STREET + "002"], name_zh="网格004")
        grid.set_shape(Polygon([(117.02, 39.01), (117.03, 39.02), (117.02, 39.02)]))
        grid.save()
        assert locator.get_locator().locate(117.021, 39.019).grid == STREET + "002004"

        grid.set_shape(box(116.90, 39.00, 116.91, 39.01))
        grid.save()
        assert locator.get_locator().locate(116.905, 39.005).grid == STREET + "002004"
        with pytest.raises(OutsideServiceArea):
            locator.get_locator().locate(117.021, 39.019)

    def test_it_rebuilds_after_a_region_is_deleted(self, city):
        assert locator.get_locator().locate(117.025, 39.005).grid == C
        city[C].delete()
        with pytest.raises(OutsideServiceArea):
            locator.get_locator().locate(117.025, 39.005)

    def test_it_notices_changes_made_without_signals(self, city, monkeypatch):
        """Another process (or a bulk write) changed the table: the fingerprint catches it."""
        first = locator.get_locator()
        assert locator.get_locator() is first  # cached
        grid = Region(code=STREET + "002009", level="grid", parent=city[STREET + "002"], name_zh="网格009")
        grid.set_shape(box(116.99, 39.00, 117.00, 39.01))
        Region.objects.bulk_create([grid])  # no post_save signal
        assert locator.get_locator() is first  # within CHECK_INTERVAL: no database check
        monkeypatch.setattr(locator, "CHECK_INTERVAL", 0.0)
        assert locator.get_locator().locate(116.995, 39.005).grid == STREET + "002009"

    def test_it_describes_a_point_with_names(self, city, settings):
        settings.CITY_CRS = "gcj02"
        found = locator.locate_point(39.005, 117.015, crs="gcj02")
        assert found == {
            "grid": {"code": B, "name_zh": "网格001", "name_en": "Grid 001"},
            "community": {"code": STREET + "001", "name_zh": "春和社区", "name_en": "Chunhe"},
            "street": {"code": STREET, "name_zh": "劝业场街道", "name_en": "Quanyechang Subdistrict"},
            "district": {"code": "120101", "name_zh": "和平区", "name_en": "Heping District"},
        }


class TestToCityCrs:
    def test_it_passes_through_the_same_system(self):
        assert locator.to_city_crs(39.1, 117.2, "gcj02", city_crs="gcj02") == (117.2, 39.1)
        assert locator.to_city_crs(39.1, 117.2, "wgs84", city_crs="wgs84") == (117.2, 39.1)

    def test_it_converts_between_systems(self):
        x, y = locator.to_city_crs(39.915, 116.404, "wgs84", city_crs="gcj02")
        # wandergis/coordtransform test/app.js: wgs84togcj02(116.404, 39.915)
        assert (x, y) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-12)
        back = locator.to_city_crs(y, x, "gcj02", city_crs="wgs84")
        assert back == pytest.approx((116.404, 39.915), abs=1e-9)

    @pytest.mark.parametrize(
        ("lat", "lon", "crs", "match"),
        [
            (39.0, 117.0, "bd09", "Unknown coordinate system"),
            (math.nan, 117.0, "wgs84", "finite"),
            (91.0, 117.0, "wgs84", "Latitude"),
            (39.0, -180.5, "wgs84", "Longitude"),
        ],
    )
    def test_it_rejects_bad_input(self, lat, lon, crs, match):
        with pytest.raises(ValueError, match=match):
            locator.to_city_crs(lat, lon, crs, city_crs="gcj02")
