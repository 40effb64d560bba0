"""WGS-84 <-> GCJ-02 coordinate conversion. Plain module: no Django.

GCJ-02 is the obfuscated datum that maps published in China must use. The forward formula
(WGS-84 -> GCJ-02) is the widely published one: Krasovsky ellipsoid constants and the
``transformLat`` / ``transformLon`` polynomials, applied only inside a rough bounding box of
China; points outside it are returned unchanged. The inverse has no closed form and is solved
by fixed-point iteration on the forward formula, to well below 1e-9 degrees.

Every function takes and returns ``(lat, lon)`` in degrees. The ``*_array`` variants accept
numpy arrays (or anything ``numpy.asarray`` accepts) and give the same results element-wise.
"""

import math

import numpy as np

A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid used by the formula
EE = 0.00669342162296594323  # its first eccentricity squared

# The rough bounding box of China used by the published formula.
MIN_LON, MAX_LON = 72.004, 137.8347
MIN_LAT, MAX_LAT = 0.8293, 55.8271

# The inverse stops when the forward image is this close to the target (degrees).
INVERSE_TOLERANCE = 1e-12
INVERSE_MAX_ITERATIONS = 30


def out_of_china(lat: float, lon: float) -> bool:
    """True when the point lies outside the box in which the offset is applied."""
    return not (MIN_LON <= lon <= MAX_LON and MIN_LAT <= lat <= MAX_LAT)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _delta(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 offset (dlat, dlon) in degrees at a WGS-84 point."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = math.sin(rad_lat)
    magic = 1 - EE * magic * magic
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert a WGS-84 point to GCJ-02; points outside China are returned unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _delta(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert a GCJ-02 point back to WGS-84 (the inverse of ``wgs84_to_gcj02``).

    Iterates ``w <- w - (forward(w) - g)``; the offset changes by a few parts in a million per
    degree, so each step gains about five digits and two or three steps reach the tolerance.
    """
    if out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(INVERSE_MAX_ITERATIONS):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        elat, elon = glat - lat, glon - lon
        if abs(elat) < INVERSE_TOLERANCE and abs(elon) < INVERSE_TOLERANCE:
            break
        wlat, wlon = wlat - elat, wlon - elon
    return wlat, wlon


# --- numpy variants --------------------------------------------------------------------------


def out_of_china_array(lat, lon) -> np.ndarray:
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    return ~((lon >= MIN_LON) & (lon <= MAX_LON) & (lat >= MIN_LAT) & (lat <= MAX_LAT))


def _delta_array(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat = dlat + common
    dlat = dlat + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon = dlon + common
    dlon = dlon + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * pi
    magic = np.sin(rad_lat)
    magic = 1 - EE * magic * magic
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (A / sqrt_magic * np.cos(rad_lat) * pi)
    return dlat, dlon


def wgs84_to_gcj02_array(lat, lon) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise ``wgs84_to_gcj02`` on arrays; returns new float64 arrays."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    lat, lon = np.broadcast_arrays(lat, lon)
    inside = ~out_of_china_array(lat, lon)
    dlat, dlon = _delta_array(lat, lon)
    return np.where(inside, lat + dlat, lat), np.where(inside, lon + dlon, lon)


def gcj02_to_wgs84_array(lat, lon) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise ``gcj02_to_wgs84`` on arrays; returns new float64 arrays."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    lat, lon = np.broadcast_arrays(lat, lon)
    inside = ~out_of_china_array(lat, lon)
    wlat, wlon = lat.copy(), lon.copy()
    for _ in range(INVERSE_MAX_ITERATIONS):
        glat, glon = wgs84_to_gcj02_array(wlat, wlon)
        elat = np.where(inside, glat - lat, 0.0)
        elon = np.where(inside, glon - lon, 0.0)
        if not (np.any(np.abs(elat) >= INVERSE_TOLERANCE) or np.any(np.abs(elon) >= INVERSE_TOLERANCE)):
            break
        wlat = wlat - elat
        wlon = wlon - elon
    return wlat, wlon
