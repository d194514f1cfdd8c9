"""data.police.uk street-level crime: one CSV per force per month (plain or gzip), streamed by DuckDB.

National scale is about 6 million rows a year, so rows never pass through Python: DuckDB's CSV reader
inserts them straight into the stage's `stage_street_records` table, structural problems (field counts,
encoding, unreadable months and coordinates) land in a DuckDB rejects table, and every other check is a
SQL aggregate over the staged rows. Python only sees counts, distinct force names and example rows.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import weakref
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from peelkit import forces
from peelkit.sources import Sniff, Source, header_score, register
from peelkit.warehouse import Stage

DATASET = "police_uk_street"
COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
# Older releases lack some descriptive columns; these are the ones the figures and checks need.
REQUIRED = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Crime type"]
ASB = "Anti-social behaviour"

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
# Bounds the rejects table (one entry per missing field) for a file that is garbage throughout.
REJECTS_LIMIT = 100_000
MEMORY_LIMIT = "512MB"
_BOUNDED: weakref.WeakSet[Any] = weakref.WeakSet()


def _score(sniff: Sniff) -> float:
    if sniff.container not in ("text", "gzip"):
        return 0.0
    return header_score(sniff.header_fields(), COLUMNS)


@dataclass(frozen=True)
class _Head:
    """The header and the 'Falls within' names seen in the first rows, read in Python (a few KB)."""

    header: list[str]
    positions: dict[str, int]  # column name -> 0-based position in the file
    names: set[str]
    gzipped: bool


def read(path: Path, stage: Stage) -> None:
    head = _read_head(path, stage)
    if head is None:
        return
    # DuckDB raises (and so aborts the whole import transaction) on a broken gzip stream, so a
    # compressed file is checked end to end before DuckDB sees it.
    if head.gzipped and not _gzip_complete(path, stage):
        return
    _bound_memory(stage)
    rows = _load(path, stage, head)
    summary = _Summary.of(stage, path)
    rejected = _report_rejects(stage, head, path, rows) if summary.rejects else []
    if rows == 0 and not rejected:
        stage.problem("empty-file", "the file has a header but no data rows", expected="street-level crime rows")
        return
    _resolve_areas(stage, summary, rejected)
    _check_values(stage, summary, rejected)
    if summary.no_location:
        stage.notes.append(f"{summary.no_location} rows have no location (blank coordinates), as published")
    if not stage.ok or summary.latest is None:
        return
    _stage_facts(stage)
    stage.vintage = stage.vintage or summary.latest


def _bound_memory(stage: Stage) -> None:
    """Cap DuckDB's buffer pool for the rest of this import so a national batch stays well under 1 GB.

    The importer keeps one transaction open for the whole batch, and DuckDB keeps every file's replaced
    staging tables until it ends; with a cap it spills them to its temp directory instead of holding
    gigabytes. Done once per connection; insertion order stays preserved (row numbers rely on it).
    """
    if stage.con in _BOUNDED:
        return
    stage.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    _BOUNDED.add(stage.con)


def _open(path: Path) -> tuple[Any, bool]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return (gzip.open(path, "rb") if gzipped else path.open("rb")), gzipped


def _read_head(path: Path, stage: Stage) -> _Head | None:
    """Check the header row and collect the force names of the first rows (to map them in the load)."""
    handle, gzipped = _open(path)
    try:
        with handle:
            raw = handle.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error):
        raw = b""  # a broken stream is reported by _gzip_complete with a clearer message
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
    return _Head(header, positions, names, gzipped)


def _gzip_complete(path: Path, stage: Stage) -> bool:
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as error:
        stage.problem("truncated-file", f"the compressed file ends early or is damaged ({error}); download it "
                      "again", expected="a complete gzip file")
        return False
    return True


def _load(path: Path, stage: Stage, head: _Head) -> int:
    """One INSERT … SELECT from DuckDB's CSV reader into stage_street_records, in file order.

    Columns are named by position (c0, c1, …) so odd header text never needs quoting. Rows DuckDB cannot
    read go to the rejects table with their line number instead of raising (which would abort the
    import's transaction). Insertion order is preserved (DuckDB's default), so rowid order is file order.
    Returns the number of rows staged.
    """
    by_name = {name: f"c{index}" for name, index in head.positions.items()}
    types = {f"c{i}": "VARCHAR" for i in range(len(head.header))}
    for name, kind in TYPES.items():
        types[by_name[name]] = kind
    struct = "{" + ", ".join(f"'{c}': '{k}'" for c, k in types.items()) + "}"
    # Force names seen in the head are mapped inside the load; anything else is resolved afterwards.
    params: list[Any] = []
    whens = []
    for name in sorted(head.names):
        code = _area_code(name)
        if code is not None:
            whens.append("WHEN ? THEN ?")
            params += [name, code]
    area = f"CASE {by_name['Falls within']} {' '.join(whens)} END" if whens else "NULL"
    select = ", ".join(
        area if target == "area_code" else by_name.get(column, "NULL")
        for target, column in [*TARGET.items(), ("area_code", "")]
    )
    targets = ", ".join([*TARGET, "area_code"])
    inserted = stage.con.execute(
        f"""INSERT INTO stage_street_records ({targets})
            SELECT {select} FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"',
                escape = '"', columns = {struct}, dateformat = '%Y-%m',
                compression = '{"gzip" if head.gzipped else "none"}', store_rejects = true,
                rejects_table = '{REJECTS}', rejects_scan = '{REJECT_SCANS}', rejects_limit = {REJECTS_LIMIT})""",
        [*params, str(path)],
    ).fetchone()
    return int(inserted[0]) if inserted else 0


def _report_rejects(stage: Stage, head: _Head, path: Path, rows: int) -> list[int]:
    """Turn DuckDB's rejected lines into findings; returns their line numbers (sorted) for row numbering."""
    # The rejects table collects every scan of the connection: keep this file's, and (as MISSING COLUMNS
    # gives one entry per absent field) one entry per line.
    lines = stage.con.execute(
        f"""SELECT line, arg_min(error_type, column_idx), arg_min(column_name, column_idx), any_value(csv_line)
            FROM {REJECTS} WHERE {_THIS_SCAN} GROUP BY line ORDER BY line""",
        [str(path)],
    ).fetchall()
    rejected = [int(line[0]) for line in lines]
    last_good = _file_row(rows - 1, rejected) if rows else 1
    by_position = {f"c{index}": name for name, index in head.positions.items()}
    width = len(head.header)
    for line, error_type, column, text in lines:
        kind = str(error_type).upper()
        if kind in ("MISSING COLUMNS", "UNQUOTED VALUE") and line == rejected[-1] and line > last_good:
            stage.problem("truncated-file", "the last row stops part-way: the file looks cut short; download "
                          "it again", row=line, value=_clip(text), expected=f"{width} fields")
        elif kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            found = len(next(csv.reader([text or ""]), []))
            stage.problem("wrong-field-count", f"row has {found} fields but the header has {width}", row=line,
                          value=_clip(text), expected=f"{width} fields")
        elif kind == "UNQUOTED VALUE":
            stage.problem("wrong-field-count", "a quoted value is never closed, so the row cannot be split "
                          "into fields", row=line, value=_clip(text), expected=f"{width} fields")
        elif "ENCODING" in kind or "UNICODE" in kind:
            stage.problem("wrong-encoding", "the row is not UTF-8 text; save the file as UTF-8", row=line,
                          expected="UTF-8 text")
        elif kind == "CAST" and by_position.get(column) == "Month":
            stage.problem("bad-date", "the month cannot be read", row=line, column="Month",
                          value=_field(text, head.positions["Month"]), expected="a month as YYYY-MM")
        elif kind == "CAST":
            name = by_position.get(column, str(column))
            stage.problem("bad-coordinate", f"the {name.lower()} is not a number", row=line, column=name,
                          value=_field(text, head.positions.get(name, -1)), expected="decimal degrees")
        else:  # e.g. LINE SIZE OVER MAXIMUM
            stage.problem("wrong-field-count", f"the row cannot be read ({str(error_type).lower()})", row=line,
                          value=_clip(text))
    return rejected


_THIS_SCAN = f"scan_id IN (SELECT scan_id FROM {REJECT_SCANS} WHERE file_path = ?)"
_BAD_COORDINATE = f"""((longitude IS NULL) <> (latitude IS NULL)
    OR longitude NOT BETWEEN {LONGITUDE_RANGE[0]} AND {LONGITUDE_RANGE[1]}
    OR latitude NOT BETWEEN {LATITUDE_RANGE[0]} AND {LATITUDE_RANGE[1]})"""
_BLANK_CRIME_TYPE = "(crime_type IS NULL OR trim(crime_type) = '')"


@dataclass(frozen=True)
class _Summary:
    """One aggregate pass over the staged rows: counts of each problem, names to resolve, latest month."""

    first_rowid: int
    blank_month: int
    bad_coordinate: int
    no_location: int
    blank_crime_type: int
    blank_falls_within: int
    blank_reported_by: int
    unmapped: list[str]
    reporters: list[str]
    latest: str | None
    rejects: int

    @classmethod
    def of(cls, stage: Stage, path: Path) -> _Summary:
        con = stage.con
        # min/max rather than DISTINCT lists: a file almost always names one force, and this query runs
        # once per file, hundreds of times in a national import.
        found = con.execute(
            f"""SELECT coalesce(min(rowid), 0),
                    count(*) FILTER (WHERE month IS NULL),
                    count(*) FILTER (WHERE {_BAD_COORDINATE}),
                    count(*) FILTER (WHERE longitude IS NULL AND latitude IS NULL),
                    count(*) FILTER (WHERE {_BLANK_CRIME_TYPE}),
                    count(*) FILTER (WHERE falls_within IS NULL),
                    count(*) FILTER (WHERE reported_by IS NULL),
                    min(falls_within) FILTER (WHERE area_code IS NULL),
                    max(falls_within) FILTER (WHERE area_code IS NULL),
                    min(reported_by), max(reported_by),
                    strftime(max(month), '%Y-%m'),
                    (SELECT count(*) FROM {REJECTS} WHERE {_THIS_SCAN})
                FROM stage_street_records""",
            [str(path)],
        ).fetchone()
        assert found is not None  # an aggregate without GROUP BY always returns one row
        unmapped = _distinct(stage, "falls_within", "area_code IS NULL", found[7], found[8])
        reporters = _distinct(stage, "reported_by", "TRUE", found[9], found[10])
        return cls(first_rowid=found[0], blank_month=found[1], bad_coordinate=found[2], no_location=found[3],
                   blank_crime_type=found[4], blank_falls_within=found[5], blank_reported_by=found[6],
                   unmapped=unmapped, reporters=reporters, latest=found[11], rejects=found[12])


def _distinct(stage: Stage, column: str, where: str, low: str | None, high: str | None) -> list[str]:
    """The distinct non-blank values of a column, given its min and max (one value needs no query)."""
    if low is None or high is None:
        return []
    if low == high:
        return [low]
    found = stage.con.execute(
        f"SELECT DISTINCT {column} FROM stage_street_records WHERE {where} AND {column} IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [row[0] for row in found]


def _resolve_areas(stage: Stage, summary: _Summary, rejected: list[int]) -> None:
    """Map 'Falls within' names the head did not show, and report names that are no known force."""
    con = stage.con
    for name in summary.unmapped:
        code = _area_code(name)
        if code is not None:
            con.execute("UPDATE stage_street_records SET area_code = ? WHERE area_code IS NULL AND falls_within = ?",
                        [code, name])
        else:
            _unknown_force(stage, summary, rejected, "Falls within", "falls_within", name)
    for name in summary.reporters:
        if _area_code(name) is None:
            _unknown_force(stage, summary, rejected, "Reported by", "reported_by", name)
    for column, target, count in (("Falls within", "falls_within", summary.blank_falls_within),
                                  ("Reported by", "reported_by", summary.blank_reported_by)):
        if count:
            _examples(stage, summary, rejected, f"{target} IS NULL", count, "blank-value",
                      f"the force ({column}) is blank", column, expected="a force name")


def _unknown_force(stage: Stage, summary: _Summary, rejected: list[int], column: str, target: str,
                   name: str) -> None:
    found = stage.con.execute(f"SELECT min(rowid), count(*) FROM stage_street_records WHERE {target} = ?",
                              [name]).fetchone()
    assert found is not None
    suggestions = forces.suggest(name)
    hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 force names"
    rows = f" (first of {found[1]} rows)" if found[1] > 1 else ""
    stage.problem("unknown-force", f"{name!r} is not a known police force{rows}",
                  row=_file_row(found[0] - summary.first_rowid, rejected), column=column, value=name,
                  expected=hint)


def _check_values(stage: Stage, summary: _Summary, rejected: list[int]) -> None:
    if summary.blank_month:
        _examples(stage, summary, rejected, "month IS NULL", summary.blank_month, "bad-date", "the month is blank",
                  "Month", expected="a month as YYYY-MM")
    if summary.bad_coordinate:
        _examples(stage, summary, rejected, _BAD_COORDINATE, summary.bad_coordinate, "bad-coordinate",
                  "the point lies outside the United Kingdom, or only one of longitude and latitude is given",
                  "Longitude", expected=f"longitude {LONGITUDE_RANGE[0]} to {LONGITUDE_RANGE[1]} and latitude "
                  f"{LATITUDE_RANGE[0]} to {LATITUDE_RANGE[1]}, or both blank",
                  show="concat_ws(', ', longitude, latitude)")
    if summary.blank_crime_type:
        _examples(stage, summary, rejected, _BLANK_CRIME_TYPE, summary.blank_crime_type, "blank-value",
                  "the crime type is blank", "Crime type", expected="a data.police.uk crime category")


def _examples(stage: Stage, summary: _Summary, rejected: list[int], where: str, count: int, code: str,
              message: str, column: str, *, expected: str, show: str = "NULL") -> None:
    """Report the first rows (in file order) matching a problem condition, saying how many there are."""
    found = stage.con.execute(
        f"SELECT rowid, {show} FROM stage_street_records WHERE {where} ORDER BY rowid LIMIT ?",
        [stage.max_findings_per_code],
    ).fetchall()
    total = f" ({count} rows in this file)" if count > 1 else ""
    for rowid, value in found:
        stage.problem(code, message + total, row=_file_row(rowid - summary.first_rowid, rejected),
                      column=column, value=value, expected=expected)


def _stage_facts(stage: Stage) -> None:
    """Monthly counts per force and crime type, by one GROUP BY over the staged rows."""
    added = stage.con.execute(
        f"""INSERT INTO stage_facts (dataset, area_code, period_start, period_end, measure, offence, value)
            SELECT '{DATASET}', area_code, month, last_day(month), measure, crime_type, value FROM (
                SELECT area_code, month, crime_type, measure,
                       CASE measure WHEN 'crimes' THEN crimes ELSE asb END AS value
                FROM (SELECT area_code, month, crime_type, count(crime_id) AS crimes,
                             count(*) FILTER (WHERE crime_type = ?) AS asb
                      FROM stage_street_records GROUP BY ALL)
                CROSS JOIN (VALUES ('crimes'), ('asb_incidents')) AS m(measure))
            WHERE value > 0""",
        [ASB],
    ).fetchone()
    stage.row_count += int(added[0]) if added else 0
    stage.datasets.add(DATASET)


@cache
def _area_code(name: str) -> str | None:
    """The GSS code of the force (or British Transport Police) a data.police.uk name denotes."""
    area = forces.find(name)
    return area.code if area is not None and area.kind in ("force", "body") else None


def _file_row(ordinal: int, rejected: list[int]) -> int:
    """Row number in the file (header = 1) of the `ordinal`-th staged row (0-based), skipping rejected lines."""
    row = ordinal + 2
    # Each rejected line at or before the candidate pushes it one further down.
    done = 0
    while True:
        skipped = bisect.bisect_right(rejected, row)
        if skipped == done:
            return row
        row += skipped - done
        done = skipped


def _field(text: str | None, index: int) -> str | None:
    fields = next(csv.reader([text or ""]), [])
    return fields[index] if 0 <= index < len(fields) else _clip(text)


def _clip(text: str | None, limit: int = 120) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit] + "…"


SOURCE = register(
    Source(
        name="police_uk_street",
        title="data.police.uk street-level crime (one force, one month)",
        publisher="data.police.uk (Home Office)",
        score=_score,
        read=read,
        urls=("https://data.police.uk/data/",),
    )
)
