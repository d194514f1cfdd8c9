"""data.police.uk street-level crime: one CSV per force per month (plain or gzip), streamed by DuckDB.

National scale is about 6 million rows a year, so rows never pass through Python: one DuckDB CSV scan
per batch inserts every file's rows straight into `street_records` (inside the import's transaction, so
still all or nothing), structural problems (field counts, encoding, unreadable months and coordinates)
land in a DuckDB rejects table, and every other check is one SQL aggregate grouped by file. Python only
sees counts, distinct force names and example rows.

The package: `scan` (the file layout, the head read in Python, the read_csv options), `problems` (rejected
lines, per-file summaries, example rows); here, the batch scan, the checks per file and the staged facts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from peelkit.sources import Sniff, Source, header_score, register
from peelkit.sources.police_uk_street.problems import Examples, Summary, check_values, report_rejects, resolve_areas
from peelkit.sources.police_uk_street.scan import (
    BAD_COORDINATE,
    COLUMNS,
    REJECT_SCANS,
    REJECTS,
    REJECTS_LIMIT,
    TARGET,
    Head,
    csv_options,
    gzip_complete,
    read_head,
    select_columns,
)
from peelkit.warehouse import Stage

DATASET = "police_uk_street"
ASB = "Anti-social behaviour"


def _score(sniff: Sniff) -> float:
    if sniff.container not in ("text", "gzip"):
        return 0.0
    return header_score(sniff.header_fields(), COLUMNS)


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
    layouts: dict[tuple[object, ...], list[tuple[Path, Stage, Head]]] = {}
    for path, stage in items:
        head = read_head(path, stage)
        if head is None or (head.gzipped and not gzip_complete(path, stage)):
            continue
        layouts.setdefault(_layout(head), []).append((path, stage, head))
    loaded: list[tuple[Path, Stage, Head]] = []
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
    summaries = Summary.of_batch(con, [stage.import_id for _p, stage, _h in loaded])
    for path, stage, head in loaded:
        _check_file(con, path, stage, head, summaries.get(stage.import_id, Summary.empty()))
    clean = [(path, stage, head) for path, stage, head in loaded if stage.ok]
    _stage_facts(con, [stage for _p, stage, _h in clean])
    # Rows are written only for a clean batch: a batch with any problem is rolled back anyway.
    if clean and all(stage.ok for _p, stage, _h in loaded) and clean[0][1].options.get("keep_street_records"):
        for group in _regroup(clean):
            _keep_records(con, group)
        for _path, stage, _head in clean:
            stage.direct_rows = summaries[stage.import_id].rows
            stage.datasets.add("street_records")


def _check_file(con: duckdb.DuckDBPyConnection, path: Path, stage: Stage, head: Head, summary: Summary) -> None:
    """Report one loaded file's problems from its summary (examples found by re-reading it), and its vintage."""
    if summary.rejects:
        report_rejects(stage, head, path, summary.rows)
    if summary.rows == 0 and not summary.rejects:
        stage.problem("empty-file", "the file has a header but no data rows", expected="street-level crime rows")
        return
    examples = Examples(con, path, head)
    resolve_areas(stage, summary, examples)
    check_values(stage, summary, examples)
    if summary.no_location:
        stage.notes.append(f"{summary.no_location} rows have no location (blank coordinates), as published")
    if summary.latest is not None:
        stage.vintage = stage.vintage or summary.latest


def _layout(head: Head) -> tuple[object, ...]:
    """Files read together must share a layout: width, column positions and compression."""
    return (len(head.header), head.gzipped, *sorted(head.positions.items()))


def _regroup(items: list[tuple[Path, Stage, Head]]) -> list[list[tuple[Path, Stage, Head]]]:
    groups: dict[tuple[object, ...], list[tuple[Path, Stage, Head]]] = {}
    for item in items:
        groups.setdefault(_layout(item[2]), []).append(item)
    return list(groups.values())


def _register_files(con: duckdb.DuckDBPyConnection, group: list[tuple[Path, Stage, Head]]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE street_files (path VARCHAR, import_id INTEGER)")
    con.execute("CREATE TEMP TABLE IF NOT EXISTS street_files_all (path VARCHAR, import_id INTEGER)")
    paths, ids = [str(p) for p, _s, _h in group], [s.import_id for _p, s, _h in group]
    for table in ("street_files", "street_files_all"):
        con.execute(f"INSERT INTO {table} SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[])", [paths, ids]).fetchall()


def _aggregate(con: duckdb.DuckDBPyConnection, group: list[tuple[Path, Stage, Head]]) -> None:
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
                       count(*) FILTER (WHERE {BAD_COORDINATE}),
                       -- Reading every column makes DuckDB check each for valid UTF-8.
                       sum(length(coalesce(location, '') || coalesce(lsoa_code, '') || coalesce(lsoa_name, '')
                                  || coalesce(last_outcome, '') || coalesce(context, '')))
                FROM (SELECT {select_columns(head)}, filename
                      FROM read_csv(?, {csv_options(head)}, filename = true, store_rejects = true,
                                    rejects_table = '{REJECTS}', rejects_scan = '{REJECT_SCANS}',
                                    rejects_limit = {REJECTS_LIMIT}))
                GROUP BY ALL) a
            JOIN street_files f ON a.filename = f.path""",
        [[str(p) for p, _s, _h in group]],
    ).fetchall()


def _keep_records(con: duckdb.DuckDBPyConnection, group: list[tuple[Path, Stage, Head]]) -> None:
    """Every row of a clean group into street_records, with its force's area code."""
    head = group[0][2]
    _register_files(con, group)
    targets = ", ".join(TARGET)
    con.execute(
        f"""INSERT INTO street_records (import_id, {targets}, area_code)
            SELECT f.import_id, {targets}, m.area_code FROM (
                SELECT {select_columns(head)}, filename FROM read_csv(?, {csv_options(head)}, filename = true)) r
            JOIN street_files f ON r.filename = f.path
            LEFT JOIN street_names m ON m.name = r.falls_within""",
        [[str(p) for p, _s, _h in group]],
    ).fetchall()


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
