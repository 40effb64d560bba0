"""Region boundaries as GeoJSON for the web maps: the children of one region, simplified for
drawing (vector layers; no tile server is needed). Results are cached per region-table
fingerprint, so a page load costs one cheap aggregate query."""

import json

import shapely
from django.core.cache import cache

from civicgrid.geo import codes
from civicgrid.geo.locator import fingerprint
from civicgrid.geo.models import Region

# Simplification tolerance in degrees per level drawn (about 100 m for districts, 5 m for grids).
TOLERANCE = {"district": 0.001, "street": 0.0004, "community": 0.0001, "grid": 0.00005}
CHILD_LEVEL = {"city": "district", "district": "street", "street": "community", "community": "grid"}


def children_geojson(parent: Region) -> dict:
    """A FeatureCollection of ``parent``'s children (code, names, level, synthetic flag)."""
    key = f"geo:children:{parent.code}:{hash(fingerprint())}"
    cached = cache.get(key)
    if cached is None:
        cached = json.dumps(_build(parent), ensure_ascii=False, separators=(",", ":"))
        cache.set(key, cached, 3600)
    return json.loads(cached)


def _build(parent: Region) -> dict:
    level = CHILD_LEVEL.get(parent.level)
    features = []
    if level is None:
        return {"type": "FeatureCollection", "features": features}
    rows = Region.objects.filter(parent=parent, valid_to__isnull=True).order_by("code")
    rows = rows.values_list("code", "name_zh", "name_en", "level", "synthetic", "geometry")
    for code, name_zh, name_en, lvl, synthetic, wkb in rows:
        if wkb is None:
            continue
        geom = shapely.simplify(shapely.from_wkb(bytes(wkb)), TOLERANCE[level], preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-6))),
                "properties": {
                    "code": code,
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "level": lvl,
                    "synthetic": synthetic,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def parent_for(code: str | None) -> Region | None:
    """The region whose children to draw: ``code`` or the city."""
    if not code:
        return Region.objects.filter(level=Region.Level.CITY).first()
    try:
        codes.level_of(code)
    except codes.CodeError:
        return None
    return Region.objects.filter(code=code).first()
