"""Reading delimited text tables row by row with every problem recorded against file, row and column."""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from peelkit import forces, periods
from peelkit.findings import ProblemSink
from peelkit.forces import Area
from peelkit.warehouse import Stage

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _open_text(path: Path) -> IO[str]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    raw: IO[bytes] = gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")  # type: ignore[assignment]  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")


class CsvRows:
    """Iterate the rows of a CSV as dicts, after checking the header has the required columns.

    Rows are numbered as a spreadsheet would show them: the header is row 1, and a record whose quoted field
    spans several lines is still one row. Problems go to any `ProblemSink` (a warehouse Stage, or the
    `peelkit.findings.Problems` of a ledger import).
    """

    def __init__(self, path: Path, stage: ProblemSink, required: list[str], optional: tuple[str, ...] = ()) -> None:
        self.path = path
        self.stage = stage
        self.required = required
        self.optional = optional
        self.header: list[str] = []
        self.columns: dict[str, int] = {}

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        stage = self.stage
        try:
            with _open_text(self.path) as handle:
                reader = csv.reader(handle)
                self._reader = reader
                try:
                    header = next(reader)
                except StopIteration:
                    stage.problem("empty-file", "the file has no header row and no data", expected="a CSV table")
                    return
                if not self._check_header(header):
                    return
                width = len(header)
                last_row: tuple[int, list[str]] | None = None
                for row_number, fields in enumerate(reader, start=2):
                    if not any(f.strip() for f in fields):
                        continue
                    if last_row is not None:
                        yield from self._emit(*last_row, width)
                    last_row = (row_number, fields)
                if last_row is None:
                    stage.problem("empty-file", "the file has a header but no data rows", expected="data rows")
                    return
                row_number, fields = last_row
                if len(fields) < width:
                    stage.problem(
                        "truncated-file",
                        f"the last row has {len(fields)} of {width} fields: the file looks cut short; "
                        "download or export it again",
                        row=row_number,
                    )
                    return
                yield from self._emit(row_number, fields, width)
        except UnicodeDecodeError as error:
            stage.problem(
                "wrong-encoding",
                f"byte {error.object[error.start:error.start + 1]!r} cannot be read as UTF-8 "
                f"{self._where_text()}; save the file as UTF-8 (CSV UTF-8 in Excel)",
                expected="UTF-8 text", row=self._line_guess(),
            )
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:
            stage.problem(
                "truncated-file", f"the compressed file ends early ({error}); download it again",
                expected="a complete gzip file",
            )
        except csv.Error as error:
            row = self._line_guess()
            if "field larger than field limit" in str(error):
                stage.problem("wrong-field-count", f"a field is longer than {csv.field_size_limit():,} characters, "
                              "so the row cannot be split into fields (a quote left open, or not a CSV table)",
                              row=row, expected=f"fields of at most {csv.field_size_limit():,} characters")
            else:
                stage.problem("wrong-field-count", f"the CSV cannot be parsed: {error}", row=row,
                              expected="valid CSV")

    def _line_guess(self) -> int:
        """The row being read when reading failed (the header is row 1)."""
        reader = getattr(self, "_reader", None)
        return reader.line_num + 1 if reader is not None else 1

    def _where_text(self) -> str:
        row = self._line_guess()
        return "in the header" if row == 1 else f"near row {row}"

    def _emit(self, row_number: int, fields: list[str], width: int) -> Iterator[tuple[int, dict[str, str]]]:
        if len(fields) != width:
            self.stage.problem(
                "wrong-field-count",
                f"row has {len(fields)} fields but the header has {width}",
                row=row_number,
                expected=f"{width} fields",
            )
            return
        yield row_number, {name: fields[index] for name, index in self.columns.items()}

    def _check_header(self, header: list[str]) -> bool:
        self.header = [h.strip() for h in header]
        lowered = [h.lower() for h in self.header]
        ok = True
        for name in {h for h in lowered if lowered.count(h) > 1 and h}:
            self.stage.problem("duplicate-column", f"column {name!r} appears more than once", row=1, column=name)
            ok = False
        for name in [*self.required, *self.optional]:
            if name.lower() in lowered:
                self.columns[name] = lowered.index(name.lower())
            elif name in self.required:
                close = difflib.get_close_matches(name.lower(), lowered, n=1, cutoff=0.6)
                hint = f"; found {self.header[lowered.index(close[0])]!r} instead" if close else ""
                self.stage.problem(
                    "missing-column",
                    f"required column {name!r} is missing{hint}",
                    row=1,
                    column=name,
                    expected=", ".join(self.required),
                )
                ok = False
        return ok


def parse_count(
    stage: Stage, text: str, row: int, column: str, allow_na: tuple[str, ...] = (), allow_negative: bool = False
) -> int | None:
    """A whole number (non-negative unless `allow_negative`); records a finding and returns None otherwise."""
    value = text.strip().replace(",", "")
    if value in allow_na:
        return None
    if not value:
        stage.problem("blank-value", "the count is blank", row=row, column=column, expected="a whole number")
        return None
    if not _NUMBER.match(value):
        stage.problem("not-a-number", "the count is not a number", row=row, column=column, value=text,
                      expected="a whole number such as 1234")
        return None
    number = float(value)
    if number < 0 and not allow_negative:
        stage.problem("negative-count", "a count cannot be negative", row=row, column=column, value=text,
                      expected="zero or more")
        return None
    if number != int(number):
        stage.problem("not-a-whole-number", "a count must be a whole number", row=row, column=column,
                      value=text, expected="a whole number")
        return None
    return int(number)


def parse_area(stage: Stage, text: str, row: int, column: str) -> Area | None:
    area = forces.find(text)
    if area is None:
        suggestions = forces.suggest(text)
        hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 force names"
        stage.problem("unknown-force", f"{text.strip()!r} is not a known police force or area", row=row,
                      column=column, value=text, expected=hint)
    return area


def parse_dmy(stage: Stage, text: str, row: int, column: str) -> date | None:
    try:
        day, month, year = (int(p) for p in text.strip().split("-"))
        found = date(year, month, day)
    except (ValueError, TypeError):
        stage.problem("bad-date", "the date cannot be read", row=row, column=column, value=text,
                      expected="a date as dd-mm-yyyy")
        return None
    return check_plausible(stage, found, text, row=row, column=column)


def check_plausible(stage: Stage, day: date, text: str, code: str = "bad-date", **where: Any) -> date | None:
    """`day` if a release can cover it, else a problem (a typo such as 9999 would become the newest vintage)."""
    if periods.plausible(day):
        return day
    stage.problem(code, "the date is outside the years any release covers", value=text,
                  expected=periods.plausible_text(), **where)
    return None


def stage_offence_codes(stage: Stage, codes: dict[str, tuple[str, str, str]]) -> None:
    """Stage a Home Office file's offence codes: code -> (description, group, subgroup)."""
    stage.add_rows("offence_codes", {
        "offence_code": list(codes),
        "description": [v[0] for v in codes.values()],
        "offence_group": [v[1] for v in codes.values()],
        "offence_subgroup": [v[2] for v in codes.values()],
    })
