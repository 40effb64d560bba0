"""Draw region polygons as a small inline SVG map (for the admin; no tile server needed)."""

import shapely
from django.utils.html import format_html, format_html_join


def _path(geom, tx) -> str:
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            pts = [tx(x, y) for x, y in ring.coords]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z")
    return " ".join(parts)


def region_map(main, others=(), size=360):
    """SVG of ``main`` (filled) over the outlines of ``others``, scaled to fit ``size`` pixels."""
    if main is None or main.is_empty:
        return "-"
    geoms = [main, *[g for g in others if g is not None]]
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    span = max(maxx - minx, maxy - miny) or 1.0
    scale = (size - 10) / span

    def tx(x, y):
        return 5 + (x - minx) * scale, 5 + (maxy - y) * scale

    outlines = format_html_join(
        "", '<path d="{}" fill="none" stroke="#888" stroke-width="0.6"/>', ((_path(g, tx),) for g in others)
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" '
        'style="background:#f6f8fa;border:1px solid #ddd">'
        '<path d="{}" fill="#2a7ae2" fill-opacity="0.25" stroke="#1c5fb8" stroke-width="1.2"/>{}</svg>',
        size,
        size,
        _path(main, tx),
        outlines,
    )
