from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from peelkit import forces
from tests.helpers import codes, load, load_fails, query, write


def _square(lon: float, lat: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _collection(year: str = "16", name: str | None = "Police_Force_Areas_December_2016_UGC",
                drop: tuple[str, ...] = (), changes: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """43 small squares inside England, one a force; `changes` replaces parts of a force's feature by code."""
    features: list[dict[str, Any]] = []
    for area in forces.forces():
        if area.code in drop:
            continue
        feature: dict[str, Any] = {
            "type": "Feature",
            "properties": {f"PFA{year}CD": area.code, f"PFA{year}NM": area.name, "OBJECTID": len(features) + 1},
            "geometry": _square(-2.0, 52.0),
        }
        for key, value in (changes or {}).get(area.code, {}).items():
            if key in ("code", "name"):
                feature["properties"][f"PFA{year}{'CD' if key == 'code' else 'NM'}"] = value
            else:
                feature[key] = value
        features.append(feature)
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if name:
        collection["name"] = name
    return collection


def _write(tmp_path: Path, document: dict[str, Any], name: str = "pfa.geojson") -> Path:
    return write(tmp_path / name, json.dumps(document))


def test_loads_43_boundaries_with_vintage_from_the_collection_name(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, _write(tmp_path, _collection()))
    assert report.loaded[0].vintage == "2016-12"
    assert report.loaded[0].datasets == ("boundaries",)
    assert query(db, "SELECT count(*) FROM boundaries") == [(43,)]
    geometry, properties = query(db, "SELECT geometry, properties FROM boundaries WHERE area_code = 'E23000034'")[0]
    assert json.loads(str(geometry))["type"] == "Polygon"
    assert json.loads(str(properties))["PFA16NM"] == "City of London"


def test_other_years_field_names_and_vintage_from_the_field_year(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, _write(tmp_path, _collection(year="19", name=None)))
    assert report.loaded[0].vintage == "2019-12"


def test_invalid_json(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "broken.geojson", '{"type": "FeatureCollection", "features": [}')
    assert codes(load_fails(db, path)) == {"bad-json"}


def test_cut_short_json(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    text = json.dumps(_collection())
    path = write(tmp_path / "cut.geojson", text[: len(text) // 2])
    assert codes(load_fails(db, path)) == {"truncated-file"}


def test_not_a_feature_collection(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = _write(tmp_path, {"type": "Feature", "properties": {}, "geometry": None})
    findings = load_fails(db, path)
    assert [(f.code, f.value) for f in findings] == [("bad-json", "Feature")]


def test_wrong_geometry_and_coordinates_outside_great_britain(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    document = _collection(changes={
        "E23000001": {"geometry": {"type": "Point", "coordinates": [-0.1, 51.5]}},
        "E23000002": {"geometry": _square(517516.0, 178392.0)},  # British National Grid metres
        "E23000003": {"geometry": _square(10.0, 52.0)},
    })
    findings = load_fails(db, _write(tmp_path, document))
    assert [(f.code, f.row) for f in findings] == [("bad-geometry", 1), ("bad-geometry", 2), ("bad-geometry", 3)]
    assert "Polygon or MultiPolygon" in (findings[0].expected or "")
    assert "National Grid" in findings[1].message


def test_mismatched_code_and_name_unknown_code_duplicate_and_missing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    document = _collection(drop=("W15000004",), changes={
        "E23000017": {"name": "West Mercia"},
        "E23000016": {"code": "E23000099"},
    })
    document["features"].append(dict(document["features"][0]))
    findings = load_fails(db, _write(tmp_path, document))
    assert codes(findings) == {"code-name-mismatch", "unknown-force", "duplicate-key", "missing-force"}
    unknown = next(f for f in findings if f.code == "unknown-force")
    assert "West Mercia" in (unknown.expected or "")
    missing = next(f for f in findings if f.code == "missing-force")
    # Warwickshire's feature exists (with the wrong name): only the forces without a feature are missing.
    assert "Dyfed-Powys" in missing.message and "Warwickshire" not in missing.message


def test_missing_code_properties(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    document = _collection()
    for feature in document["features"]:
        feature["properties"] = {"name": "x"}
    assert codes(load_fails(db, _write(tmp_path, document))) == {"missing-column"}


@pytest.mark.slow
def test_real_boundaries(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, data_dir / "boundaries" / "police_force_areas_dec2016_ugc.geojson")
    assert report.loaded[0].vintage == "2016-12"
    assert query(db, "SELECT count(*), count(DISTINCT area_code) FROM boundaries") == [(43, 43)]
