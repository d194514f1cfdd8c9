"""One module per official source. Each registers a `Source`: how to recognise its files by content,
and how to read them into a warehouse `Stage`."""

from __future__ import annotations

import gzip
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peelkit.warehouse import Stage

Reader = Callable[[Path, Stage], None]
# A bulk reader takes every file of its source in the batch at once (one scan instead of one per file).
BatchReader = Callable[[list[tuple[Path, Stage]]], None]


@dataclass(frozen=True)
class Sniff:
    """The first bytes of a file, decompressed, and what kind of container it is."""

    path: Path
    head: bytes
    container: str  # "text", "gzip", "xlsx", "ods", "zip", "bomb" (expands too far), "binary", "empty"
    sheet_names: tuple[str, ...] = ()

    def header_fields(self) -> list[str]:
        import csv

        # Only the first line: every registered source asks, for every file of a batch.
        first = self.head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").rstrip("\r")
        try:
            return [f.strip() for f in next(csv.reader([first]))]
        except (StopIteration, csv.Error):
            return []


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    publisher: str
    score: Callable[[Sniff], float]  # 0 = not this source; 1 = certainly this source
    read: Reader
    urls: tuple[str, ...] = field(default=())
    kind: str = "warehouse"  # "warehouse" loads facts; "ledger" belongs to another command
    read_many: BatchReader | None = None


REGISTRY: dict[str, Source] = {}


def register(source: Source) -> Source:
    if source.name in REGISTRY:
        raise ValueError(f"source {source.name} registered twice")
    REGISTRY[source.name] = source
    return source


def sniff(path: Path, size: int = 65536) -> Sniff:
    with path.open("rb") as handle:
        raw = handle.read(size)
    if not raw.strip():
        return Sniff(path, b"", "empty")
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                return Sniff(path, handle.read(size), "gzip")
        except (OSError, EOFError):
            # A gzip cut short: recognise it by what does decompress, so its reader can say it is truncated.
            try:
                partial = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, size)
            except zlib.error:
                partial = b""
            return Sniff(path, partial, "gzip") if partial.strip() else Sniff(path, b"", "binary")
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if _expands_too_far(archive.infolist()):
                    return Sniff(path, raw, "bomb")
        except zipfile.BadZipFile:
            return Sniff(path, raw, "binary")
        if "xl/workbook.xml" in names:
            return Sniff(path, raw, "xlsx", _sheet_names(path))
        if "content.xml" in names:
            return Sniff(path, raw, "ods", _sheet_names(path))
        return Sniff(path, raw, "zip")
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Sniff(path, raw, "binary")
    return Sniff(path, raw, "text")


# Published workbooks expand about 5 times (at most ~12 times for one member) to under 1 MB; a zip bomb expands
# thousands of times. Refused before any reader decompresses it.
MAX_EXPANDED_BYTES = 512 * 1024 * 1024
MAX_MEMBER_RATIO = 200


def _expands_too_far(members: list[zipfile.ZipInfo]) -> bool:
    total = sum(m.file_size for m in members)
    ratios = (m.file_size / max(m.compress_size, 1) for m in members if m.file_size > 1024 * 1024)
    return total > MAX_EXPANDED_BYTES or any(ratio > MAX_MEMBER_RATIO for ratio in ratios)


def _sheet_names(path: Path) -> tuple[str, ...]:
    from python_calamine import CalamineWorkbook

    try:
        return tuple(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception:  # calamine raises several types for broken workbooks
        return ()


def header_score(found: list[str], expected: list[str]) -> float:
    """Share of the expected columns present (case and spacing ignored)."""
    have = {f.strip().lower() for f in found}
    return sum(1 for e in expected if e.lower() in have) / len(expected)


def load_builtin_sources() -> dict[str, Source]:
    # Importing the modules registers them, built-ins the same way as extensions.
    from peelkit.sources import (  # noqa: F401
        boundaries,
        force_return,
        hmicfrs_grades,
        home_office_open_data,
        home_office_outcomes,
        home_office_rolling,
        lookups,
        ons_pfa_tables,
        ons_population_csv,
        police_uk_street,
    )

    return REGISTRY
