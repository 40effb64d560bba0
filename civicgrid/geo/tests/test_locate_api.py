import pytest
from django.utils import translation

from civicgrid.geo import gcj02, locator
from civicgrid.geo.tests.test_locator import STREET, A, B, D, make_city

URL = "/api/v1/locate"


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English source strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def city(db, settings):
    settings.CITY_CRS = "gcj02"
    regions = make_city()
    locator.invalidate()
    return regions


@pytest.mark.django_db
class TestLocateApi:
    def test_it_returns_the_four_levels(self, client, city):
        r = client.get(URL, {"lat": 39.005, "lon": 117.005, "crs": "gcj02"})
        assert r.status_code == 200
        assert r.json() == {
            "grid": {"code": A, "name_zh": "网格003", "name_en": "Grid 003"},
            "community": {"code": STREET + "001", "name_zh": "春和社区", "name_en": "Chunhe"},
            "street": {"code": STREET, "name_zh": "劝业场街道", "name_en": "Quanyechang Subdistrict"},
            "district": {"code": "120101", "name_zh": "和平区", "name_en": "Heping District"},
        }

    def test_it_converts_wgs84_by_default(self, client, city):
        # The same numbers read as WGS-84 land about 600 m east in GCJ-02: in grid B, not A.
        r = client.get(URL, {"lat": 39.005, "lon": 117.005})
        assert r.status_code == 200
        assert r.json()["grid"]["code"] == B
        x, _ = locator.to_city_crs(39.005, 117.005, "wgs84")
        assert 117.01 < x < 117.02

    def test_it_accepts_gcj02_input_from_wgs84_positions(self, client, city):
        lat, lon = gcj02.gcj02_to_wgs84(39.015, 117.005)  # the GPS position of a point in D
        assert client.get(URL, {"lat": lat, "lon": lon, "crs": "wgs84"}).json()["grid"]["code"] == D
        assert client.get(URL, {"lat": 39.015, "lon": 117.005, "crs": "gcj02"}).json()["grid"]["code"] == D

    def test_it_answers_a_shared_border_deterministically(self, client, city):
        for _ in range(3):
            r = client.get(URL, {"lat": 39.005, "lon": 117.01, "crs": "gcj02"})
            assert r.json()["grid"]["code"] == B

    def test_it_answers_404_outside_the_service_area(self, client, city):
        r = client.get(URL, {"lat": 31.23, "lon": 121.47}, headers={"accept-language": "en"})
        assert r.status_code == 404
        assert "outside the service area" in r.json()["message"]

    def test_it_answers_404_when_there_are_no_grids(self, client, db):
        locator.invalidate()
        r = client.get(URL, {"lat": 39.005, "lon": 117.005})
        assert r.status_code == 404

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"lat": "nan", "lon": 117.0}, "lat"),
            ({"lat": 39.0, "lon": "inf"}, "lon"),
            ({"lat": 91, "lon": 117.0}, "lat"),
            ({"lat": 39.0, "lon": -181}, "lon"),
            ({"lat": "north", "lon": 117.0}, "lat"),
            ({"lon": 117.0}, "lat"),
            ({"lat": 39.0, "lon": 117.0, "crs": "bd09"}, "crs"),
        ],
    )
    def test_it_rejects_bad_input_with_one_message(self, client, city, params, field):
        r = client.get(URL, params)
        assert r.status_code == 422
        body = r.json()
        assert isinstance(body["message"], str)
        assert field in body["message"]

    def test_it_is_in_the_openapi_document(self, client, db):
        schema = client.get("/api/v1/openapi.json").json()
        assert "/api/v1/locate" in schema["paths"]
