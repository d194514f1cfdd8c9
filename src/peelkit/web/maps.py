"""The home page's map of the 43 force areas: the boundaries GeoJSON in the warehouse, projected and simplified
once into SVG path data (as one coverage, with shapely, so neighbouring forces keep their shared borders), and
the colour key of each force's comparison with England and Wales.

The map is drawn server-side (an inline SVG built by a template from this module's plain data), so it works
without scripts and every force is a link with a text name. Work per request is a dictionary look-up: the
geometry is computed once per boundary import and kept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from peelkit import forces

Point = tuple[float, float]

MAP_WIDTH = 440
MARGIN = 8
# Map pixels: anything narrower than this is drawn with a marker too, or it could neither be seen nor clicked
# (the City of London is about 2 pixels across at this scale).
SMALL_AREA = 6.0
MARKER_RADIUS = 5.0
# Simplification tolerance in map pixels: roughly the square root of the largest triangle's area removed
# (0.64 square pixels: a 2.5-pixel stretch bent by half a pixel), a change the eye cannot see at this size.
# On the real boundaries it keeps about 60% of the points and about 58 KB of path data for all 43 forces.
TOLERANCE = 0.8
# Polygons smaller than this many square pixels (small islands) are left out; a force always keeps its largest.
MIN_RING_AREA = 1.5
# England and Wales lie around latitude 52.5 N: an equirectangular projection scaled by cos(52.5) keeps the
# shapes' proportions within a few per cent over this extent, with no projection library.
REFERENCE_LATITUDE = 52.5

# Comparison with England and Wales -> (fill, legend label). The labels say the same as the colours, so the
# key never depends on colour alone; the table below the map repeats every value.
CATEGORIES: dict[str, tuple[str, str]] = {
    "better": ("#00703c", "Better than England and Wales"),
    "similar": ("#ffdd00", "Similar to England and Wales"),
    "worse": ("#d4351c", "Worse than England and Wales"),
    "higher": ("#003078", "Higher than England and Wales"),
    "lower": ("#5694ca", "Lower than England and Wales"),
    "not compared": ("#ffffff", "Not compared (no figure or no interval)"),
    "not shown": ("#b1b4b6", "Not shown to you (not yet published)"),
}
# Text colour readable on each fill (for the legend swatches and the small-area markers' outline).
DARK_FILLS = frozenset({"#00703c", "#d4351c", "#003078"})


@dataclass(frozen=True)
class Shape:
    """One force area on the map."""

    code: str
    name: str
    slug: str
    path: str  # SVG path data in map pixels
    label_x: float  # a point inside the largest ring (its centroid), for the small-area marker
    label_y: float
    small: bool


@dataclass(frozen=True)
class MapGeometry:
    width: int
    height: int
    shapes: tuple[Shape, ...]
    points_in: int  # positions before simplification (for the record of how much was dropped)
    points_out: int


def _project(lon: float, lat: float) -> Point:
    return lon * math.cos(math.radians(REFERENCE_LATITUDE)), -lat


def _polygons(geometry: dict[str, Any]) -> list[list[list[Point]]]:
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in polygons]


def _path(parts: Iterable[Polygon]) -> str:
    out = []
    for polygon in parts:
        for ring in (polygon.exterior, *polygon.interiors):
            points = list(ring.coords)[:-1]  # SVG's Z closes the ring
            out.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(out)


def simplify_coverage(areas: Sequence[BaseGeometry], tolerance: float = TOLERANCE) -> list[BaseGeometry]:
    """Simplify the force areas together, as one coverage: each border two forces share is simplified once, the
    same way for both, so neighbours still meet with no gap or overlap (simplifying each ring on its own moved
    the two copies of a border apart). Visvalingam-Whyatt via GEOS; `tolerance` is roughly the square root of
    the largest triangle's area removed."""
    return list(shapely.coverage_simplify(np.asarray(areas, dtype=object), tolerance))


def _kept_parts(area: BaseGeometry) -> tuple[list[Polygon], Polygon]:
    """The area's polygons without islands too small to see (the largest is always kept), and the largest."""
    parts = sorted((g for g in getattr(area, "geoms", [area]) if isinstance(g, Polygon) and not g.is_empty),
                   key=lambda g: g.area, reverse=True)
    return [parts[0], *(g for g in parts[1:] if g.area >= MIN_RING_AREA)], parts[0]


def project(features: Iterable[tuple[str, dict[str, Any]]], width: int = MAP_WIDTH) -> MapGeometry:
    """Project (force code, GeoJSON geometry) pairs to an SVG `width` pixels wide, simplified to the pixel."""
    projected: list[tuple[forces.Area, list[list[list[Point]]]]] = []
    for code, geometry in features:
        area = forces.match_force(code)
        polygons = [[[_project(lon, lat) for lon, lat in ring] for ring in polygon] for polygon in _polygons(geometry)]
        projected.append((area, polygons))
    everything = [p for _a, polygons in projected for polygon in polygons for ring in polygon for p in ring]
    if not everything:
        return MapGeometry(width, 0, (), 0, 0)
    min_x, max_x = min(p[0] for p in everything), max(p[0] for p in everything)
    min_y, max_y = min(p[1] for p in everything), max(p[1] for p in everything)
    scale = (width - 2 * MARGIN) / (max_x - min_x)
    height = round((max_y - min_y) * scale + 2 * MARGIN)

    def to_pixels(ring: Sequence[Point]) -> list[Point]:
        return [(MARGIN + (x - min_x) * scale, MARGIN + (y - min_y) * scale) for x, y in ring]

    projected.sort(key=lambda item: item[0].name)  # alphabetical: a stable document
    in_pixels = [MultiPolygon([Polygon(to_pixels(polygon[0]), [to_pixels(r) for r in polygon[1:]])
                               for polygon in polygons]) for _area, polygons in projected]
    shapes, points_out = [], 0
    for area, simple in zip([area for area, _ in projected], simplify_coverage(in_pixels), strict=True):
        kept, largest = _kept_parts(simple)
        points_out += sum(len(r.coords) for g in kept for r in (g.exterior, *g.interiors))
        min_px, min_py, max_px, max_py = largest.bounds
        small = max(max_px - min_px, max_py - min_py) < SMALL_AREA
        centre = Polygon(largest.exterior).centroid
        shapes.append(Shape(area.code, area.name, area.slug, _path(kept), round(centre.x, 1), round(centre.y, 1),
                            small))
    return MapGeometry(width, height, tuple(shapes), len(everything), points_out)


def geometry_from_warehouse(warehouse_path: Path | None) -> MapGeometry | None:
    """The latest boundary import's geometry, or None when no boundaries are loaded (the page then says so)."""
    from peelkit import warehouse

    con = warehouse.connect(warehouse_path, read_only=True)
    try:
        rows = con.execute(
            """SELECT area_code, geometry FROM boundaries
               WHERE import_id = (SELECT max(import_id) FROM boundaries) ORDER BY area_code""").fetchall()
    finally:
        con.close()
    if not rows:
        return None
    return project((str(code), json.loads(str(geometry))) for code, geometry in rows)


def category(comparison: str | None, visible: bool) -> str:
    if not visible:
        return "not shown"
    return comparison if comparison in CATEGORIES else "not compared"


def legend(used: Iterable[str]) -> list[dict[str, Any]]:
    """The key entries the map uses, in a fixed order (plain data for the template and the JSON twin)."""
    present = set(used)
    return [{"category": name, "fill": fill, "label": label, "dark": fill in DARK_FILLS}
            for name, (fill, label) in CATEGORIES.items() if name in present]


__all__ = ["CATEGORIES", "MapGeometry", "Shape", "category", "geometry_from_warehouse", "legend", "project",
           "simplify_coverage"]
