"""ONS police force area boundaries (GeoJSON, lon/lat) for maps.

Properties name the code and name fields by boundary year (PFA16CD / PFA16NM for December 2016, PFA19CD for
2019, ...): any `PFAyyCD` / `PFAyyNM` pair is accepted.

Vintage: ONS dates boundary sets by month and year ("December 2016") in the collection name; that month is
the vintage ('2016-12'). Without one, the year of the field names is used with December, the month ONS
conventionally publishes police force area boundaries in ('PFA16' -> '2016-12').
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from peelkit import forces, periods
from peelkit.sources import Sniff, Source, register
from peelkit.warehouse import Stage

CODE_FIELD = re.compile(r"^PFA(\d\d)CD$", re.IGNORECASE)
NAME_FIELD = re.compile(r"^PFA(\d\d)NM$", re.IGNORECASE)
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
# Longitude and latitude bounds of Great Britain with its islands (Scilly to Shetland), with a margin.
LON_RANGE = (-8.7, 2.0)
LAT_RANGE = (49.8, 61.0)
_MONTH_YEAR = re.compile(r"(?<![A-Za-z])([A-Za-z]+)[\s_]+(\d{4})")


def _score(sniff: Sniff) -> float:
    if sniff.container not in ("text", "gzip"):
        return 0.0
    head = sniff.head.decode("utf-8", errors="replace")
    collection = '"FeatureCollection"' in head
    if collection and re.search(r'"PFA\d\dCD"', head, re.IGNORECASE):
        return 1.0
    # A .geojson file that is not what we expect still belongs here, so the reader can say what is wrong.
    if sniff.path.suffix.lower() == ".geojson" or collection:
        return 0.6
    return 0.0


def read(path: Path, stage: Stage) -> None:
    document = _load_json(path, stage)
    if document is None:
        return
    features = document.get("features")
    if document.get("type") != "FeatureCollection" or not isinstance(features, list):
        stage.problem("bad-json", "the file is JSON but not a GeoJSON FeatureCollection",
                      column="type", value=str(document.get("type")), expected="a FeatureCollection with features")
        return
    fields = _fields(features)
    if fields is None:
        stage.problem("missing-column", "no feature has police force area code and name properties",
                      column="PFAyyCD", expected="properties such as PFA16CD and PFA16NM")
        return
    code_field, name_field = fields
    rows: dict[str, list[str]] = {"area_code": [], "name": [], "geometry": [], "properties": []}
    seen: dict[str, int] = {}
    present: set[str] = set()  # forces with a feature, usable or not, so a bad feature is not also "missing"
    for number, feature in enumerate(features, start=1):
        area = _feature_area(stage, feature, number, code_field, name_field)
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        geometry_ok = _check_geometry(stage, geometry, number)
        present.update(_force_code(feature, code_field))
        if area is None or not geometry_ok:
            continue
        if area.code in seen:
            stage.problem("duplicate-key", f"{area.name} appears in features {seen[area.code]} and {number}",
                          row=number, column=code_field, value=area.code)
            continue
        seen[area.code] = number
        rows["area_code"].append(area.code)
        rows["name"].append(area.name)
        rows["geometry"].append(json.dumps(geometry, separators=(",", ":")))
        rows["properties"].append(json.dumps(feature.get("properties"), separators=(",", ":")))
    missing = [f.name for f in forces.forces() if f.code not in present]
    if missing:
        stage.problem("missing-force", f"{len(missing)} of the 43 forces have no boundary: {', '.join(missing)}",
                      expected="all 43 territorial forces")
    if not stage.ok:
        return
    stage.add_rows("boundaries", {**rows})
    stage.vintage = stage.vintage or _vintage(document, code_field)


def _load_json(path: Path, stage: Stage) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        stage.problem("wrong-encoding", "the file cannot be read as UTF-8", expected="UTF-8 GeoJSON")
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()):
            stage.problem("truncated-file", f"the JSON ends part-way ({error.msg}); download the file again",
                          expected="a complete GeoJSON file")
        else:
            stage.problem("bad-json", f"the file is not valid JSON: {error.msg} at line {error.lineno} "
                          f"column {error.colno}", row=error.lineno, expected="a GeoJSON FeatureCollection")
        return None
    if not isinstance(document, dict):
        stage.problem("bad-json", "the file is JSON but not a GeoJSON object",
                      expected="a GeoJSON FeatureCollection")
        return None
    return document


def _fields(features: list[Any]) -> tuple[str, str] | None:
    """The property names holding the force code and name, e.g. ('PFA16CD', 'PFA16NM')."""
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        code = next((k for k in properties if CODE_FIELD.match(k)), None)
        name = next((k for k in properties if NAME_FIELD.match(k)), None)
        if code and name:
            return code, name
    return None


def _force_code(feature: Any, code_field: str) -> list[str]:
    """The feature's force code if it is one, even when the feature is unusable otherwise."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    area = forces.find(str(properties.get(code_field) or "")) if isinstance(properties, dict) else None
    return [area.code] if area is not None and area.kind == "force" else []


def _feature_area(stage: Stage, feature: Any, number: int, code_field: str, name_field: str) -> forces.Area | None:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(properties, dict):
        stage.problem("blank-value", f"feature {number} has no properties", row=number, column=code_field)
        return None
    code = str(properties.get(code_field) or "").strip()
    name = str(properties.get(name_field) or "").strip()
    area = forces.find(code)
    if area is None or area.kind != "force" or area.code != code:
        suggestions = forces.suggest(name) if name else []
        hint = f"closest known by name: {', '.join(suggestions)}" if suggestions else "a force GSS code"
        stage.problem("unknown-force", f"feature {number}: {code!r} is not the code of one of the 43 forces",
                      row=number, column=code_field, value=code, expected=hint)
        return None
    named = forces.find(name)
    if named is None or named.code != area.code:
        stage.problem("code-name-mismatch", f"feature {number}: code {code} is {area.name}, but the name says "
                      f"{name!r}", row=number, column=name_field, value=name, expected=area.name)
        return None
    return area


def _check_geometry(stage: Stage, geometry: Any, number: int) -> bool:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in GEOMETRY_TYPES:
        stage.problem("bad-geometry", f"feature {number} has geometry type {kind!r}", row=number,
                      column="geometry", value=str(kind), expected="Polygon or MultiPolygon")
        return False
    assert isinstance(geometry, dict)
    polygons = [geometry.get("coordinates")] if kind == "Polygon" else geometry.get("coordinates")
    if not isinstance(polygons, list) or not polygons:
        stage.problem("bad-geometry", f"feature {number} has no coordinates", row=number, column="geometry")
        return False
    for polygon in polygons:
        problem = _polygon_problem(polygon)
        if problem:
            stage.problem("bad-geometry", f"feature {number}: {problem}", row=number, column="geometry",
                          expected=f"lon/lat rings within Great Britain (longitude {LON_RANGE[0]} to "
                          f"{LON_RANGE[1]}, latitude {LAT_RANGE[0]} to {LAT_RANGE[1]})")
            return False
    return True


def _polygon_problem(polygon: Any) -> str | None:
    if not isinstance(polygon, list) or not polygon:
        return "a polygon has no rings"
    for ring in polygon:
        if not isinstance(ring, list) or len(ring) < 4:
            return "a ring has fewer than 4 positions"
        for position in ring:
            if (not isinstance(position, list) or len(position) < 2
                    or not all(isinstance(v, int | float) for v in position[:2])):
                return f"a position is not a [longitude, latitude] pair: {position!r}"
            lon, lat = position[0], position[1]
            if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
                hint = " (these look like British National Grid metres; export as WGS84 lon/lat)" if (
                    abs(lon) > 1000 or abs(lat) > 1000) else ""
                return f"position ({lon}, {lat}) lies outside Great Britain{hint}"
    return None


def _vintage(document: dict[str, Any], code_field: str) -> str:
    for match in _MONTH_YEAR.finditer(str(document.get("name") or "")):
        month = periods.MONTHS.get(match.group(1).lower())
        if month:
            return f"{match.group(2)}-{month:02d}"
    year = CODE_FIELD.match(code_field).group(1)  # type: ignore[union-attr]
    return f"20{year}-12"


SOURCE = register(
    Source(
        name="ons_pfa_boundaries",
        title="ONS police force area boundaries (GeoJSON)",
        publisher="Office for National Statistics",
        score=_score,
        read=read,
        urls=("https://geoportal.statistics.gov.uk/",),
    )
)
