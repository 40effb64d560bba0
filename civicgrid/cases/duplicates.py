"""Possible duplicates at intake: open cases of the same category close to a reported point.

The database narrows the search to a box around the point (the ``case_dup_lookup`` index on
category, status and x does the work; y is checked on the same rows), then the exact
great-circle distance is computed in Python on the few cases in the box.
"""

import math
from dataclasses import dataclass

from civicgrid.cases.models import Case
from civicgrid.cases.workflow import problem

# Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
OPEN_STATUSES = sorted(problem.OPEN)


@dataclass(frozen=True)
class Duplicate:
    case: Case
    distance_m: float


def distance_m(x1: float, y1: float, x2: float, y2: float) -> float:
    """Great-circle (haversine) distance in metres between two lon/lat points in degrees."""
    p1, p2 = math.radians(y1), math.radians(y2)
    dp, dl = p2 - p1, math.radians(x2 - x1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(x: float, y: float, radius_m: float) -> tuple[float, float, float, float]:
    """(x_min, y_min, x_max, y_max) in degrees holding every point within ``radius_m`` of (x, y).

    Longitude degrees shrink with latitude; the box uses the latitude edge nearest a pole so
    that it is never too narrow, and is one part per million wider than the circle so that rounding
    cannot drop a point lying exactly on the radius."""
    dy = radius_m / METRES_PER_DEGREE * 1.000001
    far_lat = min(89.9, abs(y) + dy)
    dx = min(180.0, dy / math.cos(math.radians(far_lat)))
    return x - dx, y - dy, x + dx, y + dy


def find_duplicates(category, x: float, y: float, *, exclude_id: int | None = None, limit: int = 5) -> list[Duplicate]:
    """Open cases of ``category`` within ``category.duplicate_radius_m`` metres of (x, y) (lon,
    lat in the city's coordinate system), nearest first, at most ``limit``. One query."""
    radius = category.duplicate_radius_m
    if radius <= 0 or limit <= 0:
        return []
    x_min, y_min, x_max, y_max = bounding_box(x, y, radius)
    qs = Case.objects.filter(
        category=category,
        status__in=OPEN_STATUSES,
        x__gte=x_min,
        x__lte=x_max,
        y__gte=y_min,
        y__lte=y_max,
    ).order_by()
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    found = []
    for case in qs:
        d = distance_m(x, y, case.x, case.y)
        if d <= radius:
            found.append(Duplicate(case, d))
    found.sort(key=lambda dup: (dup.distance_m, dup.case.pk))
    return found[:limit]
