"""Similar forces computed by peelkit from public data: the default peer groups.

The Home Office most similar groups (MSGs) are not public here, so peelkit computes its own and says so
everywhere they appear (LABEL). Method: for every force, a few public variables the warehouse holds are
standardised across the 43 forces (z-scores: mean 0, standard deviation 1), and each force's peers are its K
nearest forces by Euclidean distance on them, ties broken by GSS code. `explain` shows the variables, each
force's values and the distances, so a reader can check every group.

Variables (a variable the warehouse cannot give for every force is left out, and the explanation says so):
- population density: log10 of people per square kilometre (ONS mid-year population over the area of the ONS
  boundary, measured on the WGS84 ellipsoid with pyproj); the log because densities run from about 30 to
  over 5,000;
- households per person (ONS households estimate over the population, same date);
- the crime mix: the shares of violence against the person, of theft and burglary (acquisitive crime) and of
  criminal damage and arson in recorded crime excluding fraud (Home Office), for the 12 months to the date.
Urban share is not held in the warehouse, so it is not used.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from peelkit import forces
from peelkit.peers.groups import COMPUTED, PeerGroup
from peelkit.plural import counted, word_for

K = 7
LABEL = "similar forces computed by peelkit from public data, not the Home Office MSG"

VIOLENCE = ("Violence with injury", "Violence without injury", "Stalking and harassment", "Homicide",
            "Death or serious injury caused by illegal driving")
ACQUISITIVE = ("Domestic burglary", "Non-domestic burglary", "Residential burglary", "Non-residential burglary",
               "Vehicle offences", "Shoplifting", "Theft from the person", "Bicycle theft", "All other theft offences",
               "Robbery")
DAMAGE = ("Criminal damage and arson",)
FRAUD = ("Fraud offences", "Action Fraud", "CIFAS", "UK Finance")


@dataclass(frozen=True)
class Variable:
    id: str
    label: str
    values: dict[str, float]  # force code -> value (every force)


@dataclass(frozen=True)
class Neighbour:
    code: str
    distance: float


@dataclass(frozen=True)
class Similarity:
    """The computed groups with everything needed to explain them."""

    variables: tuple[Variable, ...]
    left_out: tuple[str, ...]  # variables not used, with the reason
    neighbours: dict[str, tuple[Neighbour, ...]]  # force code -> its K nearest, nearest first
    k: int
    as_at: date
    crime_period_end: date

    def groups(self) -> dict[str, PeerGroup]:
        return {code: PeerGroup(COMPUTED, code, tuple(n.code for n in near), False, LABEL, self.as_at)
                for code, near in self.neighbours.items()}


def standardise(values: Sequence[float]) -> list[float]:
    """z-scores with the population standard deviation; a constant variable scores 0 everywhere."""
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return [0.0 if sd == 0 else (v - mean) / sd for v in values]


def nearest(vectors: dict[str, Sequence[float]], k: int = K) -> dict[str, tuple[Neighbour, ...]]:
    """Each unit's k nearest others by Euclidean distance on the already standardised vectors."""
    result = {}
    for code, mine in vectors.items():
        # Distances equal but for rounding count as ties, so the lower code wins them on every machine.
        distances = sorted((round(math.dist(mine, other), 9), other_code, math.dist(mine, other))
                           for other_code, other in vectors.items() if other_code != code)
        result[code] = tuple(Neighbour(c, d) for _key, c, d in distances[:k])
    return result


def compute(variables: Sequence[Variable], k: int = K) -> dict[str, tuple[Neighbour, ...]]:
    codes = sorted(set.intersection(*(set(v.values) for v in variables))) if variables else []
    columns = [standardise([v.values[c] for c in codes]) for v in variables]
    return nearest({c: [column[i] for column in columns] for i, c in enumerate(codes)}, k)


def ring_area_km2(ring: Sequence[Sequence[float]]) -> float:
    from pyproj import Geod

    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    area, _perimeter = Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
    return abs(area) / 1e6


def geometry_area_km2(geometry: dict[str, Any]) -> float:
    """Area of a GeoJSON Polygon or MultiPolygon in lon/lat: outer rings less their holes."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons: list[Any] = [coordinates] if kind == "Polygon" else list(coordinates or []) if kind == "MultiPolygon" \
        else []
    total = 0.0
    for polygon in polygons:
        rings = list(polygon or [])
        if rings:
            total += ring_area_km2(rings[0]) - sum(ring_area_km2(r) for r in rings[1:])
    return total


def _by_force(rows: list[tuple[str, float | None]]) -> dict[str, float]:
    codes = {f.code for f in forces.forces()}
    return {code: float(value) for code, value in rows if code in codes and value is not None}


def _figures(con: duckdb.DuckDBPyConnection, dataset: str, measure: str, as_at: date) -> dict[str, float]:
    return _by_force(con.execute(
        "SELECT area_code, sum(value) FROM latest_facts WHERE dataset = ? AND measure = ? AND period_end = ? "
        "AND period_start = period_end GROUP BY area_code", [dataset, measure, as_at]).fetchall())


def _crime_shares(con: duckdb.DuckDBPyConnection, end: date) -> dict[str, dict[str, float]]:
    rows = con.execute(
        "SELECT area_code, offence, sum(value) FROM latest_facts WHERE dataset = 'recorded_crime_rolling' "
        "AND measure = 'offences' AND period_end = ? GROUP BY ALL", [end]).fetchall()
    by: dict[str, dict[str, float]] = {}
    for code, offence, value in rows:
        if offence not in FRAUD and value is not None:
            by.setdefault(code, {})[offence] = float(value)
    shares: dict[str, dict[str, float]] = {}
    for code, counts in by.items():
        total = sum(counts.values())
        if total > 0:
            shares[code] = {name: sum(counts.get(o, 0.0) for o in group) / total for name, group in
                            (("violence", VIOLENCE), ("acquisitive", ACQUISITIVE), ("damage", DAMAGE))}
    return shares


def _areas(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    rows = con.execute("SELECT area_code, any_value(geometry) FROM boundaries GROUP BY area_code").fetchall()
    return {code: geometry_area_km2(json.loads(geometry)) for code, geometry in rows if geometry}


def variables_from_warehouse(con: duckdb.DuckDBPyConnection, as_at: date, crime_end: date
                             ) -> tuple[list[Variable], list[str]]:
    """The variables the warehouse can give for all 43 forces, and why any others are left out."""
    codes = [f.code for f in forces.forces()]
    population = _figures(con, "population", "population", as_at)
    households = _figures(con, "households", "households", as_at)
    areas = _areas(con)
    shares = _crime_shares(con, crime_end)
    candidates: list[tuple[str, str, dict[str, float], str]] = [
        ("log10_density", "population density (log10 people per km²)",
         {c: math.log10(population[c] / areas[c]) for c in codes if c in population and areas.get(c)},
         f"needs the ONS population as at {as_at} and the force area boundaries"),
        ("households_per_person", "households per person",
         {c: households[c] / population[c] for c in codes if c in households and population.get(c)},
         f"needs the ONS households and population estimates as at {as_at}"),
    ]
    for key, label in (("violence", "violence against the person"), ("acquisitive", "theft and burglary"),
                       ("damage", "criminal damage and arson")):
        candidates.append((f"share_{key}", f"share of recorded crime: {label}",
                           {c: shares[c][key] for c in codes if c in shares},
                           f"needs Home Office recorded crime by offence group for the 12 months to {crime_end}"))
    used, left_out = [], ["urban share: not held in the warehouse"]
    for key, label, values, need in candidates:
        if len(values) == len(codes):
            used.append(Variable(key, label, values))
        else:
            gap = len(codes) - len(values)
            left_out.append(f"{label}: {counted(gap, 'force')} {word_for(gap, 'has')} no figure ({need})")
    return used, left_out


def similar_forces(con: duckdb.DuckDBPyConnection, as_at: date, crime_end: date, k: int = K) -> Similarity:
    variables, left_out = variables_from_warehouse(con, as_at, crime_end)
    neighbours = compute(variables, k) if variables else {}
    return Similarity(tuple(variables), tuple(left_out), neighbours, k, as_at, crime_end)


__all__ = [
    "LABEL",
    "K",
    "Neighbour",
    "Similarity",
    "Variable",
    "compute",
    "geometry_area_km2",
    "nearest",
    "similar_forces",
    "standardise",
    "variables_from_warehouse",
]
