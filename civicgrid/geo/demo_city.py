"""The demo city's regions: the 16 real districts of Tianjin with synthetic regions inside them.

Districts come from ``data/tianjin-districts.geojson`` (GCJ-02; see ``data/PROVENANCE.md``),
repaired and cleaned into a partition. The 299 real streets and towns (codes and names from
``data/tianjin-streets.csv``) get generated polygons: seeded random points inside the district,
a Voronoi diagram clipped to it and one Lloyd relaxation step. Communities (villages under towns)
are generated inside the streets and grids inside the communities the same way, denser in the
six central districts. Children are numbered north to south, then west to east, by centroid.

Generation is deterministic for a seed: each parent draws from its own random generator seeded
with ``(seed, level, parent code)``. Everything below district level is written with
``synthetic=True``. Writing goes through ``importing.import_features``, so the demo city passes
the same checks as any imported layer.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import shapely
import shapely.geometry
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.geo import codes
from civicgrid.geo.importing import ImportProblems, LayerFeature, import_features, polygonal
from civicgrid.geo.models import Region

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRICTS_FILE = DATA_DIR / "tianjin-districts.geojson"
STREETS_FILE = DATA_DIR / "tianjin-streets.csv"

CITY_CODE = "120000"
CITY_NAME_ZH = "天津市"
CITY_NAME_EN = "Tianjin"
DISTRICT_NAMES_EN = {
    "120101": "Heping District",
    "120102": "Hedong District",
    "120103": "Hexi District",
    "120104": "Nankai District",
    "120105": "Hebei District",
    "120106": "Hongqiao District",
    "120110": "Dongli District",
    "120111": "Xiqing District",
    "120112": "Jinnan District",
    "120113": "Beichen District",
    "120114": "Wuqing District",
    "120115": "Baodi District",
    "120116": "Binhai New Area",
    "120117": "Ninghe District",
    "120118": "Jinghai District",
    "120119": "Jizhou District",
}
CENTRAL_DISTRICTS = frozenset({"120101", "120102", "120103", "120104", "120105", "120106"})

# Real counts of the reference city (DESIGN.md): 5,309 communities and villages, 15,000+ grids.
COMMUNITIES = 5309
GRIDS = 16000
# Central streets hold this many times more communities, and central communities more grids.
CENTRAL_DENSITY = 2.0
# Each parent's share is jittered by up to this fraction.
JITTER = 0.25
LLOYD_STEPS = 1
# Gaps and overlaps between the source district polygons narrower than this (degrees, about
# 500 m) are given to the neighbour with the longest shared border.
DISTRICT_GAP_WIDTH = 0.005
_LEVEL_SALT = {codes.STREET: 1, codes.COMMUNITY: 2, codes.GRID: 3}


@dataclasses.dataclass
class DemoLayers:
    districts: list[LayerFeature]
    streets: list[LayerFeature]
    communities: list[LayerFeature]
    grids: list[LayerFeature]

    def by_level(self) -> list[tuple[str, list[LayerFeature]]]:
        return [
            (codes.DISTRICT, self.districts),
            (codes.STREET, self.streets),
            (codes.COMMUNITY, self.communities),
            (codes.GRID, self.grids),
        ]

    def counts(self) -> dict[str, int]:
        return {codes.CITY: 1, **{level: len(features) for level, features in self.by_level()}}


def _no_progress(iterable, **kwargs):
    return iterable


def build_demo_regions(seed: int, progress=None) -> dict[str, int]:
    """Generate the demo city's regions and write them in one transaction.

    ``progress`` wraps long loops like ``tqdm(iterable, desc=..., total=...)``. Returns the
    number of regions per level. Existing regions with the same codes are updated in place;
    raises ``ImportProblems`` (nothing written) when the database holds generated regions this
    seed does not produce, or when a layer fails the import checks.
    """
    if settings.CITY_CODE != CITY_CODE:
        raise ImportProblems(
            [
                _("the demo city is Tianjin (%(demo)s) but CITY_CODE is %(code)s")
                % {"demo": CITY_CODE, "code": settings.CITY_CODE}
            ]
        )
    progress = progress or _no_progress
    return write_demo_regions(generate_demo_regions(seed, progress=progress), progress=progress)


def write_demo_regions(layers: DemoLayers, progress=None) -> dict[str, int]:
    """Write generated layers in one transaction through the import checks; see ``build_demo_regions``."""
    progress = progress or _no_progress
    generated = {f.code for _level, features in layers.by_level() for f in features}
    with transaction.atomic():
        below = Region.objects.filter(level__in=[codes.STREET, codes.COMMUNITY, codes.GRID])
        stale = set(below.values_list("code", flat=True)) - generated
        if stale:
            raise ImportProblems(
                [
                    _(
                        "%(code)s: the database holds %(n)d regions this seed does not generate (a demo city "
                        "built with another seed?); build the demo city in an empty database"
                    )
                    % {"code": min(stale), "n": len(stale)}
                ]
            )
        for level, features in progress(layers.by_level(), desc=_("writing"), total=4):
            import_features(
                features,
                city_code=CITY_CODE,
                synthetic=level != codes.DISTRICT,
                city_name_zh=CITY_NAME_ZH,
                city_name_en=CITY_NAME_EN,
            )
    return layers.counts()


def generate_demo_regions(seed: int, progress=None) -> DemoLayers:
    """The demo city's regions in memory, without touching the database."""
    progress = progress or _no_progress
    districts = load_districts()
    streets_by_district = load_streets()

    streets = []
    for district in progress(districts, desc=_("streets"), total=len(districts)):
        rows = streets_by_district[district.code]
        cells = partition(district.geometry, len(rows), _rng(seed, codes.STREET, district.code))
        # Streets keep their real codes; the generated cells are handed out in code order.
        for (code, name), cell in zip(rows, cells, strict=True):
            streets.append(LayerFeature(code=code, name_zh=name, name_en=_street_name_en(code, name), geometry=cell))

    central = np.array([s.code[:6] in CENTRAL_DISTRICTS for s in streets])
    per_street = allocate(COMMUNITIES, _weights(central, np.random.default_rng([seed, 0, 1])))
    communities = []
    for street, n in progress(zip(streets, per_street, strict=True), desc=_("communities"), total=len(streets)):
        village = street.name_zh.endswith(("镇", "乡"))
        cells = partition(street.geometry, int(n), _rng(seed, codes.COMMUNITY, street.code))
        for i, cell in enumerate(cells, start=1):
            if village:
                name_zh, name_en = f"{street.name_zh}第{i}村", f"Village {i}, {street.name_en}"
            else:
                name_zh, name_en = f"{street.name_zh}第{i}社区", f"Community {i}, {street.name_en}"
            communities.append(
                LayerFeature(code=f"{street.code}{i:03d}", name_zh=name_zh, name_en=name_en, geometry=cell)
            )

    central = np.array([c.code[:6] in CENTRAL_DISTRICTS for c in communities])
    per_community = allocate(GRIDS, _weights(central, np.random.default_rng([seed, 0, 2])))
    grids = []
    for community, n in progress(zip(communities, per_community, strict=True), desc=_("grids"), total=len(communities)):
        cells = partition(community.geometry, int(n), _rng(seed, codes.GRID, community.code))
        for i, cell in enumerate(cells, start=1):
            grids.append(
                LayerFeature(
                    code=f"{community.code}{i:03d}",
                    name_zh=f"{community.name_zh}第{i}网格",
                    name_en=f"Grid {i}, {community.name_en}",
                    geometry=cell,
                )
            )
    return DemoLayers(districts, streets, communities, grids)


def load_districts() -> list[LayerFeature]:
    """The 16 real districts, repaired and cleaned into a partition (no overlaps, no holes)."""
    with open(DISTRICTS_FILE, encoding="utf-8") as f:
        collection = json.load(f)
    features = sorted(collection["features"], key=lambda item: str(item["id"]))
    geoms = [polygonal(shapely.make_valid(shapely.geometry.shape(item["geometry"]))) for item in features]
    cleaned = shapely.coverage_clean(geoms, gap_width=DISTRICT_GAP_WIDTH)
    return [
        LayerFeature(
            code=str(item["id"]),
            name_zh=item["properties"]["name"],
            name_en=DISTRICT_NAMES_EN[str(item["id"])],
            geometry=polygonal(shapely.make_valid(geom)),
        )
        for item, geom in zip(features, cleaned, strict=True)
    ]


def load_streets() -> dict[str, list[tuple[str, str]]]:
    """(code, name) of the real streets and towns per district code, in code order."""
    out: dict[str, list[tuple[str, str]]] = {}
    with open(STREETS_FILE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["district_code"], []).append((row["street_code"], row["street_name"]))
    return {district: sorted(rows) for district, rows in out.items()}


def _street_name_en(code: str, name: str) -> str:
    if name.endswith("街道"):
        kind = "Subdistrict"
    elif name.endswith("镇"):
        kind = "Town"
    elif name.endswith("乡"):
        kind = "Township"
    else:
        kind = "Area"
    return f"{kind} {code}"


def _rng(seed: int, level: str, parent_code: str) -> np.random.Generator:
    return np.random.default_rng([seed, _LEVEL_SALT[level], int(parent_code)])


def _weights(central: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.where(central, CENTRAL_DENSITY, 1.0) * rng.uniform(1 - JITTER, 1 + JITTER, len(central))


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into whole shares proportional to ``weights``, each at least 1."""
    n = len(weights)
    if total < n:
        raise ValueError(f"cannot give {n} parents at least one child each out of {total}")
    raw = (total - n) * np.asarray(weights, dtype=float) / np.sum(weights)
    shares = np.floor(raw).astype(int)
    remainder = total - n - shares.sum()
    order = np.argsort(-(raw - shares), kind="stable")
    shares[order[:remainder]] += 1
    return shares + 1


def partition(parent, n: int, rng: np.random.Generator, *, lloyd: int = LLOYD_STEPS) -> list:
    """Split ``parent`` into ``n`` polygons covering it, numbered north to south, west to east.

    Random points inside the parent, their Voronoi cells clipped to it, then ``lloyd`` steps
    moving each point to its cell's centroid (or a point inside the cell when the centroid
    falls outside the parent).
    """
    if n == 1:
        return [parent]
    shapely.prepare(parent)
    xs, ys = _random_points(parent, n, rng)
    cells = _clipped_cells(parent, xs, ys)
    for _step in range(lloyd):
        centroids = shapely.centroid(cells)
        xs, ys = shapely.get_x(centroids), shapely.get_y(centroids)
        outside = ~shapely.contains_xy(parent, xs, ys)
        if outside.any():
            inner = shapely.point_on_surface(cells[outside])
            xs[outside], ys[outside] = shapely.get_x(inner), shapely.get_y(inner)
        cells = _clipped_cells(parent, xs, ys)
    centroids = shapely.centroid(cells)
    order = np.lexsort((shapely.get_x(centroids), -shapely.get_y(centroids)))
    return list(cells[order])


def _random_points(poly, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = poly.bounds
    fill = max(poly.area / ((maxx - minx) * (maxy - miny)), 0.01)
    xs, ys, got = [], [], 0
    for _attempt in range(100):
        k = math.ceil((n - got) / fill * 1.5) + 8
        x, y = rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)
        inside = shapely.contains_xy(poly, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
        if got >= n:
            return np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    raise RuntimeError(f"could not place {n} points inside a polygon of area {poly.area}")


def _clipped_cells(parent, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    points = shapely.multipoints(shapely.points(xs, ys))
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=parent, ordered=True))
    if len(cells) != len(xs):
        raise RuntimeError(f"{len(xs)} points gave {len(cells)} Voronoi cells (duplicate points?)")
    clipped = shapely.intersection(cells, parent)
    odd = np.flatnonzero(~np.isin(shapely.get_type_id(clipped), (3, 6)))
    for i in odd:
        clipped[i] = polygonal(clipped[i])
    return clipped
