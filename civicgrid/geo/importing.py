"""Importing a layer of regions: validate the whole layer, then write it in one transaction.

A layer is a GeoJSON FeatureCollection whose features carry, in ``properties``:

- ``code`` (or the feature ``id``): the region code; its length gives the level (``geo/codes.py``);
- ``name_zh`` (or ``name``) and optionally ``name_en``;
- optionally ``parent``: derived from the code when absent; when given it must agree;
- optionally ``level``: when given it must agree with the code;
- optionally ``valid_from`` (ISO date).

A layer may hold several levels; parents must be in the database or in the same file. The city
node (``settings.CITY_CODE``) is created when a layer holds districts and it is missing; its
polygon is always the union of its districts.

Every problem in the layer is reported at once (``ImportProblems``) and nothing is written. The
checks: the FeatureCollection shape; missing, malformed and duplicate codes; names; Polygon or
MultiPolygon geometry with finite coordinates in (longitude, latitude) order; invalid polygons are
repaired with ``shapely.make_valid`` when that keeps nearly the same area; known parents; siblings
must not overlap; children must lie within their parent and cover it (for the city: no holes
between districts). Areas are compared with ``tolerance_m2`` (default 10 m²), converting degree²
to m² on the sphere.

A code that already exists in the database is updated in place (names, polygon, synthetic flag,
``valid_from`` when given): its id, and so every unit or case that refers to it, is kept. The
checks then use the new polygon together with the regions of the database that the file does
not replace (siblings, children). Regions missing from the file are never deleted.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import shapely
import shapely.geometry
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicgrid.geo import codes, locator
from civicgrid.geo.models import Region

DEFAULT_TOLERANCE_M2 = 10.0
# A repair may change a polygon's area by at most this fraction (and the tolerance).
MAX_REPAIR_CHANGE = 0.01
EARTH_RADIUS_M = 6_371_008.8  # mean radius
# Metres per degree of latitude; turns the tolerance into degree² for quick comparisons.
M_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
MAX_GAPS_LISTED = 5
BATCH_SIZE = 500
QUERY_CHUNK = 500
POLYGONAL = ("Polygon", "MultiPolygon")


class ImportProblems(Exception):
    """The layer cannot be imported; ``problems`` lists every reason, each naming its feature."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(ngettext("%(n)d problem; nothing imported", "%(n)d problems; nothing imported", n) % {"n": n})


@dataclasses.dataclass
class LayerFeature:
    """One region to import. ``parent_code`` None means derived from the code."""

    code: str
    name_zh: str
    geometry: shapely.Geometry | None
    name_en: str = ""
    parent_code: str | None = None
    level: str | None = None
    valid_from: datetime.date | None = None


@dataclasses.dataclass
class ImportResult:
    created: dict[str, int] = dataclasses.field(default_factory=dict)
    updated: dict[str, int] = dataclasses.field(default_factory=dict)
    repaired: list[str] = dataclasses.field(default_factory=list)
    city_created: bool = False

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def import_layer(
    collection,
    *,
    city_code: str,
    synthetic: bool = False,
    tolerance_m2: float = DEFAULT_TOLERANCE_M2,
    city_name_zh: str = "",
    city_name_en: str = "",
) -> ImportResult:
    """Validate a parsed GeoJSON FeatureCollection and write it in one transaction.

    Returns the counts created and updated per level. Raises ``ImportProblems`` (nothing
    written) when anything is wrong.
    """
    features, problems, unplaced = parse_collection(collection, city_code=city_code)
    return _import(
        features,
        problems,
        unplaced,
        city_code=city_code,
        synthetic=synthetic,
        tolerance_m2=tolerance_m2,
        city_name_zh=city_name_zh,
        city_name_en=city_name_en,
    )


def import_features(
    features: Iterable[LayerFeature],
    *,
    city_code: str,
    synthetic: bool = False,
    tolerance_m2: float = DEFAULT_TOLERANCE_M2,
    city_name_zh: str = "",
    city_name_en: str = "",
) -> ImportResult:
    """Like ``import_layer`` for features already holding Shapely geometries (same checks)."""
    return _import(
        list(features),
        [],
        set(),
        city_code=city_code,
        synthetic=synthetic,
        tolerance_m2=tolerance_m2,
        city_name_zh=city_name_zh,
        city_name_en=city_name_en,
    )


def spherical_area_m2(geoms) -> np.ndarray:
    """Areas in m² of polygons in longitude/latitude degrees, on the mean-radius sphere.

    Integrates R² cos φ over the polygon, whose edges are straight in longitude/latitude, with
    Green's theorem: each edge contributes -R² Δλ sin φ̄ sinc(Δφ/2). The result is exact for
    such polygons and so additive: the areas of children add up to their parent's.
    """
    geoms = np.asarray(geoms, dtype=object)
    if geoms.size == 0:
        return np.zeros(0)
    parts, part_owner = shapely.get_parts(shapely.orient_polygons(geoms), return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    ring_owner = part_owner[ring_part]
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    lam, phi = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    same_ring = coord_ring[1:] == coord_ring[:-1]
    half = (phi[1:] - phi[:-1]) / 2
    terms = (lam[1:] - lam[:-1]) * np.sin(phi[1:] - half) * np.sinc(half / np.pi)
    owner = ring_owner[coord_ring[1:]][same_ring]
    return np.bincount(owner, weights=-terms[same_ring], minlength=geoms.size) * EARTH_RADIUS_M**2 + 0.0


def _m2_per_deg2(lat: float) -> float:
    return M_PER_DEGREE**2 * max(math.cos(math.radians(lat)), 1e-6)


def _where(geom) -> str:
    point = shapely.point_on_surface(geom)
    return f"{point.x:.5f}, {point.y:.5f}"


def _m2(value: float) -> str:
    return f"{value:,.0f}"


# --- parsing ------------------------------------------------------------------------------------


def parse_collection(collection, *, city_code: str | None = None) -> tuple[list[LayerFeature], list[str], set[str]]:
    """Turn a parsed GeoJSON FeatureCollection into features.

    Returns the features that parsed, the problems found, and the parent codes of features
    that were rejected (their siblings cannot be checked for gaps). ``"*"`` in that set means
    a rejected feature has no usable code.
    """
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        found = collection.get("type") if isinstance(collection, dict) else type(collection).__name__
        return [], [_("the file is not a GeoJSON FeatureCollection (found %(found)s)") % {"found": found}], {"*"}
    raw = collection.get("features")
    if not isinstance(raw, list):
        return [], [_("the FeatureCollection has no list of features")], {"*"}
    if not raw:
        return [], [_("the FeatureCollection has no features")], set()

    features, problems, unplaced = [], [], set()
    for index, item in enumerate(raw, start=1):
        feature, feature_problems = _parse_feature(index, item)
        if feature_problems:
            problems.extend(feature_problems)
            code = feature.code if feature is not None else None
            unplaced.add(_derived_parent(code, city_code) or "*")
        else:
            features.append(feature)
    return features, problems, unplaced


def _derived_parent(code: str | None, city_code: str | None) -> str | None:
    if not code or not city_code:
        return None
    try:
        return codes.parent_code(code, city_code)
    except codes.CodeError:
        return None


def _as_code(value) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _parse_feature(index: int, item) -> tuple[LayerFeature | None, list[str]]:
    label = _("feature #%(n)d") % {"n": index}
    if not isinstance(item, dict) or item.get("type") != "Feature":
        return None, [_("%(label)s: is not a GeoJSON Feature") % {"label": label}]
    props = item.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        return None, [_("%(label)s: properties must be an object") % {"label": label}]

    code = _as_code(props.get("code", item.get("id")))
    if code is None:
        return None, [_("%(label)s: has no code (properties.code or the feature id)") % {"label": label}]
    problems = []
    name_zh = props.get("name_zh") or props.get("name")
    if not isinstance(name_zh, str) or not name_zh.strip():
        problems.append(_("%(code)s: has no name (properties.name_zh or properties.name)") % {"code": code})
        name_zh = ""
    name_en = props.get("name_en") or ""
    if not isinstance(name_en, str):
        problems.append(_("%(code)s: name_en must be text") % {"code": code})
        name_en = ""

    parent = props.get("parent")
    parent_code = _as_code(parent)
    if parent is not None and parent_code is None:
        problems.append(_("%(code)s: parent must be a region code") % {"code": code})

    level = props.get("level")
    if level is not None and not isinstance(level, str):
        problems.append(_("%(code)s: level must be text") % {"code": code})
        level = None

    valid_from = props.get("valid_from")
    if valid_from is not None:
        try:
            valid_from = datetime.date.fromisoformat(str(valid_from))
        except ValueError:
            problems.append(
                _("%(code)s: valid_from %(value)s is not a date (YYYY-MM-DD)") % {"code": code, "value": valid_from}
            )
            valid_from = None

    geometry = None
    raw_geom = item.get("geometry")
    if not isinstance(raw_geom, dict) or "type" not in raw_geom:
        problems.append(_("%(code)s: has no geometry") % {"code": code})
    elif raw_geom["type"] not in POLYGONAL:
        problems.append(
            _("%(code)s: geometry is a %(type)s; expected Polygon or MultiPolygon")
            % {"code": code, "type": raw_geom["type"]}
        )
    else:
        try:
            with np.errstate(invalid="ignore"):  # NaN coordinates are reported below, by code
                geometry = shapely.geometry.shape(raw_geom)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.ShapelyError):
            problems.append(
                _("%(code)s: the %(type)s coordinates are malformed") % {"code": code, "type": raw_geom["type"]}
            )

    feature = LayerFeature(
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        geometry=geometry,
        parent_code=parent_code,
        level=level,
        valid_from=valid_from,
    )
    return feature, problems


# --- validation ---------------------------------------------------------------------------------


@dataclasses.dataclass
class _Node:
    """A region taking part in the checks: a feature of the file or a region of the database."""

    code: str
    level: str
    parent: str | None
    geom: shapely.Geometry | None
    in_file: bool


class _Validator:
    def __init__(self, features, problems, unplaced, *, city_code, tolerance_m2):
        self.features = features
        self.problems = list(problems)
        self.unplaced = set(unplaced)
        self.city_code = city_code
        self.tol = tolerance_m2
        self.rejected: set[str] = set()
        self.repaired: list[str] = []
        self.db: dict[str, dict] = {}
        self.city_geom = None

    def reject(self, feature: LayerFeature, message: str) -> None:
        self.problems.append(message)
        self.rejected.add(feature.code)
        self.unplaced.add(_derived_parent(feature.code, self.city_code) or "*")
        if feature.parent_code:
            self.unplaced.add(feature.parent_code)

    # Checks of each feature alone.

    def check_codes(self) -> None:
        city_prefix = codes.subtree_prefix(self.city_code, codes.CITY)
        seen = defaultdict(int)
        for f in self.features:
            seen[f.code] += 1
        for code, count in seen.items():
            if count > 1:
                self.problems.append(_("%(code)s: appears %(n)d times in the file") % {"code": code, "n": count})
                self.rejected.add(code)
                self.unplaced.add(_derived_parent(code, self.city_code) or "*")
        for f in self.features:
            try:
                level = codes.level_of(f.code)
            except codes.CodeError:
                self.reject(f, _("%(code)s: is not a region code (6, 9, 12 or 15 digits)") % {"code": f.code})
                continue
            if level == codes.CITY:
                self.reject(
                    f, _("%(code)s: is a city code; the city polygon is the union of its districts") % {"code": f.code}
                )
                continue
            derived = codes.parent_code(f.code, self.city_code)
            if f.parent_code is not None and f.parent_code != derived:
                self.reject(
                    f,
                    _("%(code)s: parent %(given)s does not match the code (expected %(expected)s)")
                    % {"code": f.code, "given": f.parent_code, "expected": derived},
                )
                continue
            f.parent_code = derived
            if f.level is not None and f.level != level:
                self.reject(
                    f,
                    _("%(code)s: level %(given)s does not match the code, which is a %(level)s code")
                    % {"code": f.code, "given": f.level, "level": level},
                )
                continue
            f.level = level
            if not f.code.startswith(city_prefix):
                self.reject(
                    f, _("%(code)s: is not inside the city %(city)s") % {"code": f.code, "city": self.city_code}
                )
                continue
            if not f.name_zh:
                self.reject(f, _("%(code)s: has no name (properties.name_zh or properties.name)") % {"code": f.code})
            elif len(f.name_zh) > 100 or len(f.name_en) > 200:
                self.reject(f, _("%(code)s: name is too long") % {"code": f.code})

    def check_geometries(self) -> None:
        feats = [f for f in self.features if f.code not in self.rejected and f.geometry is not None]
        for f in self.features:
            if f.geometry is None and f.code not in self.rejected:
                self.reject(f, _("%(code)s: has no geometry") % {"code": f.code})
        if not feats:
            return
        geoms = np.array([f.geometry for f in feats], dtype=object)
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        n = len(feats)
        finite = np.isfinite(coords).all(axis=1)
        x, y = coords[:, 0], coords[:, 1]
        with np.errstate(invalid="ignore"):
            out_of_range = (np.abs(x) > 180) | (np.abs(y) > 90)
            swapped_ok = (np.abs(y) <= 180) & (np.abs(x) <= 90)
        has_nonfinite = np.bincount(index, weights=~finite, minlength=n) > 0
        has_out = np.bincount(index, weights=out_of_range & finite, minlength=n) > 0
        all_swapped_ok = np.bincount(index, weights=~swapped_ok & finite, minlength=n) == 0
        types = shapely.get_type_id(geoms)
        empty = shapely.is_empty(geoms)

        for i, f in enumerate(feats):
            if types[i] not in (3, 6):
                self.reject(
                    f,
                    _("%(code)s: geometry is a %(type)s; expected Polygon or MultiPolygon")
                    % {"code": f.code, "type": f.geometry.geom_type},
                )
            elif empty[i]:
                self.reject(f, _("%(code)s: polygon is empty") % {"code": f.code})
            elif has_nonfinite[i]:
                self.reject(f, _("%(code)s: has coordinates that are not numbers (NaN or infinity)") % {"code": f.code})
            elif has_out[i] and all_swapped_ok[i]:
                self.reject(
                    f,
                    _(
                        "%(code)s: coordinates are outside longitude/latitude ranges but fit when swapped: "
                        "GeoJSON wants (longitude, latitude)"
                    )
                    % {"code": f.code},
                )
            elif has_out[i]:
                self.reject(f, _("%(code)s: coordinates are outside longitude/latitude ranges") % {"code": f.code})

        feats = [f for f in feats if f.code not in self.rejected]
        if not feats:
            return
        geoms = np.array([f.geometry for f in feats], dtype=object)
        for i in np.flatnonzero(~shapely.is_valid(geoms)):
            self._repair(feats[i])

    def _repair(self, f: LayerFeature) -> None:
        reason = shapely.is_valid_reason(f.geometry)
        before = shapely.area(f.geometry)
        fixed = polygonal(shapely.make_valid(f.geometry))
        after = 0.0 if fixed is None else fixed.area
        bounds = f.geometry.bounds
        tol_deg2 = self.tol / _m2_per_deg2((bounds[1] + bounds[3]) / 2)
        change = abs(after - before)
        if fixed is None or change > max(tol_deg2, MAX_REPAIR_CHANGE * max(before, after)):
            pct = 100.0 * change / max(before, after) if max(before, after) > 0 else 100.0
            self.reject(
                f,
                _("%(code)s: invalid polygon (%(reason)s); repairing it would change its area by %(pct).1f%%")
                % {"code": f.code, "reason": reason, "pct": pct},
            )
            return
        f.geometry = fixed
        self.repaired.append(f.code)

    # Checks against the database and between regions.

    def load_db(self) -> None:
        file_codes = {f.code for f in self.features}
        parents = {f.parent_code for f in self.features if f.parent_code}
        wanted = sorted(file_codes | parents)
        fields = ("id", "code", "level", "parent__code", "geometry")
        for start in range(0, len(wanted), QUERY_CHUNK):
            chunk = wanted[start : start + QUERY_CHUNK]
            for lookup in ({"code__in": chunk}, {"parent__code__in": chunk}):
                for row in Region.objects.filter(**lookup).values_list(*fields):
                    self.db[row[1]] = dict(zip(fields, row, strict=True))

    def check_parents(self, features: list[LayerFeature]) -> None:
        by_code = {f.code: f for f in features}
        for f in features:
            p = f.parent_code
            if p == self.city_code or p in self.db or p in by_code:
                continue
            if p in self.rejected:
                self.rejected.add(f.code)
                self.unplaced.add(p)
                continue
            self.reject(
                f,
                _("%(code)s: parent %(parent)s is neither in the database nor in this file")
                % {"code": f.code, "parent": p},
            )
        # A child whose bounding box misses its parent's but fits once swapped was written (lat, lon).
        for f in features:
            if f.code in self.rejected:
                continue
            parent_geom = self.parent_geom(f.parent_code, by_code)
            if parent_geom is None:
                continue
            minx, miny, maxx, maxy = f.geometry.bounds
            pminx, pminy, pmaxx, pmaxy = parent_geom.bounds
            misses = maxx < pminx or minx > pmaxx or maxy < pminy or miny > pmaxy
            fits_swapped = miny >= pminx and maxy <= pmaxx and minx >= pminy and maxx <= pmaxy
            if misses and fits_swapped:
                self.reject(
                    f,
                    _(
                        "%(code)s: lies outside its parent %(parent)s but fits inside when its coordinates are "
                        "swapped: GeoJSON wants (longitude, latitude)"
                    )
                    % {"code": f.code, "parent": f.parent_code},
                )

    def parent_geom(self, code, by_code):
        if code == self.city_code:
            return None
        if code in by_code:
            return by_code[code].geometry
        row = self.db.get(code)
        if row is None or row["geometry"] is None:
            return None
        if "shape" not in row:
            row["shape"] = shapely.from_wkb(bytes(row["geometry"]))
        return row["shape"]

    def nodes(self, features: list[LayerFeature]) -> list[_Node]:
        file_codes = {f.code for f in self.features}
        relevant = {f.parent_code for f in features} | {f.code for f in features}
        nodes = [_Node(f.code, f.level, f.parent_code, f.geometry, True) for f in features]
        extra = [
            row
            for code, row in self.db.items()
            if code not in file_codes and row["parent__code"] in relevant and row["geometry"] is not None
        ]
        shapes = shapely.from_wkb([bytes(row["geometry"]) for row in extra]) if extra else []
        for row, shape in zip(extra, shapes, strict=True):
            nodes.append(_Node(row["code"], row["level"], row["parent__code"], shape, False))
        return nodes

    def check_relations(self, features: list[LayerFeature]) -> None:
        by_code = {f.code: f for f in features}
        nodes = self.nodes(features)
        if not nodes:
            return
        geoms = np.array([n.geom for n in nodes], dtype=object)
        areas = shapely.area(geoms)
        in_file = np.array([n.in_file for n in nodes])
        parent_of = [n.parent for n in nodes]
        outside = np.zeros(len(nodes))
        overlap_by_parent: dict[str, float] = defaultdict(float)

        # Children within their parent.
        idx = [i for i, n in enumerate(nodes) if self.parent_geom(n.parent, by_code) is not None]
        if idx:
            child = geoms[idx]
            par = np.array([self.parent_geom(nodes[i].parent, by_code) for i in idx], dtype=object)
            shapely.prepare(par)
            covered = shapely.covered_by(child, par)
            loose = np.flatnonzero(~covered)
            if loose.size:
                diffs = shapely.difference(child[loose], par[loose])
                diff_m2 = spherical_area_m2(diffs)
                for k, j in enumerate(loose):
                    i = idx[j]
                    outside[i] = shapely.area(diffs[k])
                    node = nodes[i]
                    if diff_m2[k] > self.tol and (node.in_file or node.parent in by_code):
                        self.problems.append(
                            _("%(code)s: lies outside its parent %(parent)s by about %(area)s m² near %(where)s")
                            % {
                                "code": node.code,
                                "parent": node.parent,
                                "area": _m2(diff_m2[k]),
                                "where": _where(diffs[k]),
                            }
                        )

        # Siblings must not overlap.
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        if left.size:
            same = np.array([parent_of[a] == parent_of[b] for a, b in zip(left, right, strict=True)], dtype=bool)
            left, right = left[same], right[same]
        if left.size:
            inter = shapely.intersection(geoms[left], geoms[right])
            inter_m2 = spherical_area_m2(inter)
            inter_deg2 = shapely.area(inter)
            for k in np.flatnonzero(inter_deg2 > 0):
                a, b = nodes[left[k]], nodes[right[k]]
                if not a.in_file:
                    a, b = b, a
                overlap_by_parent[a.parent] += inter_deg2[k]
                if inter_m2[k] > self.tol and (a.in_file or b.in_file):
                    self.problems.append(
                        _("%(a)s: overlaps its sibling %(b)s by about %(area)s m² near %(where)s")
                        % {"a": a.code, "b": b.code, "area": _m2(inter_m2[k]), "where": _where(inter[k])}
                    )

        # Children cover their parent; for the city, no holes between the districts.
        children: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(nodes):
            children[n.parent].append(i)
        for parent, members in children.items():
            if not in_file[members].any() and parent not in by_code:
                continue
            if parent == self.city_code:
                self.check_city(geoms[members])
                continue
            if parent in self.unplaced or "*" in self.unplaced:
                continue
            pg = self.parent_geom(parent, by_code)
            if pg is None:
                continue
            # Upper bound of the uncovered area: exact geometry only when it could exceed the tolerance.
            bound = pg.area - (areas[members] - outside[members]).sum() + overlap_by_parent[parent]
            bounds = pg.bounds
            if bound * _m2_per_deg2((bounds[1] + bounds[3]) / 2) <= self.tol:
                continue
            self.report_gaps(parent, shapely.difference(pg, shapely.union_all(geoms[members])))

    def check_city(self, districts) -> None:
        union = shapely.union_all(districts)
        self.city_geom = union
        holes = [shapely.Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors]
        if holes and "*" not in self.unplaced and self.city_code not in self.unplaced:
            self.report_gaps(self.city_code, shapely.difference(shapely.union_all(holes), union))

    def report_gaps(self, parent: str, gaps) -> None:
        parts = shapely.get_parts(gaps)
        parts = parts[shapely.get_type_id(parts) == 3] if parts.size else parts
        if not parts.size:
            return
        part_m2 = spherical_area_m2(parts)
        big = np.flatnonzero(part_m2 > self.tol)
        big = big[np.argsort(-part_m2[big], kind="stable")]
        for k in big[:MAX_GAPS_LISTED]:
            self.problems.append(
                _("%(code)s: its children leave a gap of about %(area)s m² near %(where)s")
                % {"code": parent, "area": _m2(part_m2[k]), "where": _where(parts[k])}
            )
        if big.size > MAX_GAPS_LISTED:
            more = big.size - MAX_GAPS_LISTED
            self.problems.append(
                ngettext("%(code)s: and %(n)d more gap", "%(code)s: and %(n)d more gaps", more)
                % {"code": parent, "n": more}
            )


def polygonal(geom):
    """The polygonal part of a geometry (a GeometryCollection keeps its polygons), or None."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in POLYGONAL:
        return geom
    parts = shapely.get_parts(geom)
    parts = shapely.get_parts(parts[np.isin(shapely.get_type_id(parts), (3, 6))])
    if not parts.size:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.geom_type in POLYGONAL and not merged.is_empty else None


# --- writing ------------------------------------------------------------------------------------


def _import(features, problems, unplaced, *, city_code, synthetic, tolerance_m2, city_name_zh, city_name_en):
    try:
        is_city = codes.level_of(city_code) == codes.CITY
    except codes.CodeError:
        is_city = False
    if not is_city:
        raise ImportProblems(
            [_("%(code)s: CITY_CODE is not a city code (6 digits ending in 00)") % {"code": city_code}]
        )
    # The checks fill in parent codes and levels and repair polygons: work on copies.
    features = [dataclasses.replace(f) for f in features]
    v = _Validator(features, problems, unplaced, city_code=city_code, tolerance_m2=tolerance_m2)
    v.check_codes()
    v.check_geometries()
    with transaction.atomic():
        v.load_db()
        placed = [f for f in features if f.code not in v.rejected]
        v.check_parents(placed)
        placed = [f for f in placed if f.code not in v.rejected]
        v.check_relations(placed)
        if v.problems:
            raise ImportProblems(v.problems)
        result = _write(placed, v, synthetic=synthetic, city_name_zh=city_name_zh, city_name_en=city_name_en)
        # bulk writes send no signals: tell the point locator itself, once the data is visible.
        transaction.on_commit(locator.invalidate)
    result.repaired = v.repaired
    return result


def _write(features, v: _Validator, *, synthetic, city_name_zh, city_name_en) -> ImportResult:
    result = ImportResult()
    ids = {code: row["id"] for code, row in v.db.items()}
    if any(f.level == codes.DISTRICT for f in features):
        city = Region.objects.filter(code=v.city_code).first()
        if city is None:
            city = Region(
                code=v.city_code,
                level=codes.CITY,
                name_zh=city_name_zh or v.city_code,
                name_en=city_name_en,
                synthetic=synthetic,
            )
            result.city_created = True
        city.set_shape(v.city_geom, area_m2=float(spherical_area_m2([v.city_geom])[0]))
        city.save()
        ids[city.code] = city.pk

    fields = [
        "parent",
        "name_zh",
        "name_en",
        "geometry",
        "min_x",
        "min_y",
        "max_x",
        "max_y",
        "area_m2",
        "synthetic",
        "updated_at",
    ]
    now = timezone.now()
    for level in codes.LEVELS[1:]:
        layer = [f for f in features if f.level == level]
        if not layer:
            continue
        area = spherical_area_m2([f.geometry for f in layer])
        existing = {}
        known = [f.code for f in layer if f.code in ids]
        for start in range(0, len(known), QUERY_CHUNK):
            existing.update(Region.objects.in_bulk(known[start : start + QUERY_CHUNK], field_name="code"))
        new, changed, dated = [], [], []
        for f, a in zip(layer, area, strict=True):
            region = existing.get(f.code)
            if region is None:
                region = Region(code=f.code, level=level)
                new.append(region)
                if f.valid_from is not None:
                    region.valid_from = f.valid_from
            else:
                (dated if f.valid_from is not None else changed).append(region)
                if f.valid_from is not None:
                    region.valid_from = f.valid_from
            region.parent_id = ids[f.parent_code]
            region.name_zh = f.name_zh
            region.name_en = f.name_en
            region.synthetic = synthetic
            region.updated_at = now  # the prepared UPDATE below bypasses auto_now
            region.set_shape(f.geometry, area_m2=float(a))
        Region.objects.bulk_create(new, batch_size=BATCH_SIZE)
        _update_rows(changed, fields)
        _update_rows(dated, [*fields, "valid_from"])
        if any(r.pk is None for r in new):
            codes_new = [r.code for r in new]
            for start in range(0, len(codes_new), QUERY_CHUNK):
                chunk = codes_new[start : start + QUERY_CHUNK]
                ids.update(Region.objects.filter(code__in=chunk).values_list("code", "id"))
        else:
            ids.update((r.code, r.pk) for r in new)
        result.created[level] = len(new)
        result.updated[level] = len(changed) + len(dated)
    return result


def _update_rows(regions: list[Region], fields: list[str]) -> None:
    """UPDATE each region's ``fields`` by primary key with one prepared statement.

    ``bulk_update`` builds a CASE expression per field and batch, which takes tens of seconds
    for the 16,000 grids of a city; ``executemany`` takes well under one.
    """
    if not regions:
        return
    meta = Region._meta
    columns = [meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(field.column)} = %s" for field in columns)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
    params = [
        [field.get_db_prep_save(getattr(region, field.attname), connection) for field in columns] + [region.pk]
        for region in regions
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])
