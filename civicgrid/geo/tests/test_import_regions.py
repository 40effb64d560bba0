import json
import math
from io import StringIO

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.utils import translation
from shapely.geometry import box, mapping

from civicgrid.geo import locator
from civicgrid.geo.importing import EARTH_RADIUS_M, ImportProblems, import_layer
from civicgrid.geo.models import Region

CITY = "120000"
# Two districts side by side near Tianjin, 0.1 degree squares; the first split into two streets.
D1 = box(117.0, 39.0, 117.1, 39.1)
D2 = box(117.1, 39.0, 117.2, 39.1)
S1 = box(117.0, 39.0, 117.05, 39.1)
S2 = box(117.05, 39.0, 117.1, 39.1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def feature(code, geom, **props):
    geometry = geom if isinstance(geom, dict) else mapping(geom)
    return {"type": "Feature", "properties": {"code": code, "name_zh": f"区域{code}", **props}, "geometry": geometry}


def layer(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def districts():
    return layer(feature("120101", D1, name_en="Heping"), feature("120102", D2))


def snapshot():
    return sorted(Region.objects.values_list("code", "name_zh", "area_m2", "min_x"))


def problems_of(collection, **kwargs):
    before = snapshot()
    with pytest.raises(ImportProblems) as info:
        import_layer(collection, city_code=CITY, **kwargs)
    assert snapshot() == before, "a failed import must write nothing"
    return info.value.problems


@pytest.mark.django_db
class TestImportLayer:
    def test_it_imports_districts_and_creates_the_city(self):
        result = import_layer(districts(), city_code=CITY, city_name_zh="天津市")

        assert result.city_created
        assert result.created == {"district": 2}
        city = Region.objects.get(code=CITY)
        assert (city.level, city.name_zh, city.parent) == ("city", "天津市", None)
        assert city.shape.equals(box(117.0, 39.0, 117.2, 39.1))
        d1 = Region.objects.get(code="120101")
        assert (d1.level, d1.parent, d1.name_en, d1.synthetic) == ("district", city, "Heping", False)
        assert (d1.min_x, d1.min_y, d1.max_x, d1.max_y) == (117.0, 39.0, 117.1, 39.1)
        # A longitude/latitude box on the sphere: R² Δλ (sin φ2 − sin φ1).
        expected = EARTH_RADIUS_M**2 * math.radians(0.1) * (math.sin(math.radians(39.1)) - math.sin(math.radians(39.0)))
        assert d1.area_m2 == pytest.approx(expected, rel=1e-9)
        assert 95e6 < d1.area_m2 < 97e6

    def test_it_imports_streets_under_districts_of_the_database(self):
        import_layer(districts(), city_code=CITY)
        result = import_layer(layer(feature("120101001", S1), feature("120101002", S2)), city_code=CITY, synthetic=True)

        assert result.created == {"street": 2}
        assert not result.city_created
        street = Region.objects.get(code="120101002")
        assert (street.parent.code, street.level, street.synthetic) == ("120101", "street", True)

    def test_it_updates_existing_codes_in_place(self):
        import_layer(districts(), city_code=CITY)
        ids = dict(Region.objects.values_list("code", "id"))
        by_name = {"type": "Feature", "properties": {"code": "120102", "name": "河东区"}, "geometry": mapping(D2)}
        renamed = layer(feature("120101", D1, name_zh="和平区", valid_from="2024-01-01"), by_name)
        result = import_layer(renamed, city_code=CITY)

        assert result.created == {"district": 0}
        assert result.updated == {"district": 2}
        assert dict(Region.objects.values_list("code", "id")) == ids
        d1 = Region.objects.get(code="120101")
        assert (d1.name_zh, str(d1.valid_from)) == ("和平区", "2024-01-01")
        assert Region.objects.get(code="120102").name_zh == "河东区"

    def test_it_makes_the_locator_see_the_new_polygons(self, django_capture_on_commit_callbacks):
        west, east = box(117.0, 39.0, 117.05, 39.1), box(117.05, 39.0, 117.1, 39.1)
        for code in ("120101", "120101001", "120101001001"):
            import_layer(layer(feature(code, D1)), city_code=CITY)
        with django_capture_on_commit_callbacks(execute=True):
            import_layer(layer(feature("120101001001001", west), feature("120101001001002", east)), city_code=CITY)
        assert locator.get_locator().locate(117.02, 39.05).grid == "120101001001001"

        # Same codes, swapped polygons: counts and ids do not change, only the import can tell.
        with django_capture_on_commit_callbacks(execute=True):
            import_layer(layer(feature("120101001001001", east), feature("120101001001002", west)), city_code=CITY)
        assert locator.get_locator().locate(117.02, 39.05).grid == "120101001001002"

    def test_it_repairs_a_slightly_self_intersecting_polygon(self):
        # The last edge crosses the bottom edge just right of the corner: a tiny bow tie.
        ring = [(117.0, 39.0), (117.1, 39.0), (117.1, 39.1), (117.0, 39.1), (117.0002, 38.9999), (117.0, 39.0)]
        bent = {"type": "Polygon", "coordinates": [ring]}
        assert not shapely.geometry.shape(bent).is_valid

        result = import_layer(layer(feature("120101", bent), feature("120102", D2)), city_code=CITY)

        assert result.repaired == ["120101"]
        shape = Region.objects.get(code="120101").shape
        assert shape.is_valid and shape.geom_type in ("Polygon", "MultiPolygon")
        assert shape.area == pytest.approx(D1.area, rel=1e-3)


@pytest.mark.django_db
class TestImportProblems:
    def test_it_refuses_what_is_not_a_feature_collection(self):
        problems = problems_of(feature("120101", D1))
        assert problems == ["the file is not a GeoJSON FeatureCollection (found Feature)"]

    def test_it_refuses_a_geometry_that_is_not_a_polygon(self):
        line = {"type": "LineString", "coordinates": [[117.0, 39.0], [117.1, 39.1]]}
        problems = problems_of(layer(feature("120101", line), feature("120102", D2)))
        assert problems == ["120101: geometry is a LineString; expected Polygon or MultiPolygon"]

    def test_it_refuses_nan_coordinates(self):
        ring = [[117.0, 39.0], [117.1, float("nan")], [117.1, 39.1], [117.0, 39.1], [117.0, 39.0]]
        problems = problems_of(layer(feature("120101", {"type": "Polygon", "coordinates": [ring]})))
        assert problems == ["120101: has coordinates that are not numbers (NaN or infinity)"]

    def test_it_spots_latitude_longitude_order(self):
        swapped = shapely.transform(D1, lambda xy: xy[:, ::-1])
        problems = problems_of(layer(feature("120101", swapped), feature("120102", D2)))
        assert len(problems) == 1
        assert problems[0].startswith("120101: coordinates are outside longitude/latitude ranges but fit when swapped")

    def test_it_spots_swapped_coordinates_by_the_parents_box(self):
        # Where both orders are plausible, the parent's bounding box tells them apart.
        import_layer(layer(feature("120101", box(40.0, 30.0, 41.0, 31.0))), city_code=CITY)
        inside = box(40.0, 30.0, 40.5, 31.0)
        swapped = shapely.transform(inside, lambda xy: xy[:, ::-1])
        problems = problems_of(layer(feature("120101001", swapped), feature("120101002", box(40.5, 30.0, 41.0, 31.0))))
        assert problems[0].startswith("120101001: lies outside its parent 120101 but fits inside when its coordinates")

    def test_it_refuses_an_unknown_parent(self):
        problems = problems_of(layer(feature("120103001", S1)))
        assert problems == ["120103001: parent 120103 is neither in the database nor in this file"]

    def test_it_refuses_a_parent_that_contradicts_the_code(self):
        import_layer(districts(), city_code=CITY)
        problems = problems_of(layer(feature("120101001", S1, parent="120102"), feature("120101002", S2)))
        assert problems == ["120101001: parent 120102 does not match the code (expected 120101)"]

    def test_it_refuses_a_level_that_contradicts_the_code(self):
        problems = problems_of(layer(feature("120101", D1, level="street"), feature("120102", D2)))
        assert problems == ["120101: level street does not match the code, which is a district code"]

    def test_it_refuses_duplicate_and_malformed_codes(self):
        problems = problems_of(layer(feature("120101", D1), feature("120101", D1), feature("12010", D2)))
        assert "120101: appears 2 times in the file" in problems
        assert "12010: is not a region code (6, 9, 12 or 15 digits)" in problems

    def test_it_refuses_features_without_code_or_name(self):
        nameless = {"type": "Feature", "properties": {"code": "120102"}, "geometry": mapping(D2)}
        codeless = {"type": "Feature", "properties": {"name": "无名"}, "geometry": mapping(D1)}
        problems = problems_of(layer(codeless, nameless))
        assert problems == [
            "feature #1: has no code (properties.code or the feature id)",
            "120102: has no name (properties.name_zh or properties.name)",
        ]

    def test_it_refuses_overlapping_siblings(self):
        problems = problems_of(layer(feature("120101", D1), feature("120102", box(117.09, 39.0, 117.2, 39.1))))
        assert len(problems) == 1
        assert problems[0].startswith("120101: overlaps its sibling 120102 by about 9,60")
        assert problems[0].endswith("m² near 117.09500, 39.05000")

    def test_it_refuses_overlaps_with_siblings_in_the_database(self):
        import_layer(districts(), city_code=CITY)
        import_layer(layer(feature("120101001", S1), feature("120101002", S2)), city_code=CITY)
        problems = problems_of(layer(feature("120101002", box(117.04, 39.0, 117.1, 39.1))))
        assert len(problems) == 1
        assert problems[0].startswith("120101002: overlaps its sibling 120101001 by about 9,60")

    def test_it_reports_gaps_with_their_area_and_place(self):
        import_layer(districts(), city_code=CITY)
        problems = problems_of(layer(feature("120101001", S1), feature("120101002", box(117.05, 39.0, 117.1, 39.09))))
        assert len(problems) == 1
        assert problems[0].startswith("120101: its children leave a gap of about 4,79")
        assert problems[0].endswith("m² near 117.07500, 39.09500")

    def test_it_reports_holes_between_districts_as_gaps_of_the_city(self):
        holed = shapely.Polygon(D1.exterior, [box(117.04, 39.04, 117.06, 39.06).exterior])
        problems = problems_of(layer(feature("120101", holed), feature("120102", D2)))
        assert len(problems) == 1
        assert problems[0].startswith("120000: its children leave a gap of about 3,8")

    def test_it_refuses_a_child_outside_its_parent(self):
        import_layer(districts(), city_code=CITY)
        problems = problems_of(layer(feature("120101001", box(117.0, 38.99, 117.05, 39.1)), feature("120101002", S2)))
        assert len(problems) == 1
        assert problems[0].startswith("120101001: lies outside its parent 120101 by about 4,8")

    def test_it_accepts_differences_within_the_tolerance(self):
        import_layer(districts(), city_code=CITY)
        sliver = box(117.05, 39.0, 117.1 - 1e-7, 39.1)  # a gap of about 1 m × 11 km
        with pytest.raises(ImportProblems):
            import_layer(layer(feature("120101001", S1), feature("120101002", sliver)), city_code=CITY)
        result = import_layer(
            layer(feature("120101001", S1), feature("120101002", sliver)), city_code=CITY, tolerance_m2=2000
        )
        assert result.created == {"street": 2}

    def test_it_refuses_a_self_intersection_it_cannot_repair(self):
        bow_tie = {"type": "Polygon", "coordinates": [[[117.0, 39.0], [117.1, 39.1], [117.1, 39.0], [117.0, 39.1]]]}
        problems = problems_of(layer(feature("120101", bow_tie)))
        assert len(problems) == 1
        assert problems[0].startswith("120101: invalid polygon (Self-intersection[117.05 39.05]); repairing it would")

    def test_it_lists_every_problem_at_once(self):
        line = {"type": "LineString", "coordinates": [[117.0, 39.0], [117.1, 39.1]]}
        with pytest.raises(ImportProblems) as info:
            import_layer(
                layer(feature("120101", line), feature("120103001", S1), feature("120102", D2)), city_code=CITY
            )
        assert len(info.value.problems) == 2
        assert str(info.value) == "2 problems; nothing imported"
        assert not Region.objects.exists()


@pytest.mark.django_db
class TestImportRegionsCommand:
    def run(self, path, *args):
        out, err = StringIO(), StringIO()
        call_command("import_regions", str(path), *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_it_imports_a_file(self, tmp_path):
        path = tmp_path / "districts.geojson"
        path.write_text(json.dumps(districts()), encoding="utf-8")
        out, _err = self.run(path, "--synthetic")
        assert "created the city node 120000" in out
        assert "District: 2 created, 0 updated" in out
        assert "imported 2 regions (synthetic)" in out
        assert Region.objects.filter(synthetic=True).count() == 3

    def test_it_lists_problems_and_fails(self, tmp_path):
        path = tmp_path / "districts.geojson"
        path.write_text(json.dumps(layer(feature("120101", D1), feature("120102", D1))), encoding="utf-8")
        with pytest.raises(CommandError, match=r"^1 problem; nothing imported$"):
            self.run(path)
        assert not Region.objects.exists()

    def test_it_explains_malformed_json(self, tmp_path):
        path = tmp_path / "broken.geojson"
        path.write_text('{"type": "FeatureCollection", "features": [}', encoding="utf-8")
        with pytest.raises(CommandError, match=r"broken.geojson is not valid JSON: Expecting value at line 1"):
            self.run(path)
        assert not Region.objects.exists()

    def test_it_explains_a_missing_file(self, tmp_path):
        with pytest.raises(CommandError, match=r"cannot read .*nowhere.geojson: No such file or directory"):
            self.run(tmp_path / "nowhere.geojson")
