"""The explanation of a force's computed similar forces: method, variables, the force's values and its
neighbours' standardised distances, as data (JSON) and as lines of text."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from peelkit import forces
from peelkit.peers.groups import PeerGroupError
from peelkit.peers.similar import LABEL, similar_forces, standardise

METHOD = ("each variable is standardised across the 43 forces (z-score: mean 0, standard deviation 1); the "
          "similar forces are the {k} nearest by Euclidean distance on those z-scores, ties broken by code")


def explanation(con: duckdb.DuckDBPyConnection, code: str, as_at: date, crime_end: date) -> dict[str, Any]:
    found = similar_forces(con, as_at, crime_end)
    if code not in found.neighbours:
        raise PeerGroupError("no similar forces can be computed: " + "; ".join(found.left_out[1:] or
                             ["the warehouse holds none of the variables (run `peel data import`)"]))
    codes = sorted(found.neighbours)
    z = {v.id: dict(zip(codes, standardise([v.values[c] for c in codes]), strict=True)) for v in found.variables}

    def values(of: str) -> dict[str, dict[str, float]]:
        return {v.id: {"value": v.values[of], "z": z[v.id][of]} for v in found.variables}

    return {
        "force_code": code, "force_name": forces.match(code).name, "label": LABEL,
        "method": METHOD.format(k=found.k), "population_as_at": as_at.isoformat(),
        "crime_period_end": crime_end.isoformat(),
        "variables": [{"id": v.id, "label": v.label} for v in found.variables],
        "left_out": list(found.left_out), "values": values(code),
        "neighbours": [{"rank": rank, "force_code": n.code, "force_name": forces.match(n.code).name,
                        "distance": n.distance, "values": values(n.code)}
                       for rank, n in enumerate(found.neighbours[code], 1)],
    }


def lines(body: dict[str, Any]) -> list[str]:
    out = [f"{body['force_name']}: {body['label']}", f"method: {body['method']}",
           f"population as at {body['population_as_at']}; crime mix for the 12 months to {body['crime_period_end']}",
           "variables (value, z-score):"]
    for variable in body["variables"]:
        mine = body["values"][variable["id"]]
        out.append(f"  {variable['label']}: {mine['value']:.4g} (z {mine['z']:+.2f})")
    out.extend(f"  not used: {reason}" for reason in body["left_out"])
    out.append("similar forces (distance; their z-scores in variable order):")
    for n in body["neighbours"]:
        zs = ", ".join(f"{n['values'][v['id']]['z']:+.2f}" for v in body["variables"])
        out.append(f"  {n['rank']}. {n['force_name']:<22} {n['distance']:.2f}  ({zs})")
    return out


__all__ = ["explanation", "lines"]
