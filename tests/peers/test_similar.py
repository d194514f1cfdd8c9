"""The computed similar forces: hand-computed standardisation, distances, areas and known neighbours."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from peelkit.peers import similar
from tests.peers import world


def test_standardise_by_hand() -> None:
    # mean 4, population sd sqrt(((−2)² + 0 + 2²) / 3) = sqrt(8/3)
    assert similar.standardise([2, 4, 6]) == pytest.approx([-2 / math.sqrt(8 / 3), 0, 2 / math.sqrt(8 / 3)])
    assert similar.standardise([5, 5]) == [0.0, 0.0]


def test_nearest_by_hand() -> None:
    vectors = {"A": [0.0, 0.0], "B": [3.0, 4.0], "C": [1.0, 0.0], "D": [0.0, -2.0], "E": [-3.0, 4.0]}
    found = similar.nearest(vectors, k=3)
    assert [(n.code, n.distance) for n in found["A"]] == [("C", 1.0), ("D", 2.0), ("B", 5.0)]  # E ties B at 5
    assert [n.code for n in found["B"]] == ["C", "A", "E"]  # sqrt(20) < 5 < 6


def test_area_of_a_one_degree_cell_matches_the_sphere() -> None:
    # On a sphere of the authalic radius 6,371.007 km: R² Δλ (sin φ2 − sin φ1)
    cell = {"type": "Polygon", "coordinates": [[[0, 50], [1, 50], [1, 51], [0, 51], [0, 50]]]}
    sphere = 6371.007 ** 2 * math.radians(1) * (math.sin(math.radians(51)) - math.sin(math.radians(50)))
    assert similar.geometry_area_km2(cell) == pytest.approx(sphere, rel=0.005)
    holed = {"type": "Polygon", "coordinates": [cell["coordinates"][0],
                                                [[0.25, 50.25], [0.75, 50.25], [0.75, 50.75], [0.25, 50.75],
                                                 [0.25, 50.25]]]}
    assert similar.geometry_area_km2(holed) == pytest.approx(sphere * 0.75, rel=0.01)
    assert similar.geometry_area_km2({"type": "MultiPolygon", "coordinates": [cell["coordinates"]] * 2}) == \
        pytest.approx(2 * similar.geometry_area_km2(cell))


def test_known_neighbours_from_a_warehouse(tmp_path: Path) -> None:
    con = world.build(tmp_path / "w.duckdb")
    found = similar.similar_forces(con, world.AS_AT, world.CRIME_END)
    assert [v.id for v in found.variables] == ["log10_density", "households_per_person", "share_violence",
                                               "share_acquisitive", "share_damage"]
    first = world.place(0)
    assert found.variables[1].values[world.CODES[0]] == pytest.approx(first["households_per_person"])
    assert found.variables[2].values[world.CODES[0]] == pytest.approx(100 / 1000)  # fraud left out
    codes = world.CODES
    # Every variable rises linearly with the force's place, so the nearest are the nearest places; at the end
    # of the line the next seven, in the middle three each side and the lower-coded of the two at distance 4.
    assert [n.code for n in found.neighbours[codes[0]]] == codes[1:8]
    middle = 20
    expected = [codes[19], codes[21], codes[18], codes[22], codes[17], codes[23], codes[16]]
    assert sorted(n.code for n in found.neighbours[codes[middle]]) == sorted(expected)
    distances = [n.distance for n in found.neighbours[codes[middle]]]
    assert distances[0] == pytest.approx(distances[1]) and distances[2] == pytest.approx(2 * distances[0])
    group = found.groups()[codes[0]]
    assert group.version == "computed" and group.source == similar.LABEL and not group.include_self


def test_a_variable_missing_for_one_force_is_left_out_and_said(tmp_path: Path) -> None:
    con = world.build(tmp_path / "w.duckdb")
    con.execute("DELETE FROM facts WHERE dataset = 'households' AND area_code = ?", [world.CODES[5]])
    found = similar.similar_forces(con, world.AS_AT, world.CRIME_END)
    assert "households_per_person" not in [v.id for v in found.variables]
    assert any("households per person: 1 force has no figure" in r for r in found.left_out)
