"""`peel ledger import-grades FILE`: the public PEEL effectiveness grades (force, year, question, grade,
last_inspected, source_url, evidence, confidence) into the judgment ledger.

Every row is checked first (force known, with suggestions; programme year and question known; grade on the
framework's scale; last_inspected a known year not after the row's year; no repeated force/year/question), and
every problem is reported with its row number (the header is row 1, so the first data row is row 2). On any
problem nothing is imported. Re-importing the same file changes nothing (rows already recorded identically are
counted as unchanged and leave no audit row).

A blank grade is unknown: the row is kept with grade NULL (see `peelkit.ledger.judgments`), with what it says
about re-inspection. ``last_inspected`` earlier than ``year`` means the grade was carried forward (not
re-inspected that year): recorded as ``inspected_this_year`` False. A blank ``last_inspected`` is read as
inspected in the row's year (the grade was published for that year) and listed in the report's notes.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.errors import PeelError
from peelkit.findings import Finding
from peelkit.ledger import frameworks as fw
from peelkit.ledger.judgments import Judgment, record_judgment
from peelkit.plural import counted

REQUIRED = ("force", "year", "question", "grade", "last_inspected")
OPTIONAL = ("source_url", "evidence", "confidence")


class GradesImportFailed(PeelError):
    """Some rows of the grades file have problems; nothing was imported."""

    exit_code = 4

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(f"{counted(len(findings), 'problem')} in the grades file; nothing was imported and the "
                         "ledger is unchanged:\n" + "\n".join(f"  - {f}" for f in findings))


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


def read_rows(path: Path) -> tuple[list[GradeRow], list[str]]:
    """Every row checked; all problems raised together as GradesImportFailed."""
    name = path.name
    problems: list[Finding] = []
    notes: list[str] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise GradesImportFailed([Finding("wrong-encoding", f"not UTF-8 text: {error.reason}", name)]) from error
    except OSError as error:
        raise PeelError(f"cannot read {path}: {error.strerror}") from error
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    if not header or header == [""]:
        raise GradesImportFailed([Finding("empty-file", "the grades file is empty", name)])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise GradesImportFailed([Finding("missing-column", f"column {c!r} is missing", name, column=c)
                                  for c in missing])
    rows: list[GradeRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(Finding("wrong-field-count", f"{len(values)} fields, the header has {len(header)}",
                                    name, row=number))
            continue
        record = dict(zip(header, values, strict=True))
        before = len(problems)

        def problem(code: str, message: str, column: str, value: str | None = None, expected: str | None = None,
                    row: int = number) -> None:
            problems.append(Finding(code, message, name, row=row, column=column, value=value, expected=expected))

        force_label = record["force"].strip()
        area = forces.find(force_label) if force_label else None
        if area is None or area.kind != "force":
            hints = forces.suggest(force_label) if force_label else []
            problem("unknown-force" if force_label else "blank-value", "not one of the 43 territorial forces",
                    "force", force_label, ("closest: " + ", ".join(hints)) if hints else None)
        framework: fw.Framework | None = None
        try:
            framework = fw.get(record["year"])
        except fw.FrameworkError:
            problem("unexpected-value", "not a known programme year", "year", record["year"],
                    ", ".join(f.year for f in fw.frameworks()))
        question = record["question"].strip()
        grade = _blank(record["grade"])
        if framework is not None:
            try:
                framework.question(question)
            except fw.FrameworkError:
                allowed = [*framework.question_ids, *([fw.OVERALL] if framework.overall else [])]
                problem("unexpected-value", f"not a question of {framework.id}", "question", question,
                        ", ".join(allowed))
            else:
                if grade is not None:
                    try:
                        grade = framework.check_grade(question, grade)
                    except fw.FrameworkError as error:
                        problem("unexpected-value", str(error), "grade", grade)
        last = _blank(record["last_inspected"])
        last_label = framework.year if framework is not None else ""
        if last is not None:
            try:
                inspected_in = fw.get(last)
            except fw.FrameworkError:
                problem("unexpected-value", "not a known programme year", "last_inspected", last,
                        ", ".join(f.year for f in fw.frameworks()))
            else:
                last_label = inspected_in.year
                if framework is not None and inspected_in.order > framework.order:
                    problem("unexpected-value", f"last inspected after the programme year {framework.year}",
                            "last_inspected", last)
        if len(problems) > before or area is None or framework is None:
            continue
        key = (area.code, framework.id, question)
        if key in seen:
            problem("duplicate-key", f"{area.name}, {framework.year}, {question} is also on row {seen[key]}",
                    "question", question)
            continue
        seen[key] = number
        if last is None:
            notes.append(f"row {number}: last_inspected blank for {area.name} {framework.year} {question}; "
                         f"read as inspected in {framework.year}")
        rows.append(GradeRow(number, area.code, framework, question, grade,
                             inspected_this_year=last_label == framework.year, last_inspected=last_label,
                             source=_blank(record.get("source_url")), evidence=_blank(record.get("evidence")),
                             confidence=_blank(record.get("confidence"))))
    if problems:
        raise GradesImportFailed(problems)
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
