"""The home page's map of the 43 force areas: the boundaries GeoJSON in the warehouse, projected and simplified
once into SVG path data, and the colour key of each force's comparison with England and Wales.

The map is drawn server-side (an inline SVG built by a template from this module's plain data), so it works
without scripts and every force is a link with a text name. Work per request is a dictionary look-up: the
geometry is computed once per boundary import and kept.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peelkit import forces

Point = tuple[float, float]

MAP_WIDTH = 440
MARGIN = 8
# Map pixels: anything narrower than this is drawn with a marker too, or it could neither be seen nor clicked
# (the City of London is about 2 pixels across at this scale).
SMALL_AREA = 6.0
MARKER_RADIUS = 5.0
# Douglas-Peucker tolerance in map pixels: below half a pixel the simplification cannot be seen.
TOLERANCE = 0.5
# Rings smaller than this many square pixels (small islands) are left out; a force always keeps its largest.
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


def _ring_area(ring: Sequence[Point]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))


def _centroid(ring: Sequence[Point]) -> Point:
    area = _ring_area(ring)
    if abs(area) < 1e-12:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6 * area), cy / (6 * area)


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    """Distance from p to the segment a-b (not the infinite line: a ring that doubles back must keep the point
    where it turns)."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def simplify(ring: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker on a closed ring (first point == last), iterative so long rings cannot hit the
    recursion limit. Keeps the first and last points."""
    if len(ring) <= 4:
        return list(ring)
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    # A closed ring's endpoints coincide, so the first split is at the point farthest from the start.
    far = max(range(1, len(ring) - 1), key=lambda i: math.dist(ring[0], ring[i]))
    keep[far] = True
    stack = [(0, far), (far, len(ring) - 1)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        a, b = ring[start], ring[end]
        best, best_distance = -1, tolerance
        for index in range(start + 1, end):
            distance = _segment_distance(ring[index], a, b)
            if distance > best_distance:
                best, best_distance = index, distance
        if best >= 0:
            keep[best] = True
            stack += [(start, best), (best, end)]
    return [p for p, kept in zip(ring, keep, strict=True) if kept]


def _polygons(geometry: dict[str, Any]) -> list[list[list[Point]]]:
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in polygons]


def _path(rings: Iterable[Sequence[Point]]) -> str:
    parts = []
    for ring in rings:
        points = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f"M{coords}Z")
    return "".join(parts)


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

    shapes, points_out = [], 0
    for area, polygons in sorted(projected, key=lambda item: item[0].name):
        rings = [to_pixels(ring) for polygon in polygons for ring in polygon]
        largest = max(rings, key=lambda r: abs(_ring_area(r)))
        kept = []
        for ring in rings:
            simple = simplify(ring, TOLERANCE)
            if ring is largest or (len(simple) >= 4 and abs(_ring_area(simple)) >= MIN_RING_AREA):
                kept.append(simple if len(simple) >= 4 else ring)
        points_out += sum(len(r) for r in kept)
        xs, ys = [p[0] for p in largest], [p[1] for p in largest]
        small = max(max(xs) - min(xs), max(ys) - min(ys)) < SMALL_AREA
        cx, cy = _centroid(largest)
        shapes.append(Shape(area.code, area.name, area.slug, _path(kept), round(cx, 1), round(cy, 1), small))
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
           "simplify"]
