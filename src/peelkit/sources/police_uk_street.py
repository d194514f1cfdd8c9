"""data.police.uk street-level crime: one CSV per force per month (plain or gzip), streamed by DuckDB.

National scale is about 6 million rows a year, so rows never pass through Python: one DuckDB CSV scan
per batch inserts every file's rows straight into `street_records` (inside the import's transaction, so
still all or nothing), structural problems (field counts, encoding, unreadable months and coordinates)
land in a DuckDB rejects table, and every other check is one SQL aggregate grouped by file. Python only
sees counts, distinct force names and example rows.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import zlib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from peelkit import forces, periods
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
REREAD_REJECTS = "stage_street_reread_rejects"
REREAD_SCANS = "stage_street_reread_scans"
# Bounds the rejects table (one entry per missing field) for a file that is garbage throughout.
REJECTS_LIMIT = 100_000


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
    """Load one street-level file (see `read_many`)."""
    read_many([(path, stage)])


def read_many(items: list[tuple[Path, Stage]]) -> None:
    """Read every street-level file of an import batch with one DuckDB scan per header layout.

    The scan aggregates as it reads: per file, force name, month and crime type, the counts the figures
    and the checks need; rows never pass through Python. Every row is also kept in `street_records`
    only when the import asks for it (`keep_street_records`): writing millions of rows costs DuckDB
    several times what reading them does. Example rows for a problem are found by re-reading just the
    files that have one.
    """
    if not items:
        return
    con = items[0][1].con
    layouts: dict[tuple[object, ...], list[tuple[Path, Stage, _Head]]] = {}
    for path, stage in items:
        head = _read_head(path, stage)
        if head is None or (head.gzipped and not _gzip_complete(path, stage)):
            continue
        # Files read together must share a layout: width, column positions and compression.
        layout = (len(head.header), head.gzipped, *sorted(head.positions.items()))
        layouts.setdefault(layout, []).append((path, stage, head))
    loaded: list[tuple[Path, Stage, _Head]] = []
    for group in layouts.values():
        try:
            _aggregate(con, group)
        except duckdb.Error as error:
            # Not expected for any damage we know of (those go to the rejects table); never let DuckDB's own
            # wording escape as a crash. DuckDB has aborted the transaction: nothing more can run on it.
            for _path, stage, _head in group:
                stage.problem("wrong-field-count", f"the CSV reader cannot read the file: {error}",
                              expected="a data.police.uk street-level CSV")
            return
        loaded.extend(group)
    if not loaded:
        return
    summaries = _Summary.of_batch(con, [stage.import_id for _p, stage, _h in loaded])
    for path, stage, head in loaded:
        summary = summaries.get(stage.import_id, _Summary.empty())
        if summary.rejects:
            _report_rejects(stage, head, path, summary.rows)
        if summary.rows == 0 and not summary.rejects:
            stage.problem("empty-file", "the file has a header but no data rows", expected="street-level crime rows")
            continue
        examples = _Examples(con, path, head)
        _resolve_areas(stage, summary, examples)
        _check_values(stage, summary, examples)
        if summary.no_location:
            stage.notes.append(f"{summary.no_location} rows have no location (blank coordinates), as published")
        if summary.latest is not None:
            stage.vintage = stage.vintage or summary.latest
    clean = [(path, stage, head) for path, stage, head in loaded if stage.ok]
    _stage_facts(con, [stage for _p, stage, _h in clean])
    # Rows are written only for a clean batch: a batch with any problem is rolled back anyway.
    if clean and all(stage.ok for _p, stage, _h in loaded) and clean[0][1].options.get("keep_street_records"):
        for group in _regroup(clean):
            _keep_records(con, group)
        for _path, stage, _head in clean:
            stage.direct_rows = summaries[stage.import_id].rows
            stage.datasets.add("street_records")


def _regroup(items: list[tuple[Path, Stage, _Head]]) -> list[list[tuple[Path, Stage, _Head]]]:
    groups: dict[tuple[object, ...], list[tuple[Path, Stage, _Head]]] = {}
    for item in items:
        head = item[2]
        groups.setdefault((len(head.header), head.gzipped, *sorted(head.positions.items())), []).append(item)
    return list(groups.values())


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


def _options(head: _Head, typed: bool = True) -> str:
    """read_csv options for a layout: columns by position (c0, c1, …) so odd header text never needs quoting."""
    by_name = {name: f"c{index}" for name, index in head.positions.items()}
    types = {f"c{i}": "VARCHAR" for i in range(len(head.header))}
    for name, kind in TYPES.items():
        if typed:
            types[by_name[name]] = kind
    struct = "{" + ", ".join(f"'{c}': '{k}'" for c, k in types.items()) + "}"
    return (f"header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {struct}, "
            f"dateformat = '%Y-%m', compression = '{'gzip' if head.gzipped else 'none'}'")


def _columns(head: _Head) -> str:
    """The select list naming each file column by its street_records name (NULL for absent optional ones)."""
    by_name = {name: f"c{index}" for name, index in head.positions.items()}
    return ", ".join(f"{by_name.get(column, 'NULL')} AS {target}" for target, column in TARGET.items())


def _typed_columns(head: _Head) -> str:
    """As `_columns`, for an all-text read: casts done here, plus whether any cast failed (the bulk load
    rejected such rows and reported them already)."""
    by_name = {name: f"c{index}" for name, index in head.positions.items()}
    month, lon, lat = by_name["Month"], by_name["Longitude"], by_name["Latitude"]
    typed = {"month": f"try_strptime({month}, '%Y-%m')::DATE", "longitude": f"TRY_CAST({lon} AS DOUBLE)",
             "latitude": f"TRY_CAST({lat} AS DOUBLE)"}
    columns = [f"{typed.get(target) or by_name.get(column, 'NULL')} AS {target}" for target, column in TARGET.items()]
    failed = " OR ".join(f"({raw} IS NOT NULL AND {typed[name]} IS NULL)"
                         for name, raw in (("month", month), ("longitude", lon), ("latitude", lat)))
    return ", ".join(columns) + f", ({failed}) AS cast_failed"


def _register_files(con: duckdb.DuckDBPyConnection, group: list[tuple[Path, Stage, _Head]]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE street_files (path VARCHAR, import_id INTEGER)")
    con.execute("CREATE TEMP TABLE IF NOT EXISTS street_files_all (path VARCHAR, import_id INTEGER)")
    paths, ids = [str(p) for p, _s, _h in group], [s.import_id for _p, s, _h in group]
    for table in ("street_files", "street_files_all"):
        con.execute(f"INSERT INTO {table} SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[])", [paths, ids]).fetchall()


def _aggregate(con: duckdb.DuckDBPyConnection, group: list[tuple[Path, Stage, _Head]]) -> None:
    """One scan of every file of one layout, counted by file, force name, month and crime type.

    Rows DuckDB cannot read go to the rejects table with their line number instead of raising (which
    would abort the import's transaction).
    """
    head = group[0][2]
    _register_files(con, group)
    con.execute(
        """CREATE TEMP TABLE IF NOT EXISTS street_agg (import_id INTEGER, falls_within VARCHAR,
               reported_by VARCHAR, month DATE, crime_type VARCHAR, n BIGINT, crimes BIGINT, no_location BIGINT,
               bad_coordinate BIGINT, text_length BIGINT)""")
    con.execute(
        f"""INSERT INTO street_agg
            SELECT f.import_id, a.* EXCLUDE (filename) FROM (
                SELECT filename, falls_within, reported_by, month, crime_type, count(*), count(crime_id),
                       count(*) FILTER (WHERE longitude IS NULL AND latitude IS NULL),
                       count(*) FILTER (WHERE {_BAD_COORDINATE}),
                       -- Reading every column makes DuckDB check each for valid UTF-8.
                       sum(length(coalesce(location, '') || coalesce(lsoa_code, '') || coalesce(lsoa_name, '')
                                  || coalesce(last_outcome, '') || coalesce(context, '')))
                FROM (SELECT {_columns(head)}, filename
                      FROM read_csv(?, {_options(head)}, filename = true, store_rejects = true,
                                    rejects_table = '{REJECTS}', rejects_scan = '{REJECT_SCANS}',
                                    rejects_limit = {REJECTS_LIMIT}))
                GROUP BY ALL) a
            JOIN street_files f ON a.filename = f.path""",
        [[str(p) for p, _s, _h in group]],
    ).fetchall()


def _keep_records(con: duckdb.DuckDBPyConnection, group: list[tuple[Path, Stage, _Head]]) -> None:
    """Every row of a clean group into street_records, with its force's area code."""
    head = group[0][2]
    _register_files(con, group)
    targets = ", ".join(TARGET)
    con.execute(
        f"""INSERT INTO street_records (import_id, {targets}, area_code)
            SELECT f.import_id, {targets}, m.area_code FROM (
                SELECT {_columns(head)}, filename FROM read_csv(?, {_options(head)}, filename = true)) r
            JOIN street_files f ON r.filename = f.path
            LEFT JOIN street_names m ON m.name = r.falls_within""",
        [[str(p) for p, _s, _h in group]],
    ).fetchall()


def _report_rejects(stage: Stage, head: _Head, path: Path, rows: int) -> list[int]:
    """Turn DuckDB's rejected lines into findings; returns the lines rejected for their structure (field
    count, quoting, encoding), sorted: those are missing from any re-read of the file, cast failures are not."""
    # The rejects table collects every scan of the connection: keep this file's, and (as MISSING COLUMNS
    # gives one entry per absent field) one entry per line.
    lines = stage.con.execute(
        f"""SELECT line, arg_min(error_type, column_idx), arg_min(column_name, column_idx), any_value(csv_line)
            FROM {REJECTS} WHERE {_THIS_FILE} GROUP BY line ORDER BY line""",
        [str(path)],
    ).fetchall()
    rejected = [int(line[0]) for line in lines]
    structural: list[int] = []
    last_good = _file_row(rows - 1, rejected) if rows else 1
    by_position = {f"c{index}": name for name, index in head.positions.items()}
    width = len(head.header)
    for line, error_type, column, text in lines:
        kind = str(error_type).upper()
        found = _field_count(text)
        # DuckDB reports one error per line, and a shifted row often fails a cast before its field count is
        # checked: a row with the wrong number of fields is reported as such whatever DuckDB tripped on.
        if kind == "CAST" and found is not None and found != width:
            kind = "TOO MANY COLUMNS" if found > width else "MISSING COLUMNS"
        if kind != "CAST":
            structural.append(int(line))
        if kind in ("MISSING COLUMNS", "UNQUOTED VALUE") and line == rejected[-1] and line > last_good:
            stage.problem("truncated-file", "the last row stops part-way: the file looks cut short; download "
                          "it again", row=line, value=_clip(text), expected=f"{width} fields")
        elif kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
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
    return structural


# One scan reads many files: a file's rejected lines are those of its (scan_id, file_id).
_THIS_FILE = f"""(scan_id, file_id) IN (SELECT (scan_id, file_id) FROM {REJECT_SCANS} WHERE file_path = ?)"""
_BAD_COORDINATE = f"""((longitude IS NULL) <> (latitude IS NULL)
    OR longitude NOT BETWEEN {LONGITUDE_RANGE[0]} AND {LONGITUDE_RANGE[1]}
    OR latitude NOT BETWEEN {LATITUDE_RANGE[0]} AND {LATITUDE_RANGE[1]})"""
_BLANK_CRIME_TYPE = "(crime_type IS NULL OR trim(crime_type) = '')"


@dataclass(frozen=True)
class _Summary:
    """One aggregate over a file's loaded rows: counts of each problem, names to resolve, latest month."""

    rows: int
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
    earliest: str | None = None

    @classmethod
    def empty(cls) -> _Summary:
        return cls(0, 0, 0, 0, 0, 0, 0, [], [], None, 0)

    @classmethod
    def of_batch(cls, con: duckdb.DuckDBPyConnection, import_ids: list[int]) -> dict[int, _Summary]:
        found = con.execute(
            f"""SELECT import_id, sum(n),
                    coalesce(sum(n) FILTER (WHERE month IS NULL), 0),
                    sum(bad_coordinate), sum(no_location),
                    coalesce(sum(n) FILTER (WHERE {_BLANK_CRIME_TYPE}), 0),
                    coalesce(sum(n) FILTER (WHERE falls_within IS NULL), 0),
                    coalesce(sum(n) FILTER (WHERE reported_by IS NULL), 0),
                    list(DISTINCT falls_within) FILTER (WHERE falls_within IS NOT NULL),
                    list(DISTINCT reported_by) FILTER (WHERE reported_by IS NOT NULL),
                    strftime(max(month), '%Y-%m'), strftime(min(month), '%Y-%m')
                FROM street_agg WHERE import_id IN (SELECT unnest(?::INTEGER[])) GROUP BY import_id""",
            [import_ids],
        ).fetchall()
        rejects = dict(con.execute(
            f"""SELECT f.import_id, count(DISTINCT (r.scan_id, r.file_id, r.line)) FROM {REJECTS} r
                JOIN {REJECT_SCANS} s USING (scan_id, file_id) JOIN street_files_all f ON f.path = s.file_path
                WHERE f.import_id IN (SELECT unnest(?::INTEGER[])) GROUP BY 1""",
            [import_ids],
        ).fetchall())
        names = sorted({name for row in found for name in (row[8] or [])})
        con.execute("CREATE OR REPLACE TEMP TABLE street_names (name VARCHAR, area_code VARCHAR)")
        mapped = [[name, _area_code(name)] for name in names if _area_code(name) is not None]
        if mapped:
            con.execute("INSERT INTO street_names SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                        [[m[0] for m in mapped], [m[1] for m in mapped]]).fetchall()
        result = {i: cls.empty() for i in import_ids}
        for row in found:
            result[row[0]] = cls(rows=int(row[1]), blank_month=int(row[2]), bad_coordinate=int(row[3]),
                                 no_location=int(row[4]), blank_crime_type=int(row[5]),
                                 blank_falls_within=int(row[6]), blank_reported_by=int(row[7]),
                                 unmapped=sorted(n for n in row[8] or [] if _area_code(n) is None),
                                 reporters=sorted(row[9] or []), latest=row[10], rejects=0,
                                 earliest=row[11])
        for import_id, count in rejects.items():
            result[import_id] = replace(result[import_id], rejects=int(count))
        return result


class _Examples:
    """Finds the rows (numbered as in the file) that match a problem, by re-reading one file in order.

    Only files with a problem are re-read; the bulk load does not keep file order across many files. The
    re-read is all text, so rows the load rejected for a failed cast are still counted in the numbering
    (and left out of the examples), and only structurally rejected lines are skipped.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, head: _Head) -> None:
        self.con, self.path, self.head = con, path, head
        self._skipped: list[int] | None = None

    @property
    def rejected(self) -> list[int]:
        """Lines the all-text re-read itself skips (their numbering must step over them)."""
        if self._skipped is None:
            self.con.execute(
                f"""SELECT count(*) FROM read_csv(?, {_options(self.head, typed=False)}, parallel = false,
                        store_rejects = true, rejects_table = '{REREAD_REJECTS}',
                        rejects_scan = '{REREAD_SCANS}', rejects_limit = {REJECTS_LIMIT})""",
                [str(self.path)],
            ).fetchall()
            self._skipped = [int(r[0]) for r in self.con.execute(
                f"""SELECT DISTINCT line FROM {REREAD_REJECTS} WHERE (scan_id, file_id) IN (
                        SELECT (scan_id, file_id) FROM {REREAD_SCANS} WHERE file_path = ?) ORDER BY line""",
                [str(self.path)],
            ).fetchall()]
        return self._skipped

    def find(self, where: str, params: list[Any], show: str, limit: int) -> list[tuple[int, Any]]:
        found = self.con.execute(
            f"""SELECT ordinal, {show} FROM (
                    SELECT row_number() OVER () AS ordinal, * FROM (
                        SELECT {_typed_columns(self.head)} FROM read_csv(?, {_options(self.head, typed=False)},
                                                                         parallel = false, ignore_errors = true)))
                WHERE NOT cast_failed AND ({where}) ORDER BY ordinal LIMIT ?""",
            [str(self.path), *params, limit],
        ).fetchall()
        return [(_file_row(int(ordinal) - 1, self.rejected), value) for ordinal, value in found]

    def count_and_first(self, where: str, params: list[Any]) -> tuple[int, int | None]:
        found = self.con.execute(
            f"""SELECT count(*), min(ordinal) FROM (
                    SELECT row_number() OVER () AS ordinal, * FROM (
                        SELECT {_typed_columns(self.head)} FROM read_csv(?, {_options(self.head, typed=False)},
                                                                         parallel = false, ignore_errors = true)))
                WHERE NOT cast_failed AND ({where})""",
            [str(self.path), *params],
        ).fetchall()
        count, first = found[0]
        return int(count), (None if first is None else _file_row(int(first) - 1, self.rejected))


def _resolve_areas(stage: Stage, summary: _Summary, examples: _Examples) -> None:
    """Map 'Falls within' names the heads did not show, and report names that are no known force."""
    for name in summary.unmapped:
        _unknown_force(stage, examples, "Falls within", "falls_within", name)
    for name in summary.reporters:
        if _area_code(name) is None:
            _unknown_force(stage, examples, "Reported by", "reported_by", name)
    for column, target, count in (("Falls within", "falls_within", summary.blank_falls_within),
                                  ("Reported by", "reported_by", summary.blank_reported_by)):
        if count:
            _examples(stage, examples, f"{target} IS NULL", count, "blank-value", f"the force ({column}) is blank",
                      column, expected="a force name")


def _unknown_force(stage: Stage, examples: _Examples, column: str, target: str, name: str) -> None:
    count, first = examples.count_and_first(f"{target} = ?", [name])
    suggestions = forces.suggest(name)
    hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 force names"
    rows = f" (first of {count} rows)" if count > 1 else ""
    stage.problem("unknown-force", f"{name!r} is not a known police force{rows}", row=first, column=column,
                  value=name, expected=hint)


def _check_values(stage: Stage, summary: _Summary, examples: _Examples) -> None:
    if summary.blank_month:
        _examples(stage, examples, "month IS NULL", summary.blank_month, "bad-date", "the month is blank", "Month",
                  expected="a month as YYYY-MM")
    first, last = periods.EARLIEST_DATA, periods.latest_plausible()
    too_early = bool(summary.earliest and summary.earliest < f"{first:%Y-%m}")
    if too_early or bool(summary.latest and summary.latest > f"{last:%Y-%m}"):
        outside = f"month < DATE '{first}' OR month > DATE '{last}'"
        count, _row = examples.count_and_first(outside, [])
        _examples(stage, examples, outside, count, "bad-date", "the month is outside the years any release covers",
                  "Month", expected=periods.plausible_text(), show="strftime(month, '%Y-%m')")
    if summary.bad_coordinate:
        _examples(stage, examples, _BAD_COORDINATE, summary.bad_coordinate, "bad-coordinate",
                  "the point lies outside the United Kingdom, or only one of longitude and latitude is given",
                  "Longitude", expected=f"longitude {LONGITUDE_RANGE[0]} to {LONGITUDE_RANGE[1]} and latitude "
                  f"{LATITUDE_RANGE[0]} to {LATITUDE_RANGE[1]}, or both blank",
                  show="concat_ws(', ', longitude, latitude)")
    if summary.blank_crime_type:
        _examples(stage, examples, _BLANK_CRIME_TYPE, summary.blank_crime_type, "blank-value",
                  "the crime type is blank", "Crime type", expected="a data.police.uk crime category")


def _examples(stage: Stage, examples: _Examples, where: str, count: int, code: str, message: str, column: str, *,
              expected: str, show: str = "NULL") -> None:
    """Report the first rows (in file order) matching a problem condition, saying how many there are."""
    total = f" ({count} rows in this file)" if count > 1 else ""
    found = examples.find(where, [], show, stage.max_findings_per_code)
    for row, value in found:
        stage.problem(code, message + total, row=row, column=column, value=value, expected=expected)
    if count > len(found):
        stage.more_problems(code, count - len(found))


def _stage_facts(con: duckdb.DuckDBPyConnection, stages: list[Stage]) -> None:
    """Monthly counts per force and crime type for every clean file, from the batch's aggregate."""
    if not stages:
        return
    con.execute(
        f"""INSERT INTO stage_facts (stage_no, dataset, area_code, period_start, period_end, measure, offence, value)
            SELECT import_id, '{DATASET}', area_code, month, last_day(month), measure, crime_type, sum(value)
            FROM (
                SELECT a.import_id, m.area_code, a.month, a.crime_type, x.measure,
                       CASE x.measure WHEN 'crimes' THEN a.crimes
                                      ELSE CASE WHEN a.crime_type = ? THEN a.n ELSE 0 END END AS value
                FROM street_agg a JOIN street_names m ON m.name = a.falls_within
                CROSS JOIN (VALUES ('crimes'), ('asb_incidents')) AS x(measure)
                WHERE a.import_id IN (SELECT unnest(?::INTEGER[])))
            GROUP BY ALL HAVING sum(value) > 0""",
        [ASB, [stage.import_id for stage in stages]],
    ).fetchall()
    for stage in stages:
        stage.touched.add("stage_facts")
        stage.datasets.add(DATASET)


@cache
def _area_code(name: str) -> str | None:
    """The GSS code of the area a data.police.uk force name denotes: a territorial force or British
    Transport Police (the areas with a data.police.uk id), never a region or a fraud reporting body."""
    area = forces.find(name)
    return area.code if area is not None and area.police_uk_id else None


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


def _field_count(text: str | None) -> int | None:
    try:
        return len(next(csv.reader([text]), [])) if text is not None else None
    except csv.Error:
        return None


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
        read_many=read_many,
        urls=("https://data.police.uk/data/",),
    )
)
