"""The force areas map: simplification and projection (pure), the geometry read from the warehouse's boundary
import, and the home page's inline SVG (a link and a name per visible force, legend, table fallback)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from peelkit import forces, warehouse
from peelkit.importer import import_paths
from peelkit.web import maps
from tests.web.conftest import KENT, WARKS, World

# ------------------------------------------------------------------------------------------------ pure


def shapes_of(geometry: maps.MapGeometry) -> dict[str, BaseGeometry]:
    """Each force's area as drawn: the SVG path data read back into polygons."""
    found = {}
    for shape in geometry.shapes:
        rings = [[tuple(map(float, p.split(","))) for p in ring.split()]
                 for ring in re.findall(r"M([^Z]*)Z", shape.path)]
        found[shape.name] = shapely.union_all([Polygon(ring).buffer(0) for ring in rings])
    return found


def gaps(drawn: dict[str, BaseGeometry]) -> list[float]:
    """Areas (square pixels) of the holes in the union of the drawn areas: land no force covers."""
    union = shapely.union_all(list(drawn.values()))
    return sorted(Polygon(ring).area for part in getattr(union, "geoms", [union]) for ring in part.interiors)


def _wiggly_neighbours() -> list[tuple[str, dict[str, Any]]]:
    """Two forces sharing a long border that wiggles by less than a pixel (the case that opened gaps when
    each ring was simplified on its own)."""
    border = [[-1.0, 52.0 + 0.5 * i / 200] for i in range(201)]
    for i, point in enumerate(border):
        point[0] += 0.002 * math.sin(i)
    west = [[-2.0, 52.0], *border, [-2.0, 52.5], [-2.0, 52.0]]
    # The east ring starts half way along the border, as real rings start anywhere: simplifying the two rings
    # apart then splits the border at different points, and the two copies of it part.
    east = [*reversed(border[:101]), [0.0, 52.0], [0.0, 52.5], *reversed(border[100:])]
    return [(WARKS, {"type": "Polygon", "coordinates": [west]}), (KENT, {"type": "Polygon", "coordinates": [east]})]


def test_neighbours_keep_their_shared_border_after_simplification() -> None:
    geometry = maps.project(_wiggly_neighbours(), width=400)
    assert geometry.points_out < 0.5 * geometry.points_in  # the wiggles went
    drawn = shapes_of(geometry)
    warks, kent = drawn["Warwickshire"], drawn["Kent"]
    # No overlap and no gap: the two areas add up to their union and the border is one line both share
    # (up to the 0.1-pixel rounding of the path data).
    assert warks.intersection(kent).area < 0.5
    assert shapely.union_all([warks, kent]).area == pytest.approx(warks.area + kent.area, abs=0.5)
    assert gaps(drawn) == []
    assert warks.boundary.intersection(kent.boundary.buffer(0.1)).length > 0.95 * (geometry.height - 2 * maps.MARGIN)


def test_simplifying_each_area_alone_would_open_gaps() -> None:
    # The control, so the test above can fail: the same two areas simplified one at a time (as the hand-made
    # per-ring Douglas-Peucker did) no longer meet; together, as one coverage, they do.
    areas = [Polygon(shape["coordinates"][0]) for _code, shape in _wiggly_neighbours()]
    apart = [area.simplify(0.003, preserve_topology=True) for area in areas]
    together = maps.simplify_coverage(areas, 0.01)
    assert shapely.union_all(apart).area < sum(a.area for a in apart) - 1e-5  # they overlap somewhere ...
    assert shapely.union_all(apart).convex_hull.difference(shapely.union_all(apart)).area > 1e-5  # ... gap too
    assert len(together[0].exterior.coords) < 20  # the wiggles went
    assert shapely.union_all(together).area == pytest.approx(sum(a.area for a in together), rel=1e-9)
    assert shapely.union_all(together).convex_hull.difference(shapely.union_all(together)).area < 1e-9


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
    assert geometry.points_out < 0.65 * geometry.points_in  # ultra-generalised already; still fewer points
    assert sum(len(s.path) for s in geometry.shapes) < 60_000  # bytes of path data in every page (57.6 KB)
    # Neighbours still share their borders: no land between forces left uncovered (the per-ring simplification
    # left 77 such gaps), no overlap beyond the path data's 0.1-pixel rounding, and two named neighbours meet
    # along their whole border.
    drawn = shapes_of(geometry)
    assert gaps(drawn) == []
    total = sum(area.area for area in drawn.values())
    assert shapely.union_all(list(drawn.values())).area == pytest.approx(total, rel=1e-4)
    warks, mercia = drawn["Warwickshire"], drawn["West Mercia"]
    assert warks.intersection(mercia).area < 0.5
    assert warks.boundary.intersection(mercia.boundary.buffer(0.1)).length > 30  # pixels of shared border
    assert geometry.height / geometry.width == pytest.approx(1.19, abs=0.05)  # England and Wales' shape

