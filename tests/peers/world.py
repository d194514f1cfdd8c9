"""A hand-made warehouse for peer tests: 43 forces on a line, every variable rising with the force's place."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from peelkit import forces, warehouse

CODES = sorted(f.code for f in forces.forces())
SQUARE = {"type": "Polygon", "coordinates": [[[-1.0, 52.0], [-0.7, 52.0], [-0.7, 52.2], [-1.0, 52.2],
                                              [-1.0, 52.0]]]}
AS_AT = date(2016, 6, 30)
CRIME_END = date(2017, 6, 30)


def place(i: int) -> dict[str, float]:
    """Force i's figures: each variable is linear in i, so distances are proportional to |i - j|."""
    return {"population": 1000 * 10 ** (1 + i / 20), "households_per_person": 0.3 + 0.002 * i,
            "violence": 100 + i, "acquisitive": 300 + i, "damage": 100 + i}


def build(db: Path) -> duckdb.DuckDBPyConnection:
    con = warehouse.connect(db)
    rows = []
    for i, code in enumerate(CODES):
        p = place(i)
        rows.append(("2018-03", 1, "population", code, AS_AT, AS_AT, "population", None, None, p["population"], None))
        rows.append(("2018-03", 1, "households", code, AS_AT, AS_AT, "households", None, None,
                     p["population"] * p["households_per_person"], None))
        counts = {"Violence with injury": p["violence"], "Shoplifting": p["acquisitive"],
                  "Criminal damage and arson": p["damage"], "Public order offences": 1000 - 500 - 3 * i,
                  "Fraud offences": 5000 * (i % 3)}  # fraud is out of the crime mix
        for offence, count in counts.items():
            rows.append(("2018-12", 1, "recorded_crime_rolling", code, date(2016, 7, 1), CRIME_END, "offences",
                         offence, None, count, None))
        con.execute("INSERT INTO boundaries VALUES (1, ?, ?, ?, '{}')", [code, code, json.dumps(SQUARE)])
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return con
