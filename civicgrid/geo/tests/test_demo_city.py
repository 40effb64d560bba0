import dataclasses
import hashlib
import time
from collections import Counter
from io import StringIO

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.utils import translation

from civicgrid.geo import codes, demo_city
from civicgrid.geo.importing import DEFAULT_TOLERANCE_M2, ImportProblems, spherical_area_m2
from civicgrid.geo.models import Region

SEED = 20261129


def digest(pairs):
    h = hashlib.sha256()
    for code, wkb in sorted(pairs):
        h.update(code.encode())
        h.update(bytes(wkb))
    return h.hexdigest()


@pytest.mark.django_db
def test_it_builds_the_demo_city():
    started = time.monotonic()
    counts = demo_city.build_demo_regions(SEED)
    elapsed = time.monotonic() - started

    levels = dict(Counter(Region.objects.values_list("level", flat=True)))
    assert counts == levels
    assert levels["city"] == 1 and levels["district"] == 16 and levels["street"] == 299
    assert abs(levels["community"] - 5300) <= 265
    assert levels["grid"] >= 15000
    assert elapsed < 60, f"the demo city took {elapsed:.1f} s"

    rows = list(Region.objects.values_list("code", "level", "parent__code", "synthetic", "geometry", "area_m2"))
    for code, level, parent, synthetic, _wkb, _area in rows:
        assert codes.level_of(code) == level
        assert parent == codes.parent_code(code, "120000")
        assert synthetic == (level in ("street", "community", "grid"))
    assert len({row[0] for row in rows}) == len(rows)
    district = Region.objects.get(code="120116")
    assert (district.name_zh, district.name_en) == ("滨海新区", "Binhai New Area")
    assert Region.objects.get(code="120101001").name_zh == "劝业场街道"
    assert Region.objects.get(code="120101001001").name_zh == "劝业场街道第1社区"
    assert Region.objects.get(code="120114101001").name_zh.endswith("梅厂镇第1村")

    # Every polygon is valid and non-empty, and the stored area matches it.
    geoms = shapely.from_wkb([bytes(row[4]) for row in rows])
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    np.testing.assert_allclose(spherical_area_m2(geoms), [row[5] for row in rows], rtol=1e-9)

    # Children partition their parent: the areas add up (overlaps and gaps are refused on import).
    shape = dict(zip([row[0] for row in rows], geoms, strict=True))
    area = {row[0]: row[5] for row in rows}
    children_area = Counter()
    for code, _level, parent, *_rest in rows:
        if parent:
            children_area[parent] += area[code]
    for parent, total in children_area.items():
        assert total == pytest.approx(area[parent], abs=DEFAULT_TOLERANCE_M2), parent
    assert shape["120101001001"].within(shape["120101001"].buffer(1e-9))

    # Central districts are denser: more communities per street, more grids per community.
    def per_parent(level, central):
        kids = Counter(p for _c, lv, p, *_ in rows if lv == level and (p[:6] in demo_city.CENTRAL_DISTRICTS) == central)
        return sum(kids.values()) / len(kids)

    assert per_parent("community", True) > 1.5 * per_parent("community", False)
    assert per_parent("grid", True) > 1.5 * per_parent("grid", False)

    # Codes number children north to south: the first community of a street lies furthest north.
    first, last = shape["120101001001"], shape[max(c for c in shape if c.startswith("120101001") and len(c) == 12)]
    assert first.centroid.y >= last.centroid.y

    # The same seed gives the same codes and polygons; the database holds exactly what was generated.
    again = demo_city.generate_demo_regions(SEED)
    generated = [(f.code, shapely.to_wkb(f.geometry)) for _level, fs in again.by_level() for f in fs]
    stored = [(row[0], bytes(row[4])) for row in rows if row[1] != "city"]
    assert digest(generated) == digest(stored)

    # Building over a demo city with other regions (another seed) is refused, leaving everything as it was.
    fewer = dataclasses.replace(again, grids=again.grids[:-1])
    with translation.override("en"), pytest.raises(ImportProblems) as info:
        demo_city.write_demo_regions(fewer)
    assert "regions this seed does not generate" in info.value.problems[0]
    assert digest((r[0], r[1]) for r in Region.objects.values_list("code", "geometry")) == digest(
        (row[0], row[4]) for row in rows
    )


def test_it_partitions_a_polygon_deterministically_by_seed():
    parent = shapely.Polygon([(0, 0), (4, 0), (4, 1), (1, 1), (1, 3), (0, 3)])  # an L shape

    cells = demo_city.partition(parent, 7, np.random.default_rng([1, 2]))
    same = demo_city.partition(parent, 7, np.random.default_rng([1, 2]))
    other = demo_city.partition(parent, 7, np.random.default_rng([1, 3]))

    assert len(cells) == 7
    assert [c.wkb for c in cells] == [c.wkb for c in same]
    assert [c.wkb for c in cells] != [c.wkb for c in other]
    assert all(c.is_valid and not c.is_empty and c.geom_type in ("Polygon", "MultiPolygon") for c in cells)
    assert sum(c.area for c in cells) == pytest.approx(parent.area)
    assert shapely.union_all(cells).symmetric_difference(parent).area < 1e-9
    ys = [c.centroid.y for c in cells]
    assert ys == sorted(ys, reverse=True)


def test_it_allocates_whole_shares_of_at_least_one():
    shares = demo_city.allocate(100, np.array([2.0, 1.0, 1.0, 0.001]))
    assert shares.sum() == 100 and shares.min() >= 1
    assert list(shares) == [49, 25, 25, 1]


@pytest.mark.django_db
def test_it_leaves_an_existing_demo_city_alone_if_asked(small_city):
    before = Region.objects.count()
    out = StringIO()
    with translation.override("en"):
        call_command("build_demo_city", "--if-missing", stdout=out)
    assert out.getvalue() == "The demo city exists already; nothing to do.\n"
    assert Region.objects.count() == before
