"""The DuckDB warehouse: tidy facts with provenance and vintages, loaded atomically."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from peelkit import config
from peelkit.findings import FINDINGS_PER_CODE, Problems

SCHEMA_VERSION = 1

# Every fact is one number for one area, period and measure; `offence` and `outcome_type` carry the
# breakdown where a source has one (an offence group label, or a Home Office offence code).
FACT_KEY = ("dataset", "area_code", "period_start", "period_end", "measure", "offence", "outcome_type")

FACT_COLUMNS: dict[str, str] = {
    "dataset": "VARCHAR NOT NULL",
    "area_code": "VARCHAR NOT NULL",
    "period_start": "DATE NOT NULL",
    "period_end": "DATE NOT NULL",
    "measure": "VARCHAR NOT NULL",
    "offence": "VARCHAR",
    "outcome_type": "SMALLINT",
    "value": "DOUBLE",
    "marker": "VARCHAR",
}

# Tables other than facts that sources fill; each row also gets the import_id it came from.
SIDE_TABLES: dict[str, dict[str, str]] = {
    "offence_codes": {
        "offence_code": "VARCHAR",
        "description": "VARCHAR",
        "offence_group": "VARCHAR",
        "offence_subgroup": "VARCHAR",
    },
    "outcome_types": {"outcome_type": "SMALLINT", "description": "VARCHAR", "outcome_group": "VARCHAR"},
    "street_records": {
        "crime_id": "VARCHAR",
        "month": "DATE",
        "reported_by": "VARCHAR",
        "falls_within": "VARCHAR",
        "area_code": "VARCHAR",
        "longitude": "DOUBLE",
        "latitude": "DOUBLE",
        "location": "VARCHAR",
        "lsoa_code": "VARCHAR",
        "lsoa_name": "VARCHAR",
        "crime_type": "VARCHAR",
        "last_outcome": "VARCHAR",
        "context": "VARCHAR",
    },
    "boundaries": {"area_code": "VARCHAR", "name": "VARCHAR", "geometry": "VARCHAR", "properties": "VARCHAR"},
    "lsoa_force": {
        "lsoa_code": "VARCHAR",
        "lsoa_name": "VARCHAR",
        "local_authority_code": "VARCHAR",
        "local_authority_name": "VARCHAR",
        "area_code": "VARCHAR",
    },
    # One row per item of a force data return: whether the force supplied it, in part, or could not, and why.
    "return_items": {
        "area_code": "VARCHAR",
        "item": "VARCHAR",
        "period_start": "DATE",
        "period_end": "DATE",
        "status": "VARCHAR",
        "reason": "VARCHAR",
    },
    "offence_categories": {
        "offence_code": "VARCHAR",
        "description": "VARCHAR",
        "offence_group": "VARCHAR",
        "offence_subgroup": "VARCHAR",
        "police_uk_category": "VARCHAR",
    },
}


# A force's current data return is its latest submission (the highest import with return items); earlier
# submissions stay in the warehouse as history. Indicators and checks both read returns through this.
CURRENT_RETURNS_SQL = "SELECT area_code, max(import_id) AS import_id FROM return_items GROUP BY area_code"


def current_returns(path: Path) -> dict[str, int] | None:
    """Force code -> import id of its current return; None when there is no warehouse."""
    if not path.exists():
        return None
    con = connect(path, read_only=True)
    try:
        rows = con.execute(f"SELECT area_code, import_id FROM ({CURRENT_RETURNS_SQL})").fetchall()
    finally:
        con.close()
    return {str(code): int(import_id) for code, import_id in rows}


def _ddl() -> list[str]:
    facts = ", ".join(f"{name} {kind}" for name, kind in FACT_COLUMNS.items())
    statements = [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        "CREATE SEQUENCE IF NOT EXISTS import_ids START 1",
        """CREATE TABLE IF NOT EXISTS imports (
            import_id INTEGER PRIMARY KEY, source VARCHAR NOT NULL, publisher VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL, file_path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL UNIQUE,
            vintage VARCHAR NOT NULL, datasets VARCHAR[] NOT NULL, row_count BIGINT NOT NULL,
            synthetic BOOLEAN NOT NULL DEFAULT FALSE, imported_at TIMESTAMP NOT NULL)""",
        f"CREATE TABLE IF NOT EXISTS facts (vintage VARCHAR NOT NULL, import_id INTEGER NOT NULL, {facts})",
        # Newer vintages revise older ones figure by figure; a period a newer release no longer carries
        # keeps its value from the latest release that did.
        f"""CREATE OR REPLACE VIEW latest_facts AS SELECT * FROM facts
            QUALIFY row_number() OVER (PARTITION BY {", ".join(FACT_KEY)} ORDER BY vintage DESC) = 1""",
    ]
    for table, columns in SIDE_TABLES.items():
        cols = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        statements.append(f"CREATE TABLE IF NOT EXISTS {table} (import_id INTEGER NOT NULL, {cols})")
    return statements




def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if need be) the warehouse with its schema."""
    path = path or config.warehouse_path()
    if read_only and not path.exists():
        con = duckdb.connect(":memory:")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            # DuckDB lets one process write a file (and then no other process open it): say so plainly.
            from peelkit.locks import Busy

            found = re.search(r"PID (\d+)", str(error))
            holder = f" (process {found.group(1)})" if found else ""
            raise Busy(f"the warehouse {path} is in use by another process{holder}, e.g. an import still "
                       "running; wait for it to finish and run this again") from None
    if not read_only or not path.exists():
        for statement in _ddl():
            con.execute(statement)
        con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING", [str(SCHEMA_VERSION)]
        )
    return con


def prepare_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Create the per-connection staging tables once; every Stage's rows carry its own `stage_no`."""
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS stage_facts AS "
        "SELECT 0 AS stage_no, * EXCLUDE (vintage, import_id) FROM facts LIMIT 0"
    )
    for table in SIDE_TABLES:
        con.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS stage_{table} AS "
            f"SELECT 0 AS stage_no, * EXCLUDE (import_id) FROM {table} LIMIT 0"
        )


def allocate_import_ids(con: duckdb.DuckDBPyConnection, count: int) -> list[int]:
    if count == 0:
        return []
    return [int(r[0]) for r in con.execute("SELECT nextval('import_ids') FROM range(?)", [count]).fetchall()]


def _insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list[Any]]) -> None:
    """Insert many rows in one statement (executemany sends one statement per row)."""
    if not next(iter(columns.values())):
        return
    names = ", ".join(columns)
    unnests = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    con.execute(f"INSERT INTO {table} ({names}) SELECT {unnests}", list(columns.values())).fetchall()


@dataclass
class Stage(Problems):
    """What one file's reader hands to the warehouse: staged rows and the problems it found.

    Readers call `add_facts` / `add_rows` with columns (lists of equal length), and `problem` for each
    problem. Bulk readers may instead write straight into a warehouse table with `import_id` (the batch
    transaction still makes that all or nothing) and add what they wrote to `direct_rows`. Nothing of the
    batch is committed unless every file of it is clean. Problems are collected as by any importer
    (`peelkit.findings.Problems`).
    """

    con: duckdb.DuckDBPyConnection
    file_label: str
    vintage: str | None = None
    datasets: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    row_count: int = 0
    direct_rows: int = 0
    max_findings_per_code: int = FINDINGS_PER_CODE
    import_id: int = 0
    touched: set[str] = field(default_factory=set)
    options: dict[str, Any] = field(default_factory=dict)  # import options a reader may honour

    def __post_init__(self) -> None:
        Problems.__init__(self, self.file_label, self.max_findings_per_code)
        # The importer has called prepare_staging() on this connection once for the batch, and usually
        # allocated the ids in one go. The id is known up front so bulk readers can write rows that
        # already carry their provenance.
        if not self.import_id:
            (self.import_id,) = allocate_import_ids(self.con, 1)

    def add_facts(self, columns: dict[str, Sequence[Any]]) -> None:
        self._add("stage_facts", FACT_COLUMNS, columns)
        self.datasets.update(set(columns["dataset"]))

    def add_rows(self, table: str, columns: dict[str, Sequence[Any]]) -> None:
        self._add(f"stage_{table}", SIDE_TABLES[table], columns)

    def _add(self, target: str, schema: dict[str, str], columns: dict[str, Sequence[Any]]) -> None:
        import pyarrow as pa

        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of unequal length staged for {target}")
        if not lengths or lengths == {0}:
            return
        unknown = set(columns) - set(schema)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)} staged for {target}")
        stage_batch = pa.table({name: list(values) for name, values in columns.items()})  # noqa: F841
        names = ", ".join(columns)
        # DuckDB finds `stage_batch` by name in this frame (a replacement scan); register() would refuse to
        # run while a reader's earlier result is still open on the connection.
        self.con.execute(
            f"INSERT INTO {target} (stage_no, {names}) SELECT ?, {names} FROM stage_batch", [self.import_id]
        ).fetchall()
        self.touched.add(target)


@dataclass(frozen=True)
class ImportRecord:
    import_id: int
    source: str
    file_name: str
    sha256: str
    vintage: str
    datasets: tuple[str, ...]
    row_count: int
    status: str  # "loaded" or "already loaded"


def _stage_vintages(con: duckdb.DuckDBPyConnection, stages: list[Stage]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE stage_vintages (stage_no INTEGER, vintage VARCHAR)")
    known = [s for s in stages if s.vintage is not None]
    _insert_columns(con, "stage_vintages", {"stage_no": [s.import_id for s in known],
                                            "vintage": [s.vintage for s in known]})


def check_batch(stages: list[Stage]) -> None:
    """Problems only visible once files are fully staged: repeated figures, clashes with loaded vintages.

    One query each for the whole batch (a national street-level batch has hundreds of files).
    """
    stages = [s for s in stages if s.ok]
    if not stages:
        return
    con = stages[0].con
    by_no = {s.import_id: s for s in stages}
    key = ", ".join(FACT_KEY)
    duplicates = con.execute(
        f"""SELECT stage_no, {key}, count(*) FROM stage_facts WHERE stage_no IN (SELECT unnest(?::INTEGER[]))
            GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT 1000""",
        [list(by_no)],
    ).fetchall()
    for dup in duplicates:
        label = ", ".join(f"{k}={v}" for k, v in zip(FACT_KEY, dup[1:-1], strict=True) if v is not None)
        by_no[dup[0]].problem("duplicate-key", f"the figure for {label} appears {dup[-1]} times; keep one row")
    _stage_vintages(con, stages)
    # offence and outcome_type are often NULL, and NULL = NULL is not true in SQL.
    null_safe = " AND ".join(f"f.{k} IS NOT DISTINCT FROM s.{k}" for k in FACT_KEY)
    clashes = con.execute(
        f"""SELECT s.stage_no, v.vintage, arg_min(i.file_name, f.import_id), arg_min(f.dataset, f.import_id),
                   arg_min(f.area_code, f.import_id), arg_min(f.period_end, f.import_id)
            FROM stage_facts s JOIN stage_vintages v USING (stage_no)
            JOIN facts f ON f.vintage = v.vintage AND {null_safe}
            JOIN imports i ON i.import_id = f.import_id
            GROUP BY s.stage_no, v.vintage""",
    ).fetchall()
    for stage_no, vintage, file_name, dataset, area, period_end in clashes:
        by_no[stage_no].problem(
            "vintage-conflict",
            f"{file_name} already holds vintage {vintage} of {dataset} (e.g. {area} to {period_end}) with "
            "other content; if this is a newer release, import it with --vintage YYYY-MM-DD naming its "
            "release date",
            value=vintage,
        )


RECORD_TABLES = frozenset({"street_records", "boundaries", "lsoa_force", "offence_categories", "return_items"})


@dataclass(frozen=True)
class FileMeta:
    source: str
    publisher: str
    path: Path
    sha256: str


def commit_batch(stages: list[tuple[Stage, FileMeta]], synthetic: bool = False) -> list[ImportRecord]:
    """Move every staged row into the warehouse tables and record each file's provenance: a few statements
    for the whole batch. The caller commits the transaction."""
    if not stages:
        return []
    con = stages[0][0].con
    for stage, meta in stages:
        if stage.vintage is None:
            raise ValueError(f"{meta.path}: a staged file needs a vintage before it is committed")
    plain = [stage for stage, _meta in stages]
    ids = [stage.import_id for stage in plain]
    _stage_vintages(con, plain)
    counts: dict[int, int] = {stage.import_id: stage.direct_rows for stage in plain}
    if any("stage_facts" in s.touched for s in plain):
        for stage_no, n in con.execute(
                "SELECT stage_no, count(*) FROM stage_facts WHERE stage_no IN (SELECT unnest(?::INTEGER[])) "
                "GROUP BY 1", [ids]).fetchall():
            counts[stage_no] += n
        con.execute(
            """INSERT INTO facts SELECT v.vintage, s.stage_no, s.* EXCLUDE (stage_no)
               FROM stage_facts s JOIN stage_vintages v USING (stage_no)""").fetchall()
        con.execute("DELETE FROM stage_facts WHERE stage_no IN (SELECT unnest(?::INTEGER[]))", [ids]).fetchall()
    by_no = {stage.import_id: stage for stage in plain}
    for table in SIDE_TABLES:
        if not any(f"stage_{table}" in s.touched for s in plain):
            continue
        if table in RECORD_TABLES:
            # Code lists (offence codes, outcome types) describe the figures; they are not rows of data.
            for stage_no, n in con.execute(
                    f"SELECT stage_no, count(*) FROM stage_{table} WHERE stage_no IN (SELECT unnest(?::INTEGER[])) "
                    "GROUP BY 1", [ids]).fetchall():
                counts[stage_no] += n
                by_no[stage_no].datasets.add(table)
        con.execute(f"""INSERT INTO {table} SELECT stage_no, * EXCLUDE (stage_no) FROM stage_{table}
                        WHERE stage_no IN (SELECT unnest(?::INTEGER[]))""", [ids]).fetchall()
        con.execute(f"DELETE FROM stage_{table} WHERE stage_no IN (SELECT unnest(?::INTEGER[]))", [ids]).fetchall()
    now = datetime.now(UTC).replace(tzinfo=None)
    records = []
    rows = []
    for stage, meta in stages:
        stage.row_count = counts[stage.import_id]
        datasets = tuple(sorted(stage.datasets))
        rows.append([stage.import_id, meta.source, meta.publisher, meta.path.name, str(meta.path), meta.sha256,
                     stage.vintage, list(datasets), stage.row_count, synthetic, now])
        records.append(ImportRecord(stage.import_id, meta.source, meta.path.name, meta.sha256,
                                    stage.vintage or "", datasets, stage.row_count, "loaded"))
    names = ("import_id", "source", "publisher", "file_name", "file_path", "sha256", "vintage", "datasets",
             "row_count", "synthetic", "imported_at")
    _insert_columns(con, "imports", {name: [row[i] for row in rows] for i, name in enumerate(names)})
    return records

