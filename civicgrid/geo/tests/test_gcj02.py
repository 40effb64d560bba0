import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.geo import gcj02

# (wgs_lat, wgs_lon, gcj_lat, gcj_lon) published with the reference implementations:
# - googollee/eviltransform, python/test.py and go/transform_test.go (Shanghai, Shenzhen, Beijing);
# - wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915) -> [116.41024449916938, 39.91640428150164].
PUBLISHED = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    (39.915, 116.404, 39.91640428150164, 116.41024449916938),
]

china_lat = st.floats(min_value=18.0, max_value=53.0)
china_lon = st.floats(min_value=74.0, max_value=135.0)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), PUBLISHED)
def test_it_matches_published_forward_pairs(wlat, wlon, glat, glon):
    lat, lon = gcj02.wgs84_to_gcj02(wlat, wlon)
    assert lat == pytest.approx(glat, abs=1e-9)
    assert lon == pytest.approx(glon, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), PUBLISHED)
def test_it_inverts_published_pairs(wlat, wlon, glat, glon):
    lat, lon = gcj02.gcj02_to_wgs84(glat, glon)
    assert lat == pytest.approx(wlat, abs=1e-8)
    assert lon == pytest.approx(wlon, abs=1e-8)


@given(china_lat, china_lon)
def test_it_round_trips_inside_china(lat, lon):
    glat, glon = gcj02.wgs84_to_gcj02(lat, lon)
    assert (glat, glon) != (lat, lon)
    back_lat, back_lon = gcj02.gcj02_to_wgs84(glat, glon)
    assert abs(back_lat - lat) < 1e-9
    assert abs(back_lon - lon) < 1e-9


def test_it_shifts_by_a_few_hundred_metres():
    lat, lon = gcj02.wgs84_to_gcj02(39.1, 117.2)
    assert 0.0005 < abs(lat - 39.1) < 0.01
    assert 0.0005 < abs(lon - 117.2) < 0.01


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (48.8566, 2.3522),
        (40.7128, -74.0060),
        (-33.8688, 151.2093),
        (1.3521, 103.8198 + 40),
        (56.0, 120.0),
        (0.5, 110.0),
    ],
)
def test_it_passes_points_outside_china_through(lat, lon):
    assert gcj02.out_of_china(lat, lon)
    assert gcj02.wgs84_to_gcj02(lat, lon) == (lat, lon)
    assert gcj02.gcj02_to_wgs84(lat, lon) == (lat, lon)
    glat, glon = gcj02.wgs84_to_gcj02_array([lat], [lon])
    assert (glat[0], glon[0]) == (lat, lon)


def test_it_gives_the_same_results_vectorised():
    rng = np.random.default_rng(42)
    lat = np.concatenate([rng.uniform(0.0, 60.0, 2000), [p[0] for p in PUBLISHED]])
    lon = np.concatenate([rng.uniform(70.0, 140.0, 2000), [p[1] for p in PUBLISHED]])
    glat, glon = gcj02.wgs84_to_gcj02_array(lat, lon)
    wlat, wlon = gcj02.gcj02_to_wgs84_array(glat, glon)
    assert gcj02.out_of_china_array(lat, lon).any()
    assert not gcj02.out_of_china_array(lat, lon).all()
    for i in range(len(lat)):
        s_lat, s_lon = gcj02.wgs84_to_gcj02(float(lat[i]), float(lon[i]))
        assert glat[i] == pytest.approx(s_lat, abs=1e-12)
        assert glon[i] == pytest.approx(s_lon, abs=1e-12)
        i_lat, i_lon = gcj02.gcj02_to_wgs84(float(glat[i]), float(glon[i]))
        assert wlat[i] == pytest.approx(i_lat, abs=1e-10)
        assert wlon[i] == pytest.approx(i_lon, abs=1e-10)
    assert np.abs(wlat - lat).max() < 1e-9
    assert np.abs(wlon - lon).max() < 1e-9


def test_it_keeps_nan_as_nan():
    lat, _ = gcj02.wgs84_to_gcj02_array([math.nan, 39.0], [117.0, 117.0])
    assert math.isnan(lat[0])
    assert not math.isnan(lat[1])
    wlat, _ = gcj02.gcj02_to_wgs84_array([math.nan, 39.0], [117.0, 117.0])
    assert math.isnan(wlat[0])
