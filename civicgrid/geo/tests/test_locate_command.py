from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from civicgrid.geo import locator
from civicgrid.geo.tests.test_locator import STREET, B, C, make_city


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English source strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def city(db, settings):
    settings.CITY_CRS = "gcj02"
    make_city()
    locator.invalidate()


def run(*args, **options) -> list[str]:
    out = StringIO()
    call_command("locate", *args, stdout=out, **options)
    return out.getvalue().splitlines()


@pytest.mark.django_db
class TestLocateCommand:
    def test_it_prints_one_line_per_level(self, city):
        lines = run("39.005", "117.025", crs="gcj02")
        assert len(lines) == 4
        assert lines[0].split()[:2] == ["grid", C]
        assert "网格001" in lines[0]
        assert "Grid 001" in lines[0]
        assert lines[1].split()[:2] == ["community", STREET + "002"]
        assert lines[2].split()[:2] == ["street", STREET]
        assert lines[3].split()[:2] == ["district", "120101"]

    def test_it_reads_wgs84_by_default(self, city):
        # Read as WGS-84, (39.005, 117.005) lies in GCJ-02 grid B.
        assert run("39.005", "117.005")[0].split()[1] == B
        assert run("39.005", "117.005", "--crs", "wgs84")[0].split()[1] == B

    def test_it_fails_outside_the_service_area(self, city):
        with pytest.raises(CommandError, match="outside the service area"):
            run("-33.86", "151.21")

    @pytest.mark.parametrize(("lat", "lon"), [("nan", "117.0"), ("39.0", "east"), ("inf", "117.0"), ("", "117")])
    def test_it_fails_on_bad_numbers(self, city, lat, lon):
        with pytest.raises(CommandError, match="not a finite number"):
            run(lat, lon)

    def test_it_fails_on_out_of_range_and_unknown_crs(self, city):
        with pytest.raises(CommandError, match="Latitude"):
            run("95", "117")
        with pytest.raises(CommandError, match="Unknown coordinate system"):
            run("39.005", "117.005", crs="bd09")
