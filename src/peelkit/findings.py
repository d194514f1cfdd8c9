"""Typed records of data problems, with stable codes, collected and reported together.

Every importer (warehouse sources, ledger imports, peer groups) reports to a :class:`ProblemSink` (in practice a
:class:`Problems`: the warehouse's ``Stage`` is one) and ends a failed all-or-nothing import with the one
:class:`ImportFailed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from peelkit.errors import PeelError
from peelkit.plural import counted

# Stable kebab-case codes -> short title. Tests and users may rely on the codes.
CODES: dict[str, str] = {
    "empty-file": "The file is empty",
    "unrecognised-file": "The file's content matches no known source",
    "wrong-encoding": "The file is not in the expected text encoding",
    "not-a-workbook": "The file is not a readable spreadsheet workbook",
    "truncated-file": "The file ends part-way through its data",
    "missing-column": "A required column is missing",
    "duplicate-column": "A column name appears twice",
    "missing-sheet": "A required sheet or table is missing",
    "wrong-field-count": "A row has a different number of fields from the header",
    "blank-value": "A required value is blank",
    "not-a-number": "A value that must be a number is not one",
    "negative-count": "A count is negative",
    "not-a-whole-number": "A count is not a whole number",
    "bad-date": "A date or period cannot be read",
    "bad-coordinate": "A longitude or latitude is out of range",
    "unknown-force": "A force or area name is not recognised",
    "code-name-mismatch": "An area code and its name disagree",
    "duplicate-key": "The same figure appears twice",
    "vintage-conflict": "A different file already holds this vintage of the same figures",
    "bad-geometry": "A boundary feature has no usable geometry",
    "missing-force": "A force expected in the file is absent",
    "bad-header": "A table's header row cannot be found or read",
    "bad-period": "A period label cannot be read",
    "unexpected-value": "A value is not one of those allowed",
    "bad-json": "The file is not valid JSON or not the expected JSON structure",
    "formula-cell": "A workbook cell holds a formula with no saved value",
}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")

    @property
    def title(self) -> str:
        return CODES[self.code]

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: [{self.code}] {self.message}"
        if self.value is not None:
            text += f" (found {self.value!r}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, **asdict(self)}


# A bad file can have a problem on every row: list this many of each kind per file, and count the rest.
FINDINGS_PER_CODE = 50


class FindingLimit:
    """Collects findings, keeping at most `limit` of each code per file so a bad file cannot flood memory."""

    def __init__(self, limit: int = FINDINGS_PER_CODE) -> None:
        self.limit = limit
        self.kept: list[Finding] = []
        self.suppressed: dict[tuple[str, str], int] = {}
        self._counts: dict[tuple[str, str], int] = {}

    def add(self, finding: Finding) -> None:
        key = (finding.file, finding.code)
        self._counts[key] = self._counts.get(key, 0) + 1
        if self._counts[key] <= self.limit:
            self.kept.append(finding)
        else:
            self.suppressed[key] = self.suppressed.get(key, 0) + 1

    @property
    def total(self) -> int:
        """Every finding added, listed or not."""
        return sum(self._counts.values())

    def more(self, file: str, code: str, count: int) -> None:
        """Count `count` further problems of a kind without listing them (bulk readers list examples)."""
        self.suppressed[(file, code)] = self.suppressed.get((file, code), 0) + count

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(finding)

    def __bool__(self) -> bool:
        return bool(self.kept)

    def summary_lines(self) -> list[str]:
        return [f"{file}: {count} more [{code}] problems not listed" for (file, code), count in self.suppressed.items()]


class ProblemSink(Protocol):
    """What a file reader (e.g. `peelkit.sources._csv.CsvRows`) reports each problem to."""

    file_label: str

    def problem(self, code: str, message: str, **where: Any) -> None: ...


class ImportFailed(PeelError):
    """Raised when any file of an import has problems; nothing was loaded. `store` names what is unchanged."""

    exit_code = 4
    http_status = 422

    def __init__(self, findings: list[Finding], suppressed: list[str] | None = None, *,
                 store: str = "warehouse") -> None:
        self.findings = findings
        self.suppressed = suppressed or []
        files = sorted({f.file for f in findings})
        super().__init__(
            f"{counted(len(findings), 'problem')} in {counted(len(files), 'file')}; nothing was imported and the "
            f"{store} is unchanged:\n"
            + "\n".join(f"  - {f}" for f in findings)
            + "".join(f"\n  - {line}" for line in self.suppressed)
        )


class Problems:
    """One file's problems, at most `limit` of each code listed (the rest counted): the one collector."""

    def __init__(self, file_label: str, limit: int = FINDINGS_PER_CODE) -> None:
        self.file_label = file_label
        self._limit = FindingLimit(limit)

    def problem(self, code: str, message: str, **where: Any) -> None:
        self._limit.add(Finding(code=code, message=message, file=self.file_label, **where))

    def more_problems(self, code: str, count: int) -> None:
        """Count `count` further problems of a kind without listing them (bulk readers list examples)."""
        self._limit.more(self.file_label, code, count)

    @property
    def findings(self) -> list[Finding]:
        return self._limit.kept

    @property
    def suppressed(self) -> list[str]:
        return self._limit.summary_lines()

    @property
    def count(self) -> int:
        """Problems recorded so far, listed or not (a reader compares it before and after checking a row)."""
        return self._limit.total

    @property
    def ok(self) -> bool:
        return not self.findings

    def raise_if_any(self, store: str = "warehouse") -> None:
        """End an all-or-nothing import: ImportFailed listing every problem, if there was one."""
        if self.findings:
            raise ImportFailed(self.findings, self.suppressed, store=store)
