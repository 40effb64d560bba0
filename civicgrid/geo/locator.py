"""Point location: which grid (and so which community, street and district) holds a point.

The ``Locator`` answers from memory. It is built from every current grid polygon (level
``grid``, ``valid_to`` empty) and indexes them with a uniform cell table over the bounding box
of the city:

* a cell whose closed box lies inside the interior of one grid and touches no grid border
  stores that grid, so a point falling in it is answered by one array lookup;
* a cell that touches no grid at all stores "outside";
* a cell that a grid border passes through is "mixed": it keeps a short list of candidate
  grids and a point falling in it is tested exactly against them (``shapely.intersects_xy``).

The batch path (``locate_many``) does all of this with numpy on whole arrays; the single-point
path (``locate``) does the same steps in plain Python.

Border rule. Grids are closed polygons, so a point on the border shared by two grids (or on a
corner shared by four) is covered by all of them. The locator answers with the grid of the
**lowest code** among the grids whose closed polygon covers the point. The rule is the same on
both paths and does not depend on the cell layout, so every point gets exactly one answer.

Coordinates given to the locator are in the city's coordinate system (``settings.CITY_CRS``),
x = longitude and y = latitude in degrees; ``to_city_crs`` converts input given in WGS-84 or
GCJ-02. ``get_locator()`` returns a process-wide instance that is rebuilt when regions change
(see ``invalidate``).
"""

import math
import threading
import time
from typing import NamedTuple

import numpy as np
import shapely
from django.conf import settings
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from civicgrid.geo import codes, gcj02
from civicgrid.geo.models import Region

CRS_CHOICES = ("wgs84", "gcj02")

# Index layout. The table aims at this many cells per grid (more cells: fewer points need an
# exact test, more memory and build time) and never exceeds MAX_CELLS cells (int32 each).
CELLS_PER_GRID = 256
MAX_CELLS = 1 << 25
MIN_CELLS = 1 << 10
# Borders are rasterised by sampling each edge every SAMPLE_STEP cells and marking every cell
# within SAMPLE_STEP / 2 (plus a margin) of a sample, which marks every cell the edge touches.
SAMPLE_STEP = 0.25
SAMPLE_MARGIN = 1e-6
SAMPLE_CHUNK = 1 << 22

OUTSIDE = -1
_EMPTY = np.iinfo(np.int32).max

# How often get_locator() compares the database fingerprint of the regions (seconds). Saves
# and deletes in this process invalidate at once; this catches changes made by other processes.
CHECK_INTERVAL = 5.0


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sorting beats numpy's hash-based unique for these sizes)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


class OutsideServiceArea(LookupError):
    """No grid covers the point."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("The point is outside the service area: no grid covers it."))


class Location(NamedTuple):
    """Codes of the grid holding a point and of the regions above it."""

    grid: str
    community: str | None
    street: str | None
    district: str | None


def _check_finite(x: float, y: float) -> None:
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(_("Coordinates must be finite numbers (got x=%(x)s, y=%(y)s).") % {"x": x, "y": y})


class Locator:
    """In-memory point-in-grid index. Build it once, query it many times; it is read-only."""

    def __init__(self, geometries, grid_codes, names: dict[str, tuple[str, str]] | None = None, *, cells_per_grid=None):
        """Index ``geometries`` (Shapely polygons or multipolygons) named by ``grid_codes``.

        ``names`` maps region codes (grids and their ancestors) to ``(name_zh, name_en)``.
        Grids without a usable geometry (None or empty) are left out of the index.
        """
        started = time.perf_counter()
        geoms = list(geometries)
        grid_codes = [str(c) for c in grid_codes]
        if len(geoms) != len(grid_codes):
            raise ValueError("geometries and grid_codes differ in length")
        usable = [i for i, g in enumerate(geoms) if g is not None and not shapely.is_empty(g)]
        order = sorted(usable, key=lambda i: grid_codes[i])
        self.codes: list[str] = [grid_codes[i] for i in order]
        self.geometries = np.empty(len(order), dtype=object)
        self.geometries[:] = [geoms[i] for i in order]
        shapely.prepare(self.geometries)
        self.names: dict[str, tuple[str, str]] = dict(names or {})
        self.locations: list[Location] = []
        for code in self.codes:
            up = codes.ancestors(code)
            self.locations.append(Location(code, up.get(codes.COMMUNITY), up.get(codes.STREET), up.get(codes.DISTRICT)))
        self._build_index(CELLS_PER_GRID if cells_per_grid is None else cells_per_grid)
        self.build_seconds = time.perf_counter() - started

    # --- construction ------------------------------------------------------------------------

    @classmethod
    def from_db(cls, **kwargs) -> "Locator":
        """Build from every current grid in the database (one query for the grids' polygons
        and codes, one for the names of the regions above them)."""
        rows = Region.objects.filter(level=Region.Level.GRID, valid_to__isnull=True).values_list(
            "code", "name_zh", "name_en", "geometry"
        )
        grid_codes, geoms, names = [], [], {}
        for code, name_zh, name_en, wkb in rows:
            names[code] = (name_zh, name_en)
            if wkb is None:
                continue
            grid_codes.append(code)
            geoms.append(bytes(wkb))
        upper = Region.objects.filter(valid_to__isnull=True).exclude(level=Region.Level.GRID)
        for code, name_zh, name_en in upper.values_list("code", "name_zh", "name_en"):
            names[code] = (name_zh, name_en)
        return cls(shapely.from_wkb(geoms) if geoms else [], grid_codes, names, **kwargs)

    def _build_index(self, cells_per_grid: int) -> None:
        n = len(self.geometries)
        if n == 0:
            self.origin = (0.0, 0.0)
            self.cell_size = (1.0, 1.0)
            self.shape = (1, 1)
            self.table = np.full(1, OUTSIDE, dtype=np.int32)
            self.cand_start = np.zeros(1, dtype=np.int64)
            self.cand_grid = np.zeros(0, dtype=np.int32)
            self._finish_index()
            return
        bounds = shapely.bounds(self.geometries)
        min_x, min_y = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        max_x, max_y = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        width = max(max_x - min_x, 1e-9)
        height = max(max_y - min_y, 1e-9)
        target = min(MAX_CELLS, max(MIN_CELLS, cells_per_grid * n))
        side = max(math.sqrt(width * height / target), max(width, height) / target)
        # One spare cell on every side, so that border points never fall off the table.
        nx = math.ceil(width / side) + 2
        ny = math.ceil(height / side) + 2
        while nx * ny > MAX_CELLS:
            side *= 1.05
            nx = math.ceil(width / side) + 2
            ny = math.ceil(height / side) + 2
        ox, oy = min_x - side, min_y - side
        self.origin = (ox, oy)
        self.cell_size = (side, side)
        self.shape = (ny, nx)
        inv = 1.0 / side
        ncells = nx * ny

        # 1. Cells touched by a border, with the grids whose border touches them.
        pair_keys = [self._border_pairs(inv, nx, ny)]

        # 2. Cell centres: the lowest-index grid containing each centre.
        owner = np.full(ncells, _EMPTY, dtype=np.int32)
        c0 = np.clip(np.floor((bounds[:, 0] - ox) * inv).astype(np.int64), 0, nx - 1)
        c1 = np.clip(np.floor((bounds[:, 2] - ox) * inv).astype(np.int64), 0, nx - 1)
        r0 = np.clip(np.floor((bounds[:, 1] - oy) * inv).astype(np.int64), 0, ny - 1)
        r1 = np.clip(np.floor((bounds[:, 3] - oy) * inv).astype(np.int64), 0, ny - 1)
        for g in range(n - 1, -1, -1):  # descending, so the lowest index is written last
            cols = np.arange(c0[g], c1[g] + 1)
            rows = np.arange(r0[g], r1[g] + 1)
            cx = ox + (cols + 0.5) * side
            cy = oy + (rows + 0.5) * side
            inside = shapely.intersects_xy(self.geometries[g], cx[None, :], cy[:, None])
            if inside.any():
                ids = (rows[:, None] * nx + cols[None, :])[inside]
                owner[ids] = g

        keys = _unique(np.concatenate(pair_keys))
        mixed_cells = _unique(keys // n)
        # A grid that contains a whole mixed cell has no border in it; its centre test found it.
        cover = owner[mixed_cells]
        has_cover = cover != _EMPTY
        keys = _unique(np.concatenate([keys, mixed_cells[has_cover] * n + cover[has_cover]]))
        cand_cell = keys // n
        self.cand_grid = (keys % n).astype(np.int32)
        # mixed_cells is sorted and equals the distinct values of cand_cell.
        self.cand_start = np.searchsorted(cand_cell, mixed_cells).astype(np.int64)
        self.cand_start = np.append(self.cand_start, len(keys))

        table = np.where(owner == _EMPTY, OUTSIDE, owner).astype(np.int32)
        table[mixed_cells] = -2 - np.arange(len(mixed_cells), dtype=np.int32)
        self.table = table
        self._finish_index()

    def _border_pairs(self, inv: float, nx: int, ny: int) -> np.ndarray:
        """Keys ``cell * n + grid`` for every cell that a border of a grid touches."""
        n = len(self.geometries)
        ox, oy = self.origin
        parts, part_grid = shapely.get_parts(self.geometries, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        u = (coords[:, 0] - ox) * inv
        v = (coords[:, 1] - oy) * inv
        same = coord_ring[1:] == coord_ring[:-1]
        ua, va = u[:-1][same], v[:-1][same]
        du, dv = (u[1:] - u[:-1])[same], (v[1:] - v[:-1])[same]
        seg_grid = part_grid[ring_part[coord_ring[:-1][same]]].astype(np.int64)
        steps = np.maximum(np.ceil(np.maximum(np.abs(du), np.abs(dv)) / SAMPLE_STEP), 1).astype(np.int64)
        reach = SAMPLE_STEP / 2 + SAMPLE_MARGIN
        out = []
        # Process the edges in chunks of about SAMPLE_CHUNK samples to bound memory.
        ends = np.cumsum(steps + 1)
        start = 0
        while start < len(steps):
            stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + SAMPLE_CHUNK, side="right"))
            stop = max(stop, start + 1)
            counts = steps[start:stop] + 1
            seg = np.repeat(np.arange(start, stop), counts)
            k = np.arange(len(seg)) - np.repeat(np.cumsum(counts) - counts, counts)
            t = k / steps[seg]
            su = ua[seg] + t * du[seg]
            sv = va[seg] + t * dv[seg]
            g = seg_grid[seg]
            cols_lo = np.clip(np.floor(su - reach), 0, nx - 1).astype(np.int64)
            cols_hi = np.clip(np.floor(su + reach), 0, nx - 1).astype(np.int64)
            rows_lo = np.clip(np.floor(sv - reach), 0, ny - 1).astype(np.int64)
            rows_hi = np.clip(np.floor(sv + reach), 0, ny - 1).astype(np.int64)
            for rows in (rows_lo, rows_hi):
                for cols in (cols_lo, cols_hi):
                    key = (rows * nx + cols) * n + g
                    # Consecutive samples mostly fall in the same cell: drop repeats cheaply.
                    keep = np.empty(len(key), dtype=bool)
                    keep[0] = True
                    np.not_equal(key[1:], key[:-1], out=keep[1:])
                    out.append(key[keep])
            start = stop
        return _unique(np.concatenate(out)) if out else np.zeros(0, dtype=np.int64)

    def _finish_index(self) -> None:
        self._ox, self._oy = self.origin
        self._inv = 1.0 / self.cell_size[0]
        self._ny, self._nx = self.shape
        self._table_item = self.table.item
        self._start_item = self.cand_start.item

    # --- queries -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def mixed_cells(self) -> int:
        return len(self.cand_start) - 1

    def locate_index(self, x: float, y: float) -> int:
        """Index (into ``codes``) of the grid holding (x, y), or -1 when no grid covers it."""
        x = float(x)
        y = float(y)
        u = (x - self._ox) * self._inv
        v = (y - self._oy) * self._inv
        if not (0.0 <= u < self._nx and 0.0 <= v < self._ny):
            _check_finite(x, y)
            return OUTSIDE
        value = self._table_item(int(v) * self._nx + int(u))
        if value >= OUTSIDE:
            return value
        mixed = -2 - value
        start, stop = self._start_item(mixed), self._start_item(mixed + 1)
        cands = self.cand_grid[start:stop]
        hits = shapely.intersects_xy(self.geometries[cands], x, y)
        first = int(hits.argmax())  # candidates are in code order: the first hit has the lowest code
        return int(cands[first]) if hits[first] else OUTSIDE

    def locate(self, x: float, y: float) -> Location:
        """The grid holding (x, y) and the regions above it; raises ``OutsideServiceArea``."""
        index = self.locate_index(x, y)
        if index < 0:
            raise OutsideServiceArea()
        return self.locations[index]

    def locate_many(self, xs, ys) -> np.ndarray:
        """Grid indexes (into ``codes``) for arrays of points; -1 where no grid covers a point."""
        xs = np.asarray(xs, dtype=np.float64)
        ys = np.asarray(ys, dtype=np.float64)
        if xs.shape != ys.shape:
            raise ValueError(_("x and y arrays must have the same shape."))
        if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
            raise ValueError(_("Coordinates must be finite numbers (the input contains NaN or infinity)."))
        shape = xs.shape
        xs = xs.ravel()
        ys = ys.ravel()
        u = xs - self._ox
        u *= self._inv
        v = ys - self._oy
        v *= self._inv
        inside = (u >= 0.0) & (u < self._nx) & (v >= 0.0) & (v < self._ny)
        np.clip(u, 0, self._nx - 1, out=u)
        np.clip(v, 0, self._ny - 1, out=v)
        cell = v.astype(np.int64)
        cell *= self._nx
        cell += u.astype(np.int64)
        result = self.table[cell]
        result[~inside] = OUTSIDE
        mixed_at = np.flatnonzero(result < OUTSIDE)
        if len(mixed_at):
            mixed = -2 - result[mixed_at].astype(np.int64)
            starts = self.cand_start[mixed]
            counts = self.cand_start[mixed + 1] - starts
            point = np.repeat(np.arange(len(mixed_at)), counts)
            offset = np.arange(len(point)) - np.repeat(np.cumsum(counts) - counts, counts)
            cand = self.cand_grid[np.repeat(starts, counts) + offset]
            at = mixed_at[point]
            hit = shapely.intersects_xy(self.geometries[cand], xs[at], ys[at])
            hit_point, hit_cand = point[hit], cand[hit]
            # Candidates are in code order within each point: keep the first hit of each point.
            first = np.ones(len(hit_point), dtype=bool)
            if len(hit_point) > 1:
                np.not_equal(hit_point[1:], hit_point[:-1], out=first[1:])
            answer = np.full(len(mixed_at), OUTSIDE, dtype=np.int32)
            answer[hit_point[first]] = hit_cand[first]
            result[mixed_at] = answer
        return result.reshape(shape)

    def location(self, index: int) -> Location:
        return self.locations[index]

    def describe(self, location: Location) -> dict[str, dict[str, str]]:
        """The four levels of a location as ``{level: {code, name_zh, name_en}}``."""
        out = {}
        for level in (codes.GRID, codes.COMMUNITY, codes.STREET, codes.DISTRICT):
            code = getattr(location, level)
            name_zh, name_en = self.names.get(code, ("", "")) if code else ("", "")
            out[level] = {"code": code or "", "name_zh": name_zh, "name_en": name_en}
        return out


# --- coordinate input ------------------------------------------------------------------------


def to_city_crs(lat: float, lon: float, crs: str = "wgs84", city_crs: str | None = None) -> tuple[float, float]:
    """Convert a point given as (lat, lon) in ``crs`` to (x, y) in the city's coordinate system.

    Raises ValueError for an unknown coordinate system, non-finite numbers or out-of-range
    latitude/longitude.
    """
    city_crs = city_crs or settings.CITY_CRS
    if crs not in CRS_CHOICES:
        raise ValueError(
            _("Unknown coordinate system %(crs)r: use one of %(choices)s.")
            % {"crs": crs, "choices": ", ".join(CRS_CHOICES)}
        )
    lat = float(lat)
    lon = float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(_("Latitude and longitude must be finite numbers."))
    if not -90.0 <= lat <= 90.0:
        raise ValueError(_("Latitude must be between -90 and 90 (got %(lat)s).") % {"lat": lat})
    if not -180.0 <= lon <= 180.0:
        raise ValueError(_("Longitude must be between -180 and 180 (got %(lon)s).") % {"lon": lon})
    if crs == city_crs:
        return lon, lat
    if crs == "wgs84":  # and the city is in GCJ-02
        lat, lon = gcj02.wgs84_to_gcj02(lat, lon)
    else:
        lat, lon = gcj02.gcj02_to_wgs84(lat, lon)
    return lon, lat


# --- the process-wide instance ---------------------------------------------------------------

_lock = threading.Lock()
_generation = 0
_current: Locator | None = None
_current_generation = -1
_current_fingerprint = None
_checked_at = 0.0


def invalidate() -> None:
    """Mark the cached locator stale; the next ``get_locator()`` rebuilds it.

    Called on every save or delete of a Region (see ``geo/signals.py``); code that writes
    regions in bulk (``bulk_create``, ``update``, raw SQL) must call it itself.
    """
    global _generation
    _generation += 1


def fingerprint() -> tuple:
    """A cheap summary of the region table that changes when regions are added, removed, retired
    or edited; compared every CHECK_INTERVAL seconds to notice changes made by other processes."""
    agg = Region.objects.aggregate(
        count=Count("id"),
        max_id=Max("id"),
        retired=Count("valid_to"),
        last_from=Max("valid_from"),
        last_edit=Max("updated_at"),
    )
    return (agg["count"], agg["max_id"], agg["retired"], agg["last_from"], agg["last_edit"])


def get_locator() -> Locator:
    """The process-wide locator, rebuilt when regions changed."""
    global _current, _current_generation, _current_fingerprint, _checked_at
    now = time.monotonic()
    current = _current
    if current is not None and _current_generation == _generation and now - _checked_at < CHECK_INTERVAL:
        return current
    with _lock:
        generation = _generation
        fp = fingerprint()
        if _current is None or _current_generation != generation or fp != _current_fingerprint:
            _current = Locator.from_db()
            _current_generation = generation
            _current_fingerprint = fp
        _checked_at = time.monotonic()
        return _current


def locate_point(lat: float, lon: float, crs: str = "wgs84") -> dict[str, dict[str, str]]:
    """Locate a point given as (lat, lon) in ``crs``.

    Returns ``{"grid": {...}, "community": {...}, "street": {...}, "district": {...}}``, each
    ``{"code", "name_zh", "name_en"}``. Raises ValueError for bad input and
    ``OutsideServiceArea`` when no grid covers the point.
    """
    x, y = to_city_crs(lat, lon, crs)
    locator = get_locator()
    return locator.describe(locator.locate(x, y))


# Connect the save/delete receivers whenever the cache exists.
from civicgrid.geo import signals  # noqa: E402, F401
