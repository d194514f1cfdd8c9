"""`peel data import`: recognise each file by its content and load the whole batch atomically."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from peelkit import config, warehouse
from peelkit.errors import ConfigError
from peelkit.files import sha256_of
from peelkit.findings import Finding, ImportFailed
from peelkit.locks import exclusive
from peelkit.periods import VINTAGE_PATTERN
from peelkit.sources import REGISTRY, Sniff, Source, load_builtin_sources, sniff


# Files a data folder carries beside the data: documentation and checksums, never imported.
class NotARegularFile(ConfigError):
    """A path that is a pipe, socket or device: reading it could wait forever, so it is refused unread."""


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

    def lines(self) -> list[str]:
        """The report for people, one line per file (and per note)."""
        out = [f"loaded     {r.file_name}: {r.row_count:,} rows of {', '.join(r.datasets)} (vintage {r.vintage})"
               for r in self.loaded]
        out += [f"unchanged  {r.file_name}: already loaded as import {r.import_id}" for r in self.unchanged]
        out += [f"skipped    {Path(s.file).name}: {s.reason}" for s in self.skipped]
        out += [f"note       {note}" for note in self.notes]
        return out

    def to_dict(self) -> dict[str, object]:
        """The stable JSON form of `peel data import --format json`."""
        return {
            "loaded": [r.__dict__ for r in self.loaded],
            "unchanged": [r.__dict__ for r in self.unchanged],
            "skipped": [s.__dict__ for s in self.skipped],
            "notes": self.notes,
        }


def expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # is_file() is False for pipes, sockets and devices: a folder's are left out (opening a pipe waits
            # for a writer forever).
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path)))
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise NotARegularFile(f"{path}: not a regular file (a named pipe, socket or device); import files "
                                  "only, saved to disk first")
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
    utf16 = _utf16(found.head)
    if utf16 and found.container in ("text", "binary"):
        return Finding("wrong-encoding", f"the file is {utf16} text; save it as UTF-8 (CSV UTF-8 in Excel)", label,
                       row=1, expected="UTF-8 text")
    if found.container == "bomb":
        return Finding("not-a-workbook", "the archive would expand to far more than any published workbook (a "
                       "zip bomb, or not a spreadsheet): it was not opened", label,
                       expected="a published XLSX or ODS workbook (under 512 MB expanded)")
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


def _utf16(head: bytes) -> str | None:
    """'UTF-16' when the bytes are UTF-16 text (with a byte order mark, or ASCII with every other byte NUL)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = head[:512]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    # Text in UTF-16: one half of the bytes all NUL, the other half (the characters) none.
    for zeros, text in ((odd, even), (even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and text.count(0) <= 0.1 * len(text):
            return "UTF-16"
    return None


def import_paths(
    paths: Sequence[Path],
    *,
    vintage: str | None = None,
    db_path: Path | None = None,
    on_file: Callable[[Path], None] | None = None,
    synthetic: bool = False,
    keep_street_records: bool = False,
    wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
    expect_force: str | None = None,
) -> ImportReport:
    """Import every file under `paths` in one transaction: all of it, or (on any problem) none of it. One import
    at a time per warehouse: another one running makes this one wait (`wait`) or raise Busy (exit 7).
    `expect_force` (a GSS code) refuses a force return of any other force."""
    if vintage is not None and not VINTAGE_PATTERN.match(vintage):
        raise ConfigError(f"--vintage {vintage!r} must look like 2018-12 or 2018-12-14 (the release date)")
    load_builtin_sources()
    files = expand(paths)
    target = db_path or config.warehouse_path()
    with exclusive(target.with_name(target.name + ".lock"), f"`peel data import` into {target}", wait=wait,
                   on_wait=on_wait):
        return _import(files, vintage=vintage, db_path=target, on_file=on_file,
                       options={"keep_street_records": keep_street_records, "synthetic": synthetic,
                                "expect_force": expect_force})


def _import(files: list[Path], *, vintage: str | None, db_path: Path, on_file: Callable[[Path], None] | None,
            options: dict[str, object]) -> ImportReport:
    report = ImportReport()
    findings: list[Finding] = []
    suppressed: list[str] = []
    seen_hashes: dict[str, str] = {}
    con = warehouse.connect(db_path)
    _bound_memory(con)
    con.execute("BEGIN TRANSACTION")
    committed = False
    try:
        warehouse.prepare_staging(con)
        recognised: list[tuple[Path, Source]] = []
        for path in files:
            if on_file:
                on_file(path)
            source = _recognise_one(path, report, findings)
            if source is not None:
                recognised.append((path, source))
        pending = _new_files(con, recognised, report, seen_hashes)
        ids = warehouse.allocate_import_ids(con, len(pending))
        for item, import_id in zip(pending, ids, strict=True):
            item.stage = warehouse.Stage(con, str(item.path), vintage=vintage, import_id=import_id,
                                         options=dict(options))
        _read_all(pending)
        _finish(pending, bool(options["synthetic"]), report, findings, suppressed)
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


def _recognise_one(path: Path, report: ImportReport, findings: list[Finding]) -> Source | None:
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
    return source


def _new_files(
    con: duckdb.DuckDBPyConnection,
    recognised: list[tuple[Path, Source]],
    report: ImportReport,
    seen_hashes: dict[str, str],
) -> list[_Pending]:
    """The recognised files not loaded before (by SHA-256), hashed two at a time (hashlib frees the GIL)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = list(pool.map(sha256_of, [path for path, _source in recognised]))
    previous = {row[-1]: row for row in con.execute(
        """SELECT import_id, source, file_name, vintage, datasets, row_count, sha256 FROM imports
           WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))""", [digests]).fetchall()}
    pending = []
    for (path, source), digest in zip(recognised, digests, strict=True):
        if digest in previous:
            row = previous[digest]
            report.unchanged.append(warehouse.ImportRecord(
                row[0], row[1], row[2], digest, row[3], tuple(row[4]), row[5], "already loaded"))
        elif digest in seen_hashes:
            report.skipped.append(Skipped(str(path), f"same content as {seen_hashes[digest]}"))
        else:
            seen_hashes[digest] = str(path)
            pending.append(_Pending(path, source, digest))
    return pending


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


def _finish(pending: list[_Pending], synthetic: bool, report: ImportReport, findings: list[Finding],
            suppressed: list[str]) -> None:
    stages = [item.stage for item in pending if item.stage is not None]
    warehouse.check_batch(stages)
    clean = []
    for item in pending:
        stage = item.stage
        assert stage is not None
        report.notes.extend(f"{stage.file_label}: {note}" for note in stage.notes)
        if stage.ok:
            clean.append((stage, warehouse.FileMeta(item.source.name, item.source.publisher, item.path, item.digest)))
        else:
            findings.extend(stage.findings)
            suppressed.extend(stage.suppressed)
    if not findings:
        report.loaded.extend(warehouse.commit_batch(clean, synthetic))
