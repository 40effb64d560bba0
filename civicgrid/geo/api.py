"""Geo endpoints of the JSON API: locating a point in the region tree."""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from civicgrid.geo import boundaries, locator
from civicgrid.lib.api_schemas import Message, ValidationMessage

router = Router(tags=["geo"])


class LocateQuery(Schema):
    lat: float = Field(..., ge=-90, le=90, allow_inf_nan=False, description="Latitude in degrees.")
    lon: float = Field(..., ge=-180, le=180, allow_inf_nan=False, description="Longitude in degrees.")
    crs: Literal["wgs84", "gcj02"] = Field("wgs84", description="Coordinate system of lat/lon.")


class RegionRef(Schema):
    code: str
    name_zh: str
    name_en: str


class LocateOut(Schema):
    grid: RegionRef
    community: RegionRef
    street: RegionRef
    district: RegionRef


@router.get(
    "/locate",
    response={200: LocateOut, 400: Message, 404: Message, 422: ValidationMessage},
    summary="Locate a point",
    description=(
        "The grid, community, street and district holding a point. A point on a border shared "
        "by several grids gets the grid with the lowest code. 404 when no grid covers the point."
    ),
)
def locate(request, q: Query[LocateQuery]):
    try:
        found = locator.locate_point(q.lat, q.lon, q.crs)
    except locator.OutsideServiceArea as exc:
        return Status(404, {"message": str(exc)})
    except ValueError as exc:
        return Status(400, {"message": str(exc)})
    return Status(200, found)


class RegionsQuery(Schema):
    parent: str = Field("", max_length=15, description="Region code whose children to return; empty: the city.")


@router.get(
    "/regions",
    response={200: dict, 404: Message, 422: ValidationMessage},
    summary="Region boundaries",
    description=(
        "The children of a region as a GeoJSON FeatureCollection in the city's coordinate system, "
        "simplified for drawing (districts of the city, streets of a district, and so on). "
        "Regions below district level of the demo city are synthetic (`synthetic: true`)."
    ),
)
def regions(request, q: Query[RegionsQuery]):
    parent = boundaries.parent_for(q.parent)
    if parent is None:
        return Status(404, {"message": _("No such region.")})
    return Status(200, boundaries.children_geojson(parent))
