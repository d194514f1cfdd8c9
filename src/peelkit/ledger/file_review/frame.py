"""Importing a sampling frame (a CSV of recorded crimes), every row checked, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.files import sha256_of
from peelkit.findings import Problems
from peelkit.ledger.base import utcnow
from peelkit.ledger.file_review.models import FrameRecord, SamplingFrame
from peelkit.ledger.file_review.rules import CRIME_TYPES, FileReviewError, match_crime_type, suggest

REQUIRED_COLUMNS = ["reference", "crime_type", "date_recorded", "force"]
SYNTHETIC_COLUMN = "synthetic"
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}

def parse_date(text: str) -> date | None:
    """yyyy-mm-dd or dd/mm/yyyy, or None."""
    value = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class FrameRow:
    reference: str
    force_code: str
    crime_type: str
    date_recorded: date
    source_row: int = 0


def read_frame(path: Path) -> tuple[list[FrameRow], bool]:
    """Every row of a frame CSV, checked; raises ImportFailed listing every problem. Returns (rows, synthetic).

    Columns: reference, crime_type, date_recorded (yyyy-mm-dd or dd/mm/yyyy), force (any spelling or code),
    and optionally `synthetic` (yes/no): a file whose every row says yes is recorded as a synthetic frame.
    """
    from peelkit.sources._csv import CsvRows

    if not path.is_file():
        raise FileReviewError(f"{path} is not a file")
    problems = Problems(path.name)
    rows: list[FrameRow] = []
    seen: dict[tuple[str, str], int] = {}
    synthetic_flags: set[bool] = set()
    for row_number, values in CsvRows(path, problems, REQUIRED_COLUMNS, optional=(SYNTHETIC_COLUMN,)):
        checked = _check_row(problems, row_number, values, seen, synthetic_flags)
        if checked is not None:
            rows.append(checked)
    if len(synthetic_flags) > 1:
        problems.problem("unexpected-value", "some rows are marked synthetic and some are not; a frame is "
                         "either wholly synthetic or wholly real", column=SYNTHETIC_COLUMN,
                         expected="the same marker on every row")
    problems.raise_if_any(store="ledger")
    return rows, synthetic_flags == {True}


def _check_force(problems: Problems, text: str, row: int) -> str | None:
    area = forces.find(text)
    if area is not None and area.is_territorial_force:
        return area.code
    if area is None:
        suggestions = forces.suggest(text)
        message = f"{text.strip()!r} is not a known police force"
    else:
        suggestions = []
        message = f"{area.name} is a {area.kind}, not one of the 43 territorial forces"
    hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 force names"
    problems.problem("unknown-force", message, row=row, column="force", value=text, expected=hint)
    return None


def _check_crime_type(problems: Problems, text: str, row: int) -> str | None:
    crime_type = match_crime_type(text)
    if crime_type is None:
        close = suggest(text, [label for _, label in CRIME_TYPES])
        allowed = "; ".join(f"{cid} ({label})" for cid, label in CRIME_TYPES)
        problems.problem("unexpected-value", "the crime type is not one reviewed", row=row, column="crime_type",
                         value=text, expected=f"closest: {', '.join(close)}" if close else f"one of {allowed}")
    return crime_type


def _check_row(problems: Problems, row: int, values: Mapping[str, str], seen: dict[tuple[str, str], int],
               synthetic_flags: set[bool]) -> FrameRow | None:
    """One row checked (problems recorded, its reference and synthetic marker noted): the FrameRow, or None."""
    before = problems.count
    reference = values["reference"].strip()
    if not reference:
        problems.problem("blank-value", "the crime reference is blank", row=row, column="reference",
                         expected="the force's crime reference number")
    force_code = _check_force(problems, values["force"], row)
    crime_type = _check_crime_type(problems, values["crime_type"], row)
    recorded = parse_date(values["date_recorded"])
    if recorded is None:
        problems.problem("bad-date", "the date recorded cannot be read", row=row, column="date_recorded",
                         value=values["date_recorded"], expected="a date as yyyy-mm-dd or dd/mm/yyyy")
    if SYNTHETIC_COLUMN in values:
        flag = values[SYNTHETIC_COLUMN].strip().lower()
        if flag in _TRUE | _FALSE:
            synthetic_flags.add(flag in _TRUE)
        else:
            problems.problem("unexpected-value", "the synthetic marker must be yes or no", row=row,
                             column=SYNTHETIC_COLUMN, value=values[SYNTHETIC_COLUMN], expected="yes or no")
    if reference and force_code is not None:
        key = (force_code, reference)
        if key in seen:
            problems.problem("duplicate-key", f"reference {reference!r} appears twice for "
                             f"{forces.match(force_code).name} (first at row {seen[key]})", row=row,
                             column="reference", value=reference, expected="each reference once per force")
        else:
            seen[key] = row
    if problems.count > before or force_code is None or crime_type is None or recorded is None:
        return None
    return FrameRow(reference, force_code, crime_type, recorded, row)


def import_frame(session: Session, path: Path, name: str | None = None) -> tuple[SamplingFrame, bool]:
    """Load a frame CSV, all or nothing. Returns (frame, created); a file already imported returns its frame."""
    from sqlalchemy import insert

    sha = sha256_of(path)
    existing = session.scalars(select(SamplingFrame).where(SamplingFrame.sha256 == sha)).first()
    if existing is not None:
        return existing, False
    rows, synthetic = read_frame(path)
    frame = SamplingFrame(name=name or path.stem, source_file=path.name, sha256=sha, synthetic=synthetic,
                          record_count=len(rows), imported_at=utcnow(),
                          imported_by=str(session.info.get("actor", "system")))
    session.add(frame)
    session.flush()
    batch = 5000
    for start in range(0, len(rows), batch):
        session.execute(insert(FrameRecord), [
            {"frame_id": frame.id, "reference": r.reference, "force_code": r.force_code,
             "crime_type": r.crime_type, "date_recorded": r.date_recorded, "source_row": r.source_row}
            for r in rows[start:start + batch]
        ])
    return frame, True
