"""The layout of a data.police.uk street-level file and how DuckDB reads it: the columns, the head read in
Python (header and first force names), the read_csv options and the select lists, and which force a name is."""

from __future__ import annotations

import csv
import gzip
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from peelkit import forces
from peelkit.warehouse import Stage

COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
# Older releases lack some descriptive columns; these are the ones the figures and checks need.
REQUIRED = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Crime type"]

# stage_street_records column <- file column; the typed ones are cast by the CSV reader itself.
TARGET = {
    "crime_id": "Crime ID", "month": "Month", "reported_by": "Reported by", "falls_within": "Falls within",
    "longitude": "Longitude", "latitude": "Latitude", "location": "Location", "lsoa_code": "LSOA code",
    "lsoa_name": "LSOA name", "crime_type": "Crime type", "last_outcome": "Last outcome category",
    "context": "Context",
}
TYPES = {"Month": "DATE", "Longitude": "DOUBLE", "Latitude": "DOUBLE"}

# A generous box around the United Kingdom (Scilly to Lowestoft, Lizard to Shetland, and Northern
# Ireland); data.police.uk snaps points to anonymised map points, all well inside it.
LONGITUDE_RANGE = (-8.7, 1.8)
LATITUDE_RANGE = (49.8, 60.9)

HEAD_BYTES = 16384  # the header and a hundred or so rows: enough to see the force name
REJECTS = "stage_street_rejects"
REJECT_SCANS = "stage_street_reject_scans"
REREAD_REJECTS = "stage_street_reread_rejects"
REREAD_SCANS = "stage_street_reread_scans"
# Bounds the rejects table (one entry per missing field) for a file that is garbage throughout.
REJECTS_LIMIT = 100_000


BAD_COORDINATE = f"""((longitude IS NULL) <> (latitude IS NULL)
    OR longitude NOT BETWEEN {LONGITUDE_RANGE[0]} AND {LONGITUDE_RANGE[1]}
    OR latitude NOT BETWEEN {LATITUDE_RANGE[0]} AND {LATITUDE_RANGE[1]})"""
BLANK_CRIME_TYPE = "(crime_type IS NULL OR trim(crime_type) = '')"




@dataclass(frozen=True)
class Head:
    """The header and the 'Falls within' names seen in the first rows, read in Python (a few KB)."""

    header: list[str]
    positions: dict[str, int]  # column name -> 0-based position in the file
    names: set[str]
    gzipped: bool


def open_file(path: Path) -> tuple[Any, bool]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return (gzip.open(path, "rb") if gzipped else path.open("rb")), gzipped


def read_head(path: Path, stage: Stage) -> Head | None:
    """Check the header row and collect the force names of the first rows (to map them in the load)."""
    handle, gzipped = open_file(path)
    try:
        with handle:
            raw = handle.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error) as error:
        stage.problem("truncated-file", f"the compressed file ends early or is damaged ({error}); download it "
                      "again", expected="a complete gzip file")
        return None
    first, _, rest = raw.partition(b"\n")
    try:
        header_text = first.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        stage.problem("wrong-encoding", "the header row is not UTF-8 text; save the file as UTF-8", row=1,
                      expected="UTF-8 text")
        return None
    header = [h.strip() for h in next(csv.reader([header_text]), [])]
    lowered = [h.lower() for h in header]
    ok = True
    for name in sorted({h for h in lowered if h and lowered.count(h) > 1}):
        stage.problem("duplicate-column", f"column {name!r} appears more than once", row=1, column=name)
        ok = False
    positions: dict[str, int] = {}
    for name in COLUMNS:
        if name.lower() in lowered:
            positions[name] = lowered.index(name.lower())
        elif name in REQUIRED:
            stage.problem("missing-column", f"required column {name!r} is missing", row=1, column=name,
                          expected=", ".join(COLUMNS))
            ok = False
    if not ok:
        return None
    # The last line of the head may be cut part-way; names from it would be harmless but wrong.
    lines = rest.decode("utf-8", errors="replace").splitlines()[:-1]
    where = positions["Falls within"]
    names = {row[where] for row in csv.reader(lines) if len(row) > where and row[where]}
    return Head(header, positions, names, gzipped)


def gzip_complete(path: Path, stage: Stage) -> bool:
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as error:
        stage.problem("truncated-file", f"the compressed file ends early or is damaged ({error}); download it "
                      "again", expected="a complete gzip file")
        return False
    return True


def csv_options(head: Head, typed: bool = True) -> str:
    """read_csv options for a layout: columns by position (c0, c1, …) so odd header text never needs quoting."""
    by_name = {name: f"c{index}" for name, index in head.positions.items()}
    types = {f"c{i}": "VARCHAR" for i in range(len(head.header))}
    for name, kind in TYPES.items():
        if typed:
            types[by_name[name]] = kind
    struct = "{" + ", ".join(f"'{c}': '{k}'" for c, k in types.items()) + "}"
    return (f"header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {struct}, "
            f"dateformat = '%Y-%m', compression = '{'gzip' if head.gzipped else 'none'}'")


def select_columns(head: Head) -> str:
    """The select list naming each file column by its street_records name (NULL for absent optional ones)."""
    by_name = {name: f"c{index}" for name, index in head.positions.items()}
    return ", ".join(f"{by_name.get(column, 'NULL')} AS {target}" for target, column in TARGET.items())


def typed_columns(head: Head) -> str:
    """As `select_columns`, for an all-text read: casts done here, plus whether any cast failed (the bulk load
    rejected such rows and reported them already)."""
    by_name = {name: f"c{index}" for name, index in head.positions.items()}
    month, lon, lat = by_name["Month"], by_name["Longitude"], by_name["Latitude"]
    typed = {"month": f"try_strptime({month}, '%Y-%m')::DATE", "longitude": f"TRY_CAST({lon} AS DOUBLE)",
             "latitude": f"TRY_CAST({lat} AS DOUBLE)"}
    columns = [f"{typed.get(target) or by_name.get(column, 'NULL')} AS {target}" for target, column in TARGET.items()]
    failed = " OR ".join(f"({raw} IS NOT NULL AND {typed[name]} IS NULL)"
                         for name, raw in (("month", month), ("longitude", lon), ("latitude", lat)))
    return ", ".join(columns) + f", ({failed}) AS cast_failed"


@cache
def area_code(name: str) -> str | None:
    """The GSS code of the area a data.police.uk force name denotes: a territorial force or British
    Transport Police (the areas with a data.police.uk id), never a region or a fraud reporting body."""
    area = forces.find(name)
    return area.code if area is not None and area.police_uk_id else None
