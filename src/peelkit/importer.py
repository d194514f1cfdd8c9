"""`peel data import`: recognise each file by its content and load the whole batch atomically."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from peelkit import warehouse
from peelkit.errors import ConfigError
from peelkit.findings import Finding, ImportFailed
from peelkit.periods import VINTAGE_PATTERN
from peelkit.sources import REGISTRY, Sniff, Source, load_builtin_sources, sniff

# Files a data folder carries beside the data: documentation and checksums, never imported.
IGNORED_NAMES = {"SHA256SUMS", "README", "LICENSE", "MANIFEST"}
IGNORED_SUFFIXES = {".md", ".txt", ".sha256", ".json.sig", ".pdf", ".html"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".xls"}
MIN_SCORE = 0.5


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


@dataclass
class ImportReport:
    loaded: list[warehouse.ImportRecord] = field(default_factory=list)
    unchanged: list[warehouse.ImportRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path)))
        elif path.exists():
            files.append(path)
        else:
            raise ConfigError(f"{path}: no such file or folder")
    return files


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _ignored(path: Path) -> bool:
    return path.name.split(".")[0].upper() in IGNORED_NAMES or path.suffix.lower() in IGNORED_SUFFIXES


def recognise(found: Sniff, label: str) -> Source | Finding:
    """The source a file belongs to, judged by its content; or the finding that says why none fits."""
    suffix = found.path.suffix.lower()
    if found.container == "empty":
        return Finding("empty-file", "the file is empty", label, expected="an official data file")
    if found.container in ("xlsx", "ods") and not found.sheet_names:
        return Finding("not-a-workbook", "the workbook cannot be opened (it may be damaged or password "
                       "protected); open it in a spreadsheet program and save it again", label,
                       expected="a readable XLSX or ODS workbook")
    if suffix in WORKBOOK_SUFFIXES and found.container not in ("xlsx", "ods"):
        return Finding("not-a-workbook", f"the file is named {suffix} but is not a readable workbook; "
                       "open it in a spreadsheet program and save it again as .xlsx or .ods", label,
                       expected="an XLSX or ODS workbook")
    scored = sorted(((s.score(found), s.name) for s in REGISTRY.values()), reverse=True)
    best_score, best = scored[0]
    if best_score < MIN_SCORE:
        names = "; ".join(s.title for s in REGISTRY.values())
        return Finding("unrecognised-file", f"the content matches none of the known sources ({names})",
                       label, expected="one of the official files listed in the data README")
    return REGISTRY[best]


def import_paths(
    paths: Sequence[Path],
    *,
    vintage: str | None = None,
    db_path: Path | None = None,
    on_file: Callable[[Path], None] | None = None,
    synthetic: bool = False,
) -> ImportReport:
    """Import every file under `paths` in one transaction: all of it, or (on any problem) none of it."""
    if vintage is not None and not VINTAGE_PATTERN.match(vintage):
        raise ConfigError(f"--vintage {vintage!r} must look like 2018-12 or 2018-12-14 (the release date)")
    load_builtin_sources()
    files = expand(paths)
    report = ImportReport()
    findings: list[Finding] = []
    suppressed: list[str] = []
    seen_hashes: dict[str, str] = {}
    con = warehouse.connect(db_path)
    _bound_memory(con)
    con.execute("BEGIN TRANSACTION")
    committed = False
    try:
        pending: list[_Pending] = []
        for path in files:
            if on_file:
                on_file(path)
            item = _recognise_one(con, path, report, findings, seen_hashes)
            if item is not None:
                item.stage = warehouse.Stage(con, str(path), vintage=vintage)
                pending.append(item)
        _read_all(pending)
        for item in pending:
            _finish(item, synthetic, report, findings, suppressed)
        if findings:
            raise ImportFailed(findings, suppressed)
        con.execute("COMMIT")
        committed = True
    finally:
        if not committed:
            with contextlib.suppress(duckdb.Error):  # the transaction may already be aborted
                con.execute("ROLLBACK")
        con.close()
    return report


# DuckDB's buffer pool: enough for fast bulk loads, small enough that a national batch stays under 1 GB
# (above it DuckDB spills to its temp directory in PEEL_HOME).
MEMORY_LIMIT = "512MB"


def _bound_memory(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")


@dataclass
class _Pending:
    path: Path
    source: Source
    digest: str
    stage: warehouse.Stage | None = None


def _recognise_one(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    report: ImportReport,
    findings: list[Finding],
    seen_hashes: dict[str, str],
) -> _Pending | None:
    label = str(path)
    if _ignored(path):
        report.skipped.append(Skipped(label, "documentation or checksum file, not data"))
        return None
    found = sniff(path)
    source = recognise(found, label)
    if isinstance(source, Finding):
        findings.append(source)
        return None
    if source.kind != "warehouse":
        report.skipped.append(Skipped(label, f"{source.title}: {source.kind} data, not warehouse statistics"))
        return None
    digest = warehouse.sha256_of(path)
    previous = con.execute(
        "SELECT import_id, source, file_name, vintage, datasets, row_count FROM imports WHERE sha256 = ?",
        [digest],
    ).fetchone()
    if previous:
        report.unchanged.append(warehouse.ImportRecord(
            previous[0], previous[1], previous[2], digest, previous[3], tuple(previous[4]), previous[5],
            "already loaded"))
        return None
    if digest in seen_hashes:
        report.skipped.append(Skipped(label, f"same content as {seen_hashes[digest]}"))
        return None
    seen_hashes[digest] = label
    return _Pending(path, source, digest)


def _read_all(pending: list[_Pending]) -> None:
    """Read each file; a source with a bulk reader gets all of its files in one call."""
    by_source: dict[str, list[_Pending]] = {}
    for item in pending:
        by_source.setdefault(item.source.name, []).append(item)
    for items in by_source.values():
        source = items[0].source
        if source.read_many is not None:
            source.read_many([(item.path, item.stage) for item in items if item.stage is not None])
        else:
            for item in items:
                assert item.stage is not None
                source.read(item.path, item.stage)


def _finish(item: _Pending, synthetic: bool, report: ImportReport, findings: list[Finding],
            suppressed: list[str]) -> None:
    stage = item.stage
    assert stage is not None
    if stage.ok:
        warehouse.check_staged(stage)
    report.notes.extend(f"{stage.file_label}: {note}" for note in stage.notes)
    if not stage.ok:
        findings.extend(stage.findings)
        suppressed.extend(stage.suppressed)
        return
    report.loaded.append(warehouse.commit_stage(
        stage, source=item.source.name, publisher=item.source.publisher, path=item.path, sha256=item.digest,
        synthetic=synthetic))
