"""The force areas map: simplification and projection (pure), the geometry read from the warehouse's boundary
import, and the home page's inline SVG (a link and a name per visible force, legend, table fallback)."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from peelkit import forces, warehouse
from peelkit.importer import import_paths
from peelkit.web import maps
from tests.web.conftest import KENT, WARKS, World

# ------------------------------------------------------------------------------------------------ pure


def _distance_to_segment(p: maps.Point, a: maps.Point, b: maps.Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def test_simplify_drops_points_on_a_straight_edge_and_keeps_corners() -> None:
    ring = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0), (10.0, 10.0), (5.0, 10.05), (0.0, 10.0), (0.0, 0.0)]
    assert maps.simplify(ring, 0.5) == [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100)), min_size=3, max_size=60, unique=True),
       st.floats(0.1, 5))
def test_every_dropped_point_lies_within_the_tolerance(points: list[maps.Point], tolerance: float) -> None:
    ring = [*points, points[0]]
    simple = maps.simplify(ring, tolerance)
    assert simple[0] == ring[0] and simple[-1] == ring[-1]
    kept = [ring.index(p) for p in simple[:-1]] + [len(ring) - 1]  # the closing point repeats the first
    assert kept == sorted(kept), "simplification keeps the ring's order"
    # A dropped point lies within the tolerance of the segment that replaced it (Douglas-Peucker's guarantee,
    # up to float rounding).
    for start, end in itertools.pairwise(kept):
        for index in range(start + 1, end):
            assert _distance_to_segment(ring[index], ring[start], ring[end]) <= tolerance + 1e-9


def _square(lon: float, lat: float, size: float = 0.3) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_project_fits_the_width_keeps_proportions_and_marks_tiny_areas() -> None:
    geometry = maps.project([(WARKS, _square(-1.6, 52.2)), (KENT, _square(0.5, 51.2)),
                             ("E23000034", _square(-0.09, 51.51, 0.005))], width=400)
    assert geometry.width == 400 and geometry.height > 0
    by_name = {s.name: s for s in geometry.shapes}
    assert list(by_name) == ["City of London", "Kent", "Warwickshire"]  # alphabetical: a stable document
    assert by_name["City of London"].small and not by_name["Kent"].small
    numbers = [float(n) for s in geometry.shapes for n in re.findall(r"-?\d+\.\d", s.path)]
    assert min(numbers) >= maps.MARGIN - 0.1 and max(numbers) <= 400 - maps.MARGIN + 0.1
    # A square in lon/lat is narrower than tall on the map by cos(latitude): no stretched shapes.
    xs = [float(x) for x in re.findall(r"(-?\d+\.\d),", by_name["Kent"].path)]
    ys = [float(y) for y in re.findall(r",(-?\d+\.\d)", by_name["Kent"].path)]
    ratio = (max(xs) - min(xs)) / (max(ys) - min(ys))
    assert ratio == pytest.approx(math.cos(math.radians(maps.REFERENCE_LATITUDE)), rel=0.02)
    assert by_name["Kent"].path.startswith("M") and by_name["Kent"].path.endswith("Z")


def test_legend_names_every_category_in_words() -> None:
    entries = maps.legend(["lower", "not shown", "higher", "lower"])
    assert [e["category"] for e in entries] == ["higher", "lower", "not shown"]
    assert all(e["label"] and e["fill"].startswith("#") for e in entries)
    assert maps.category("worse", visible=False) == "not shown"
    assert maps.category("", visible=True) == "not compared"


# ------------------------------------------------------------------------------------------ warehouse


def _boundaries_file(folder: Path) -> Path:
    """43 squares on a grid inside Great Britain, one per force (the importer wants all 43)."""
    features = []
    for n, area in enumerate(sorted(forces.forces(), key=lambda a: a.code)):
        lon, lat = -4.5 + (n % 7) * 0.8, 50.6 + (n // 7) * 0.7
        size = 0.004 if area.name == "City of London" else 0.5
        features.append({"type": "Feature", "properties": {"PFA16CD": area.code, "PFA16NM": area.name},
                         "geometry": _square(lon, lat, size)})
    path = folder / "police_force_areas_dec2016.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "name": "Police_Force_Areas_December_2016",
                                "features": features}), encoding="utf-8")
    return path


@pytest.fixture
def with_boundaries(world: World, tmp_path: Path) -> World:
    # The web world's warehouse was written with explicit import ids: move the id sequence past them first.
    con = warehouse.connect(world.warehouse_path)
    try:
        top = int(con.execute("SELECT max(import_id) FROM imports").fetchone()[0])
        con.execute(f"SELECT nextval('import_ids') FROM range({top})").fetchall()
    finally:
        con.close()
    import_paths([_boundaries_file(tmp_path)], db_path=world.warehouse_path)
    return world


def test_geometry_from_the_warehouse(with_boundaries: World) -> None:
    geometry = maps.geometry_from_warehouse(with_boundaries.warehouse_path)
    assert geometry is not None and len(geometry.shapes) == 43
    assert {s.code for s in geometry.shapes} == {a.code for a in forces.forces()}
    assert [s.name for s in geometry.shapes if s.small] == ["City of London"]


def test_no_boundaries_means_no_geometry(world: World) -> None:
    assert maps.geometry_from_warehouse(world.warehouse_path) is None


def _areas(html: str) -> dict[str, str]:
    """Map area title -> the link around it ('' for an area that is not a link)."""
    svg = html[html.index("<svg xmlns"):html.index("</svg>", html.index("<svg xmlns"))]
    found = {}
    for match in re.finditer(r'(<a href="([^"]+)" class="peel-map__area">|<g class="peel-map__area">)\s*'
                             r"<title>([^<]+)</title>", svg):
        found[match.group(3)] = match.group(2) or ""
    return found


def test_home_map_links_every_force_of_a_published_publication(
        with_boundaries: World, client: TestClient, set_state: Callable[..., Any]) -> None:
    set_state("published")
    html = client.get("/?indicator=crimes_per_1000").text
    areas = _areas(html)
    assert len(areas) == 43
    kent = next(title for title in areas if title.startswith("Kent:"))
    assert kent == "Kent: Higher than England and Wales (68)"
    assert areas[kent] == "/publications/peel-effectiveness-2017/forces/kent"
    # Forces with no figure are still links (the force page says why), coloured "not compared".
    assert areas["Dorset: Not compared (no figure or no interval)"].endswith("/forces/dorset")
    assert 'role="group" aria-labelledby="peel-map-title peel-map-desc"' in html
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" class="peel-map__svg"'):]
    assert svg[:svg.index("</svg>")].count("<circle") == 1  # the City of London's marker
    assert "The map&#39;s figures as a table" in html or "The map's figures as a table" in html
    data = client.get("/index.json?indicator=crimes_per_1000").json()["overview"]["map"]
    assert data["has_shapes"] and len(data["forces"]) == 43
    assert {e["category"] for e in data["legend"]} == {"higher", "lower", "not compared"}


def test_map_of_a_draft_for_a_force_user_shows_only_its_own_force(
        with_boundaries: World, client: TestClient, login: Callable[..., TestClient]) -> None:
    login(client, "warks")
    areas = _areas(client.get("/").text)
    linked = {title: href for title, href in areas.items() if href}
    assert list(linked) == ["Warwickshire: Lower than England and Wales (60)"]
    assert all(title.endswith("Not shown to you (not yet published)") for title in areas if title not in linked)
    assert "(68)" not in client.get("/").text  # Kent's figure


def test_the_indicator_form_works_without_scripts(with_boundaries: World, client: TestClient,
                                                  set_state: Callable[..., Any]) -> None:
    set_state("published")
    html = client.get("/?indicator=outcome_charged_pct").text
    assert re.search(r'<form method="get" action="/#map"', html)
    assert re.search(r'<option value="outcome_charged_pct"\s+selected', html)
    assert "Charged or summonsed (outcome 1)</strong>" in html
    # An unknown indicator falls back to the default rather than failing (or echoing the value).
    other = client.get("/?indicator=%3Cscript%3Ealert(7)%3C/script%3E")
    assert other.status_code == 200 and "alert(7)" not in other.text
    assert re.search(r'<option value="crimes_per_1000"\s+selected', other.text)


@pytest.mark.slow
def test_real_boundaries_simplify_to_a_small_map(data_dir: Path, tmp_path: Path) -> None:
    warehouse_path = tmp_path / "warehouse.duckdb"
    import_paths([data_dir / "boundaries"], db_path=warehouse_path)
    geometry = maps.geometry_from_warehouse(warehouse_path)
    assert geometry is not None and len(geometry.shapes) == 43
    assert [s.name for s in geometry.shapes if s.small] == ["City of London"]
    assert geometry.points_out < 0.75 * geometry.points_in  # ultra-generalised already; still fewer points
    assert sum(len(s.path) for s in geometry.shapes) < 80_000  # bytes of path data in every page
    assert geometry.height / geometry.width == pytest.approx(1.19, abs=0.05)  # England and Wales' shape

