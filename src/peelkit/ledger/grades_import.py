"""`peel ledger import-grades FILE`: the public PEEL effectiveness grades (force, year, question, grade,
last_inspected, source_url, evidence, confidence) into the judgment ledger.

Every row is checked first (force known, with suggestions; programme year and question known; grade on the
framework's scale; last_inspected a known year not after the row's year; no repeated force/year/question), and
every problem is reported with its row number (the header is row 1, so the first data row is row 2; a record
whose quoted field spans several lines is one row, as a spreadsheet shows it). The file is read with the shared
CSV reader (`peelkit.sources._csv.CsvRows`). On any problem nothing is imported (`peelkit.findings.ImportFailed`).
Re-importing the same file changes nothing (rows already recorded identically are counted as unchanged and leave
no audit row).

A blank grade is unknown: the row is kept with grade NULL (see `peelkit.ledger.judgments`), with what it says
about re-inspection. ``last_inspected`` earlier than ``year`` means the grade was carried forward (not
re-inspected that year): recorded as ``inspected_this_year`` False. A blank ``last_inspected`` is read as
inspected in the row's year (the grade was published for that year) and listed in the report's notes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.errors import InputError
from peelkit.findings import Problems
from peelkit.forces import Area
from peelkit.ledger import frameworks as fw
from peelkit.ledger.judgments import Judgment, record_judgment

REQUIRED = ["force", "year", "question", "grade", "last_inspected"]
OPTIONAL = ("source_url", "evidence", "confidence")


@dataclass
class GradeRow:
    row: int
    force_code: str
    framework: fw.Framework
    question_id: str
    grade: str | None
    inspected_this_year: bool
    last_inspected: str
    source: str | None
    evidence: str | None
    confidence: str | None


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_grades: int = 0
    carried_forward: int = 0
    forces: int = 0
    years: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _blank(value: str | None) -> str | None:
    return value.strip() if value is not None and value.strip() else None


def _years() -> str:
    return ", ".join(f.year for f in fw.frameworks())


def _force(problems: Problems, label: str, row: int) -> Area | None:
    area = forces.find(label) if label else None
    if area is None or area.kind != "force":
        hints = forces.suggest(label) if label else []
        problems.problem("unknown-force" if label else "blank-value", "not one of the 43 territorial forces",
                         row=row, column="force", value=label,
                         expected=("closest: " + ", ".join(hints)) if hints else None)
        return None
    return area


def _framework(problems: Problems, year: str, row: int) -> fw.Framework | None:
    try:
        return fw.get(year)
    except fw.FrameworkError:
        problems.problem("unexpected-value", "not a known programme year", row=row, column="year", value=year,
                         expected=_years())
        return None


def _grade(problems: Problems, framework: fw.Framework, question: str, grade: str | None, row: int) -> str | None:
    """The grade as the framework spells it (None if blank); the question and the grade checked."""
    try:
        framework.question(question)
    except fw.FrameworkError:
        allowed = [*framework.question_ids, *([fw.OVERALL] if framework.overall else [])]
        problems.problem("unexpected-value", f"not a question of {framework.id}", row=row, column="question",
                         value=question, expected=", ".join(allowed))
        return grade
    if grade is None:
        return None
    try:
        return framework.check_grade(question, grade)
    except fw.FrameworkError as error:
        problems.problem("unexpected-value", str(error), row=row, column="grade", value=grade)
        return grade


def _last_inspected(problems: Problems, framework: fw.Framework | None, last: str | None, row: int) -> str:
    """The programme year last inspected (the row's own year when blank), checked against the row's year."""
    if last is None:
        return framework.year if framework is not None else ""
    try:
        inspected_in = fw.get(last)
    except fw.FrameworkError:
        problems.problem("unexpected-value", "not a known programme year", row=row, column="last_inspected",
                         value=last, expected=_years())
        return ""
    if framework is not None and inspected_in.order > framework.order:
        problems.problem("unexpected-value", f"last inspected after the programme year {framework.year}", row=row,
                         column="last_inspected", value=last)
    return inspected_in.year


def _read_row(problems: Problems, row: int, record: Mapping[str, str], seen: dict[tuple[str, str, str], int],
              notes: list[str]) -> GradeRow | None:
    """One row checked (its problems recorded): the GradeRow, or None when it has a problem."""
    before = problems.count
    area = _force(problems, record["force"].strip(), row)
    framework = _framework(problems, record["year"], row)
    question = record["question"].strip()
    grade = _blank(record["grade"])
    if framework is not None:
        grade = _grade(problems, framework, question, grade, row)
    last = _blank(record["last_inspected"])
    last_label = _last_inspected(problems, framework, last, row)
    if problems.count > before or area is None or framework is None:
        return None
    key = (area.code, framework.id, question)
    if key in seen:
        problems.problem("duplicate-key", f"{area.name}, {framework.year}, {question} is also on row {seen[key]}",
                         row=row, column="question", value=question)
        return None
    seen[key] = row
    if last is None:
        notes.append(f"row {row}: last_inspected blank for {area.name} {framework.year} {question}; "
                     f"read as inspected in {framework.year}")
    return GradeRow(row, area.code, framework, question, grade, inspected_this_year=last_label == framework.year,
                    last_inspected=last_label, source=_blank(record.get("source_url")),
                    evidence=_blank(record.get("evidence")), confidence=_blank(record.get("confidence")))


def read_rows(path: Path) -> tuple[list[GradeRow], list[str]]:
    """Every row checked (read with the shared CSV reader); all problems raised together as ImportFailed."""
    from peelkit.sources._csv import CsvRows

    problems = Problems(path.name)
    rows: list[GradeRow] = []
    notes: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    try:
        for number, record in CsvRows(path, problems, REQUIRED, OPTIONAL):
            checked = _read_row(problems, number, record, seen, notes)
            if checked is not None:
                rows.append(checked)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error
    problems.raise_if_any(store="ledger")
    return rows, notes


_FIELDS = ("grade", "inspected_this_year", "last_inspected", "source", "evidence", "confidence")


def import_grades(session: Session, path: Path, on_row: Callable[[int], None] | None = None) -> ImportReport:
    """Validate the whole file, then insert or update one judgment per row in the caller's transaction."""
    rows, notes = read_rows(path)
    report = ImportReport(file=str(path), rows=len(rows), notes=notes)
    existing = {(j.force_code, j.framework_id, j.question_id): j for j in session.scalars(select(Judgment))}
    for row in rows:
        current = existing.get((row.force_code, row.framework.id, row.question_id))
        wanted = {"grade": row.grade, "inspected_this_year": row.inspected_this_year,
                  "last_inspected": row.last_inspected, "source": row.source, "evidence": row.evidence,
                  "confidence": row.confidence}
        if current is not None and all(getattr(current, k) == wanted[k] for k in _FIELDS):
            report.unchanged += 1
        else:
            record_judgment(session, row.force_code, row.framework.id, row.question_id, row.grade,
                            inspected_this_year=row.inspected_this_year, last_inspected=row.last_inspected,
                            judged_on=current.judged_on if current is not None else None, source=row.source,
                            evidence=row.evidence, confidence=row.confidence)
            if current is None:
                report.inserted += 1
            else:
                report.updated += 1
        report.unknown_grades += row.grade is None
        report.carried_forward += not row.inspected_this_year
        if on_row:
            on_row(row.row)
    report.forces = len({r.force_code for r in rows})
    report.years = [f.year for f in fw.frameworks() if any(r.framework.id == f.id for r in rows)]
    return report
