"""What is wrong with a street-level file, found in SQL and reported with the rows as numbered in the file:
DuckDB's rejected lines, one aggregate of problem counts per file, and example rows found by re-reading it."""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from peelkit import forces, periods
from peelkit.sources.police_uk_street.scan import (
    BAD_COORDINATE,
    BLANK_CRIME_TYPE,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    REJECT_SCANS,
    REJECTS,
    REJECTS_LIMIT,
    REREAD_REJECTS,
    REREAD_SCANS,
    Head,
    area_code,
    csv_options,
    typed_columns,
)
from peelkit.warehouse import Stage

# One scan reads many files: a file's rejected lines are those of its (scan_id, file_id).
_THIS_FILE = f"""(scan_id, file_id) IN (SELECT (scan_id, file_id) FROM {REJECT_SCANS} WHERE file_path = ?)"""
def report_rejects(stage: Stage, head: Head, path: Path, rows: int) -> list[int]:
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
    last_good = file_row(rows - 1, rejected) if rows else 1
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


@dataclass(frozen=True)
class Summary:
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
    def empty(cls) -> Summary:
        return cls(0, 0, 0, 0, 0, 0, 0, [], [], None, 0)

    @classmethod
    def of_batch(cls, con: duckdb.DuckDBPyConnection, import_ids: list[int]) -> dict[int, Summary]:
        found = con.execute(
            f"""SELECT import_id, sum(n),
                    coalesce(sum(n) FILTER (WHERE month IS NULL), 0),
                    sum(bad_coordinate), sum(no_location),
                    coalesce(sum(n) FILTER (WHERE {BLANK_CRIME_TYPE}), 0),
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
        mapped = [[name, area_code(name)] for name in names if area_code(name) is not None]
        if mapped:
            con.execute("INSERT INTO street_names SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                        [[m[0] for m in mapped], [m[1] for m in mapped]]).fetchall()
        result = {i: cls.empty() for i in import_ids}
        for row in found:
            result[row[0]] = cls(rows=int(row[1]), blank_month=int(row[2]), bad_coordinate=int(row[3]),
                                 no_location=int(row[4]), blank_crime_type=int(row[5]),
                                 blank_falls_within=int(row[6]), blank_reported_by=int(row[7]),
                                 unmapped=sorted(n for n in row[8] or [] if area_code(n) is None),
                                 reporters=sorted(row[9] or []), latest=row[10], rejects=0,
                                 earliest=row[11])
        for import_id, count in rejects.items():
            result[import_id] = replace(result[import_id], rejects=int(count))
        return result


class Examples:
    """Finds the rows (numbered as in the file) that match a problem, by re-reading one file in order.

    Only files with a problem are re-read; the bulk load does not keep file order across many files. The
    re-read is all text, so rows the load rejected for a failed cast are still counted in the numbering
    (and left out of the examples), and only structurally rejected lines are skipped.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, head: Head) -> None:
        self.con, self.path, self.head = con, path, head
        self._skipped: list[int] | None = None

    @property
    def rejected(self) -> list[int]:
        """Lines the all-text re-read itself skips (their numbering must step over them)."""
        if self._skipped is None:
            self.con.execute(
                f"""SELECT count(*) FROM read_csv(?, {csv_options(self.head, typed=False)}, parallel = false,
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
                        SELECT {typed_columns(self.head)} FROM read_csv(?, {csv_options(self.head, typed=False)},
                                                                         parallel = false, ignore_errors = true)))
                WHERE NOT cast_failed AND ({where}) ORDER BY ordinal LIMIT ?""",
            [str(self.path), *params, limit],
        ).fetchall()
        return [(file_row(int(ordinal) - 1, self.rejected), value) for ordinal, value in found]

    def count_and_first(self, where: str, params: list[Any]) -> tuple[int, int | None]:
        found = self.con.execute(
            f"""SELECT count(*), min(ordinal) FROM (
                    SELECT row_number() OVER () AS ordinal, * FROM (
                        SELECT {typed_columns(self.head)} FROM read_csv(?, {csv_options(self.head, typed=False)},
                                                                         parallel = false, ignore_errors = true)))
                WHERE NOT cast_failed AND ({where})""",
            [str(self.path), *params],
        ).fetchall()
        count, first = found[0]
        return int(count), (None if first is None else file_row(int(first) - 1, self.rejected))


def resolve_areas(stage: Stage, summary: Summary, examples: Examples) -> None:
    """Map 'Falls within' names the heads did not show, and report names that are no known force."""
    for name in summary.unmapped:
        _unknown_force(stage, examples, "Falls within", "falls_within", name)
    for name in summary.reporters:
        if area_code(name) is None:
            _unknown_force(stage, examples, "Reported by", "reported_by", name)
    for column, target, count in (("Falls within", "falls_within", summary.blank_falls_within),
                                  ("Reported by", "reported_by", summary.blank_reported_by)):
        if count:
            _examples(stage, examples, f"{target} IS NULL", count, "blank-value", f"the force ({column}) is blank",
                      column, expected="a force name")


def _unknown_force(stage: Stage, examples: Examples, column: str, target: str, name: str) -> None:
    count, first = examples.count_and_first(f"{target} = ?", [name])
    suggestions = forces.suggest(name)
    hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 force names"
    rows = f" (first of {count} rows)" if count > 1 else ""
    stage.problem("unknown-force", f"{name!r} is not a known police force{rows}", row=first, column=column,
                  value=name, expected=hint)


def check_values(stage: Stage, summary: Summary, examples: Examples) -> None:
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
        _examples(stage, examples, BAD_COORDINATE, summary.bad_coordinate, "bad-coordinate",
                  "the point lies outside the United Kingdom, or only one of longitude and latitude is given",
                  "Longitude", expected=f"longitude {LONGITUDE_RANGE[0]} to {LONGITUDE_RANGE[1]} and latitude "
                  f"{LATITUDE_RANGE[0]} to {LATITUDE_RANGE[1]}, or both blank",
                  show="concat_ws(', ', longitude, latitude)")
    if summary.blank_crime_type:
        _examples(stage, examples, BLANK_CRIME_TYPE, summary.blank_crime_type, "blank-value",
                  "the crime type is blank", "Crime type", expected="a data.police.uk crime category")


def _examples(stage: Stage, examples: Examples, where: str, count: int, code: str, message: str, column: str, *,
              expected: str, show: str = "NULL") -> None:
    """Report the first rows (in file order) matching a problem condition, saying how many there are."""
    total = f" ({count} rows in this file)" if count > 1 else ""
    found = examples.find(where, [], show, stage.max_findings_per_code)
    for row, value in found:
        stage.problem(code, message + total, row=row, column=column, value=value, expected=expected)
    if count > len(found):
        stage.more_problems(code, count - len(found))


def file_row(ordinal: int, rejected: list[int]) -> int:
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
