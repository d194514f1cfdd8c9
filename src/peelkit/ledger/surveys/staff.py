"""The staff survey: importing responses (voluntary, unweighted) and counting them by theme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from peelkit.findings import Problems
from peelkit.ledger.surveys.models import SurveyStaffResponse, SurveyWave, get_wave, new_wave
from peelkit.ledger.surveys.reading import check_force, csv_rows
from peelkit.ledger.surveys.rules import STAFF_CAVEAT, STAFF_COLUMNS, STAFF_OPTIONAL, clean, force_name


def import_staff(session: Session, path: Path, *, name: str, year: int, synthetic: bool = False) -> SurveyWave:
    """Create a staff survey wave from a CSV (``force, theme`` and ``answer`` and/or ``comment``, optionally
    ``respondent_id``), all or nothing."""
    wave = new_wave(session, path, "staff", name, year, "voluntary", synthetic)
    problems = Problems(path.name)
    reader = csv_rows(path, problems, STAFF_COLUMNS, STAFF_OPTIONAL)
    records: list[dict[str, Any]] = []
    header_ok = False
    for row, values in reader:
        header_ok = True
        code = check_force(problems, values["force"], row, "force")
        theme = clean(values["theme"])
        if not theme:
            problems.problem("blank-value", "the theme is blank", row=row, column="theme", expected="a theme")
        elif len(theme) > 200:
            problems.problem("unexpected-value", "the theme is longer than 200 characters", row=row,
                             column="theme", expected="a short theme such as 'workload'")
        answer = clean(values.get("answer", "")) or None
        comment = values.get("comment", "").strip() or None
        if answer is not None and len(answer) > 200:
            problems.problem("unexpected-value", "the answer is longer than 200 characters (put text in "
                             "'comment')", row=row, column="answer")
        ref = values.get("respondent_id", "").strip() or None
        records.append({"respondent_ref": ref, "force_code": code, "theme": theme.lower(), "answer": answer,
                        "comment": comment})
    columns = getattr(reader, "columns", {})
    if header_ok and "answer" not in columns and "comment" not in columns:
        problems.problem("missing-column", "the file needs an 'answer' column or a 'comment' column", row=1,
                         column="comment", expected="force, theme, answer and/or comment")
    problems.raise_if_any(store="ledger")
    session.add(wave)
    session.flush()
    session.execute(insert(SurveyStaffResponse), [{"wave_id": wave.id, **r} for r in records])
    return wave


@dataclass(frozen=True)
class StaffThemeCount:
    force_code: str
    force_name: str
    theme: str
    responses: int
    note: str = STAFF_CAVEAT

    def as_dict(self) -> dict[str, Any]:
        return {"force_code": self.force_code, "force_name": self.force_name, "theme": self.theme,
                "responses": self.responses, "note": self.note}


def staff_themes(session: Session, wave_id: int, *, force: str | None = None) -> list[StaffThemeCount]:
    """Unweighted counts of responses by theme per force (most raised first). No percentages."""
    from peelkit import forces as _forces

    get_wave(session, wave_id, "staff")
    query = (select(SurveyStaffResponse.force_code, SurveyStaffResponse.theme, func.count())
             .where(SurveyStaffResponse.wave_id == wave_id)
             .group_by(SurveyStaffResponse.force_code, SurveyStaffResponse.theme))
    if force:
        query = query.where(SurveyStaffResponse.force_code == _forces.match_force(force).code)
    counts = [StaffThemeCount(code, force_name(code), theme, int(n)) for code, theme, n in session.execute(query)]
    return sorted(counts, key=lambda c: (c.force_code, -c.responses, c.theme))
