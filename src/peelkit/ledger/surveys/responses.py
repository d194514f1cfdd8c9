"""Importing a public survey wave's responses, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from peelkit.findings import Problems
from peelkit.ledger.surveys.models import SurveyRespondent, SurveyWave, new_wave
from peelkit.ledger.surveys.reading import check_category, check_force, csv_rows, header_of
from peelkit.ledger.surveys.rules import RESPONSE_COLUMNS, VARIABLES, clean


def import_responses(session: Session, path: Path, *, name: str, year: int, mode: str = "online panel",
                     synthetic: bool = False) -> SurveyWave:
    """Create a public survey wave from a responses CSV, all or nothing.

    Columns: ``respondent_id, force, age_band, gender, work_status``; every other column is a question, its
    header (lower-cased) the question id. A blank answer means the question was not answered.
    """
    wave = new_wave(session, path, "public", name, year, mode, synthetic)
    problems = Problems(path.name)
    fixed = {c.lower() for c in RESPONSE_COLUMNS}
    questions = tuple(h for h in header_of(path) if h and h.lower() not in fixed)
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row, values in csv_rows(path, problems, RESPONSE_COLUMNS, questions):
        ref = values["respondent_id"].strip()
        if not ref:
            problems.problem("blank-value", "the respondent id is blank", row=row, column="respondent_id")
        elif ref in seen:
            problems.problem("duplicate-key", f"respondent {ref!r} already appears in row {seen[ref]}", row=row,
                             column="respondent_id", value=ref)
        else:
            seen[ref] = row
        code = check_force(problems, values["force"], row, "force")
        categories = {v: check_category(problems, v, values[v], row, v) for v in VARIABLES}
        answers = {q.lower(): clean(values[q]) for q in questions if values.get(q, "").strip()}
        records.append({"respondent_ref": ref, "force_code": code, **categories, "answers": answers})
    if not questions and problems.ok:
        problems.problem("missing-column", "the file has no question columns", row=1,
                         expected="one column per question after " + ", ".join(RESPONSE_COLUMNS))
    problems.raise_if_any(store="ledger")
    session.add(wave)
    session.flush()
    session.execute(insert(SurveyRespondent), [{"wave_id": wave.id, **r} for r in records])
    return wave
