"""Surveys: the public attitude survey (an online panel of about 300 people per force area, raked to the force
area's population by age band, gender and work status) and the voluntary, unweighted staff survey.

Public attitude survey
    A *wave* is one import of a responses CSV (one row per respondent: ``respondent_id, force, age_band,
    gender, work_status`` and one column per question). The force area's population *margins* (``force,
    variable, category`` and ``share`` and/or ``count``, optionally ``total``) are imported for the wave next.
    Imports are all or nothing: every problem is reported with its row and column and nothing is loaded.

Weighting
    Raking (iterative proportional fitting on the three margins) is done by the weightipy library
    (:func:`weightipy.weight`), separately for each force area; peelkit only checks the result. Every weighted
    margin must match its target share within :data:`CONVERGENCE` (1e-6) or :class:`RakingError` names the force
    and the variable that missed. Weights are then scaled to mean 1 within each force.

Reporting
    For a question and answer, each force gets the unweighted number answering, the weighted share, Kish's design
    effect ``deff = n * sum(w^2) / (sum w)^2`` (the variance inflation due to unequal weights alone), the effective
    sample size ``n / deff``, and a 95% interval widened by the design effect: the Wilson score interval computed
    on the effective sample size (``x = share * n_eff`` successes of ``n_eff``). This ignores any clustering and the
    panel's self-selection, so every figure is labelled :data:`INDICATION_ONLY`.

    The England and Wales line pools the forces in the wave. Each force's weights (of those answering) are
    rescaled so that the force's weighted total is proportional to its adult population (from the margins'
    counts or ``total``), and the pooled design effect is Kish's on those rescaled weights, so it includes the
    effect of the unequal sampling fractions between forces. It is only given when every pooled force has a
    population; otherwise it is left out with a note.

Staff survey
    Voluntary and unweighted: responses (``force, theme`` and ``answer`` and/or ``comment``) are reported only as
    counts by theme per force, never as percentages of the workforce (:data:`STAFF_CAVEAT`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import random
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from peelkit.errors import InputError, OutputError, PeelError
from peelkit.files import sha256_of
from peelkit.findings import Finding, FindingLimit, ImportFailed
from peelkit.ledger.base import Base, utcnow

if TYPE_CHECKING:
    from peelkit.warehouse import Stage

__all__ = [
    "CATEGORIES",
    "CONVERGENCE",
    "COUNT_TOLERANCE",
    "INDICATION_ONLY",
    "INTERVAL_METHOD",
    "MAX_ITERATIONS",
    "POOLING_METHOD",
    "SHARE_TOLERANCE",
    "STAFF_CAVEAT",
    "SYNTHETIC_NOTE",
    "VARIABLES",
    "ForceWeighting",
    "RakeResult",
    "RakingError",
    "ShareReport",
    "ShareRow",
    "StaffThemeCount",
    "SurveyError",
    "SurveyImportFailed",
    "SurveyMargin",
    "SurveyRespondent",
    "SurveyStaffResponse",
    "SurveyWave",
    "WaveRakingError",
    "demo_files",
    "design_effect",
    "import_margins",
    "import_responses",
    "import_staff",
    "rake",
    "report_share",
    "share_estimate",
    "staff_themes",
    "weight_wave",
]

# --------------------------------------------------------------------------- constants

VARIABLES: tuple[str, ...] = ("age_band", "gender", "work_status")
"""The weighting variables, in raking order."""

CATEGORIES: dict[str, tuple[str, ...]] = {
    "age_band": ("16-24", "25-34", "35-44", "45-54", "55-64", "65+"),
    "gender": ("female", "male"),
    "work_status": ("working", "not working"),
}
"""The only categories accepted for each weighting variable (matched case-insensitively, see :func:`_category`)."""

_VARIABLE_ALIASES = {"age": "age_band", "age band": "age_band", "sex": "gender", "work status": "work_status",
                     "employment": "work_status", "working status": "work_status"}
_CATEGORY_ALIASES = {
    "age_band": {"65 and over": "65+", "65 plus": "65+", "65 or over": "65+"},
    "gender": {"f": "female", "m": "male", "woman": "female", "man": "male", "women": "female", "men": "male"},
    "work_status": {"in work": "working", "employed": "working", "not in work": "not working",
                    "not_working": "not working", "not employed": "not working"},
}

SHARE_TOLERANCE = 0.001
"""Shares of one variable for one force must sum to 1 within this (they are then rescaled to exactly 1)."""
COUNT_TOLERANCE = 0.001
"""Counts of each variable for one force must sum to the force's total within this fraction of it."""
CONVERGENCE = 1e-6
"""Every weighted margin (as a share) must be within this of its target after raking."""
MAX_ITERATIONS = 500
"""Cap on raking iterations (passes over all three variables) per force."""

INDICATION_ONLY = (
    "Indication only: an online panel of about 300 people per force area, weighted by age, gender and work status "
    "to the force area's population. The interval allows for the weighting (design effect) but not for how the "
    "panel was recruited."
)
INTERVAL_METHOD = (
    "95% Wilson score interval on the effective sample size n/deff, where deff = n * sum(w^2) / (sum w)^2 "
    "(Kish's design effect for unequal weights)"
)
POOLING_METHOD = (
    "England and Wales pools the forces in the wave, each force's weights rescaled so it counts by its share of the "
    "adult population of the pooled forces"
)
STAFF_CAVEAT = (
    "Staff survey: voluntary and unweighted. Counts show how often a theme was raised by those who chose to "
    "respond; they are not the views of the workforce and are not shown as percentages."
)
SYNTHETIC_NOTE = "SYNTHETIC DATA generated by `peel ledger surveys demo`: not real survey responses."

_RESPONSE_COLUMNS = ["respondent_id", "force", "age_band", "gender", "work_status"]
_MARGIN_COLUMNS = ["force", "variable", "category"]
_MARGIN_OPTIONAL = ("share", "count", "total")
_STAFF_COLUMNS = ["force", "theme"]
_STAFF_OPTIONAL = ("respondent_id", "answer", "comment")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------- errors


class SurveyError(InputError):
    """A survey command cannot be carried out as asked (unknown wave, wave not weighted, ...)."""

    exit_code = 2


class RakingError(OutputError):
    """Raking did not reach a force's margins: the message names the force and the variable."""

    exit_code = 6

    def __init__(self, force: str, variable: str, detail: str) -> None:
        self.force = force
        self.variable = variable
        super().__init__(f"raking did not converge for {force}, variable {variable}: {detail}")


class WaveRakingError(RakingError):
    """Raking failed for one or more forces of a wave; nothing was weighted. `errors` has one per force."""

    def __init__(self, errors: list[RakingError]) -> None:
        self.errors = errors
        self.force = errors[0].force
        self.variable = errors[0].variable
        PeelError.__init__(self, f"nothing was weighted; raking failed for {len(errors)} force(s):\n"
                           + "\n".join(f"  - {e}" for e in errors))


class SurveyImportFailed(ImportFailed):
    """A survey file has problems; nothing was imported and the ledger is unchanged."""

    def __init__(self, findings: list[Finding], suppressed: list[str] | None = None) -> None:
        self.findings = findings
        self.suppressed = suppressed or []
        files = sorted({f.file for f in findings})
        PeelError.__init__(
            self,
            f"{len(findings)} problem(s) in {len(files)} file(s); nothing was imported and the ledger is "
            "unchanged:\n" + "\n".join(f"  - {f}" for f in findings)
            + "".join(f"\n  - {line}" for line in self.suppressed),
        )


# --------------------------------------------------------------------------- models


class SurveyWave(Base):
    """One survey wave: a public attitude survey (online panel, weighted) or a staff survey (voluntary)."""

    __tablename__ = "survey_wave"
    __audited__ = True
    __table_args__ = (CheckConstraint("kind IN ('public', 'staff')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    mode: Mapped[str] = mapped_column(String(100), nullable=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    responses_file: Mapped[str] = mapped_column(String(500), nullable=False)
    responses_sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    margins_file: Mapped[str | None] = mapped_column(String(500), nullable=True)
    margins_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    weighted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class SurveyRespondent(Base):
    """One public survey respondent. Bulk imported data identified by the wave's file hash (not audited row by
    row); `weight` is derived by :func:`weight_wave` (mean 1 within the force)."""

    __tablename__ = "survey_respondent"
    __table_args__ = (UniqueConstraint("wave_id", "respondent_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("survey_wave.id"), nullable=False, index=True)
    respondent_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    age_band: Mapped[str] = mapped_column(String(20), nullable=False)
    gender: Mapped[str] = mapped_column(String(20), nullable=False)
    work_status: Mapped[str] = mapped_column(String(20), nullable=False)
    answers: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    weight: Mapped[float | None] = mapped_column(Float, nullable=True)


class SurveyMargin(Base):
    """A population margin of one force area for one wave: the share (summing to 1 over the variable's
    categories) and, where given, the count."""

    __tablename__ = "survey_margin"
    __audited__ = True
    __table_args__ = (UniqueConstraint("wave_id", "force_code", "variable", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("survey_wave.id"), nullable=False, index=True)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False)
    variable: Mapped[str] = mapped_column(String(20), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    share: Mapped[float] = mapped_column(Float, nullable=False)
    count: Mapped[float | None] = mapped_column(Float, nullable=True)


class SurveyStaffResponse(Base):
    """One staff survey response (voluntary, unweighted): a theme with the answer and/or comment."""

    __tablename__ = "survey_staff_response"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("survey_wave.id"), nullable=False, index=True)
    respondent_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    theme: Mapped[str] = mapped_column(String(200), nullable=False)
    answer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


# --------------------------------------------------------------------------- reading files


class _Problems:
    """Duck-types the `problem` method of warehouse.Stage so sources._csv.CsvRows can report to it."""

    def __init__(self, file_label: str, limit: FindingLimit) -> None:
        self.file_label = file_label
        self.limit = limit

    def problem(self, code: str, message: str, **where: Any) -> None:
        self.limit.add(Finding(code=code, message=message, file=self.file_label, **where))


def _rows(path: Path, problems: _Problems, required: list[str],
          optional: tuple[str, ...] = ()) -> Iterable[tuple[int, dict[str, str]]]:
    from peelkit.sources._csv import CsvRows

    return CsvRows(path, cast("Stage", problems), required, optional)


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [h.strip() for h in next(csv.reader(handle), [])]
    except (UnicodeDecodeError, csv.Error):
        return []  # CsvRows reports the problem with its location




def _clean(text: str) -> str:
    return _SPACES.sub(" ", text.strip())


def _variable(text: str) -> str | None:
    key = _clean(text).lower()
    key = _VARIABLE_ALIASES.get(key, key.replace(" ", "_"))
    return key if key in CATEGORIES else None


def _category(variable: str, text: str) -> str | None:
    key = _clean(text).lower().replace("–", "-").replace("—", "-")
    key = _CATEGORY_ALIASES[variable].get(key, key)
    return key if key in CATEGORIES[variable] else None


def _force_code(problems: _Problems, text: str, row: int, column: str) -> str | None:
    from peelkit import forces

    area = forces.find(text)
    if area is None or not area.is_territorial_force:
        suggestions = forces.suggest(text) if area is None else []
        hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 territorial forces"
        what = "not a known police force" if area is None else f"a {area.kind}, not a territorial force"
        problems.problem("unknown-force", f"{text.strip()!r} is {what}", row=row, column=column, value=text,
                         expected=hint)
        return None
    return area.code


def _check_category(problems: _Problems, variable: str, text: str, row: int, column: str) -> str | None:
    if not text.strip():
        problems.problem("blank-value", f"the {variable} is blank", row=row, column=column,
                         expected=", ".join(CATEGORIES[variable]))
        return None
    category = _category(variable, text)
    if category is None:
        problems.problem("unexpected-value", f"{text.strip()!r} is not a category of {variable}", row=row,
                         column=column, value=text, expected=", ".join(CATEGORIES[variable]))
    return category


def _parse_float(problems: _Problems, text: str, row: int, column: str) -> float | None:
    value = text.strip().replace(",", "")
    if not _NUMBER.match(value):
        problems.problem("not-a-number", f"the {column} is not a number", row=row, column=column, value=text,
                         expected="a number such as 0.25" if column == "share" else "a number such as 12345")
        return None
    number = float(value)
    if number < 0:
        problems.problem("negative-count" if column != "share" else "unexpected-value",
                         f"the {column} cannot be negative", row=row, column=column, value=text,
                         expected="zero or more")
        return None
    return number


def _force_name(code: str) -> str:
    from peelkit import forces

    area = forces.find(code)
    return area.name if area else code


def _raise_if(limit: FindingLimit) -> None:
    if limit:
        raise SurveyImportFailed(limit.kept, limit.summary_lines())


def _wave(session: Session, wave_id: int, kind: str | None = None) -> SurveyWave:
    wave = session.get(SurveyWave, wave_id)
    if wave is None:
        known = session.scalars(select(SurveyWave.id).order_by(SurveyWave.id)).all()
        hint = f" (waves: {', '.join(map(str, known))})" if known else " (no waves imported yet)"
        raise SurveyError(f"there is no survey wave {wave_id}{hint}")
    if kind is not None and wave.kind != kind:
        wanted = "a public attitude survey" if kind == "public" else "a staff survey"
        raise SurveyError(f"wave {wave_id} ({wave.name}) is a {wave.kind} survey, not {wanted}")
    return wave


def _new_wave(session: Session, path: Path, kind: str, name: str, year: int, mode: str,
              synthetic: bool) -> SurveyWave:
    sha = sha256_of(path)
    same_file = session.scalars(select(SurveyWave).where(SurveyWave.responses_sha256 == sha,
                                                         SurveyWave.kind == kind)).first()
    if same_file is not None:
        raise SurveyError(f"{path.name} was already imported as wave {same_file.id} ({same_file.name})")
    if session.scalars(select(SurveyWave).where(SurveyWave.name == name)).first() is not None:
        raise SurveyError(f"a survey wave named {name!r} already exists; choose another --name")
    return SurveyWave(kind=kind, name=name, year=year, mode=mode, synthetic=synthetic, responses_file=path.name,
                      responses_sha256=sha)


# --------------------------------------------------------------------------- public survey: import


def import_responses(session: Session, path: Path, *, name: str, year: int, mode: str = "online panel",
                     synthetic: bool = False) -> SurveyWave:
    """Create a public survey wave from a responses CSV, all or nothing.

    Columns: ``respondent_id, force, age_band, gender, work_status``; every other column is a question, its
    header (lower-cased) the question id. A blank answer means the question was not answered.
    """
    wave = _new_wave(session, path, "public", name, year, mode, synthetic)
    limit = FindingLimit()
    problems = _Problems(path.name, limit)
    fixed = {c.lower() for c in _RESPONSE_COLUMNS}
    questions = tuple(h for h in _header(path) if h and h.lower() not in fixed)
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row, values in _rows(path, problems, _RESPONSE_COLUMNS, questions):
        ref = values["respondent_id"].strip()
        if not ref:
            problems.problem("blank-value", "the respondent id is blank", row=row, column="respondent_id")
        elif ref in seen:
            problems.problem("duplicate-key", f"respondent {ref!r} already appears in row {seen[ref]}", row=row,
                             column="respondent_id", value=ref)
        else:
            seen[ref] = row
        code = _force_code(problems, values["force"], row, "force")
        categories = {v: _check_category(problems, v, values[v], row, v) for v in VARIABLES}
        answers = {q.lower(): _clean(values[q]) for q in questions if values.get(q, "").strip()}
        records.append({"respondent_ref": ref, "force_code": code, **categories, "answers": answers})
    if not questions and not limit:
        problems.problem("missing-column", "the file has no question columns", row=1,
                         expected="one column per question after " + ", ".join(_RESPONSE_COLUMNS))
    _raise_if(limit)
    session.add(wave)
    session.flush()
    session.execute(insert(SurveyRespondent), [{"wave_id": wave.id, **r} for r in records])
    return wave


@dataclass
class _MarginRow:
    row: int
    force_code: str
    variable: str
    category: str
    share: float | None
    count: float | None
    total: float | None


def import_margins(session: Session, wave_id: int, path: Path, *, replace: bool = False) -> list[SurveyMargin]:
    """Import the force areas' population margins for a public survey wave, all or nothing.

    Columns: ``force, variable, category`` and ``share`` (0-1) and/or ``count``, optionally ``total`` (the force
    area's adult population). For each force and variable the shares must sum to 1 within
    :data:`SHARE_TOLERANCE`, or the counts to the force's total (the ``total`` column, else the first variable's
    counts) within :data:`COUNT_TOLERANCE`. Every force with respondents must have margins for every variable and
    every category its respondents fall in.
    """
    wave = _wave(session, wave_id, "public")
    existing = session.scalar(select(func.count()).select_from(SurveyMargin).where(SurveyMargin.wave_id == wave_id))
    if existing and not replace:
        raise SurveyError(f"wave {wave_id} already has margins (from {wave.margins_file}); use --replace to "
                          "replace them (the wave's weights are then cleared)")
    limit = FindingLimit()
    problems = _Problems(path.name, limit)
    reader = _rows(path, problems, _MARGIN_COLUMNS, _MARGIN_OPTIONAL)
    parsed: list[_MarginRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    header_ok = False
    for row, values in reader:
        header_ok = True
        code = _force_code(problems, values["force"], row, "force")
        variable = _variable(values["variable"])
        if variable is None:
            problems.problem("unexpected-value", f"{values['variable'].strip()!r} is not a weighting variable",
                             row=row, column="variable", value=values["variable"], expected=", ".join(VARIABLES))
        category = _check_category(problems, variable, values["category"], row, "category") if variable else None
        share = count = total = None
        if values.get("share", "").strip():
            share = _parse_float(problems, values["share"], row, "share")
            if share is not None and share > 1:
                problems.problem("unexpected-value", "a share must be between 0 and 1", row=row, column="share",
                                 value=values["share"], expected="a share such as 0.25 (not a percentage)")
                share = None
        if values.get("count", "").strip():
            count = _parse_float(problems, values["count"], row, "count")
        if values.get("total", "").strip():
            total = _parse_float(problems, values["total"], row, "total")
        if not values.get("share", "").strip() and not values.get("count", "").strip():
            problems.problem("blank-value", "the row has neither a share nor a count", row=row,
                             column="share" if "share" in values else "count", expected="a share or a count")
        if code and variable and category:
            key = (code, variable, category)
            if key in seen:
                problems.problem("duplicate-key", f"{_force_name(code)} {variable} {category!r} already appears "
                                 f"in row {seen[key]}", row=row, column="category", value=values["category"])
            else:
                seen[key] = row
                parsed.append(_MarginRow(row, code, variable, category, share, count, total))
    columns = getattr(reader, "columns", {})
    if header_ok and "share" not in columns and "count" not in columns:
        problems.problem("missing-column", "the file needs a 'share' column or a 'count' column", row=1,
                         column="share", expected="force, variable, category, share (or count)")
    margins = _margin_values(problems, parsed)
    _check_against_respondents(session, problems, wave_id, margins)
    _raise_if(limit)

    if existing:
        session.execute(delete(SurveyMargin).where(SurveyMargin.wave_id == wave_id))
        session.execute(update(SurveyRespondent).where(SurveyRespondent.wave_id == wave_id).values(weight=None))
        wave.weighted_at = None
    objects = [SurveyMargin(wave_id=wave_id, force_code=code, variable=variable, category=category, share=share,
                            count=count)
               for (code, variable), cats in sorted(margins.items()) for category, (share, count) in cats.items()]
    session.add_all(objects)
    wave.margins_file = path.name
    wave.margins_sha256 = sha256_of(path)
    session.flush()
    return objects


def _margin_values(problems: _Problems,
                   parsed: list[_MarginRow]) -> dict[tuple[str, str], dict[str, tuple[float, float | None]]]:
    """(force, variable) -> category -> (share normalised to sum exactly 1, count or None); problems recorded."""
    groups: dict[tuple[str, str], list[_MarginRow]] = defaultdict(list)
    for item in parsed:
        groups[(item.force_code, item.variable)].append(item)
    result: dict[tuple[str, str], dict[str, tuple[float, float | None]]] = {}
    for code in sorted({item.force_code for item in parsed}):
        name = _force_name(code)
        first_row = min(item.row for item in parsed if item.force_code == code)
        missing = [v for v in VARIABLES if (code, v) not in groups]
        if missing:
            problems.problem("unexpected-value", f"{name} has no margins for {', '.join(missing)}", row=first_row,
                             column="variable", expected=f"margins for each of {', '.join(VARIABLES)}")
        totals = {item.total for item in parsed if item.force_code == code and item.total is not None}
        if len(totals) > 1:
            problems.problem("unexpected-value", f"{name} has different totals: "
                             f"{', '.join(f'{t:g}' for t in sorted(totals))}", row=first_row, column="total",
                             expected="one total per force")
        reference: float | None = totals.pop() if len(totals) == 1 else None
        for variable in VARIABLES:
            items = groups.get((code, variable))
            if not items:
                continue
            rows = ", ".join(str(i.row) for i in items)
            if all(i.share is not None for i in items):
                total_share = sum(cast(float, i.share) for i in items)
                if abs(total_share - 1) > SHARE_TOLERANCE:
                    problems.problem("unexpected-value", f"the shares of {variable} for {name} sum to "
                                     f"{total_share:.6g}, not 1 (rows {rows})", row=items[0].row, column="share",
                                     expected=f"shares summing to 1 within {SHARE_TOLERANCE:g}")
                    continue
                scale = reference / total_share if reference is not None else None
                result[(code, variable)] = {
                    i.category: (cast(float, i.share) / total_share,
                                 i.count if i.count is not None else (cast(float, i.share) * scale if scale else None))
                    for i in items}
            elif all(i.count is not None for i in items):
                total_count = sum(cast(float, i.count) for i in items)
                if total_count <= 0:
                    problems.problem("unexpected-value", f"the counts of {variable} for {name} sum to 0 (rows "
                                     f"{rows})", row=items[0].row, column="count", expected="a positive total")
                    continue
                if reference is None:
                    reference = total_count
                elif abs(total_count - reference) > COUNT_TOLERANCE * reference:
                    problems.problem("unexpected-value", f"the counts of {variable} for {name} sum to "
                                     f"{total_count:,.6g}, not the force total {reference:,.6g} (rows {rows})",
                                     row=items[0].row, column="count",
                                     expected=f"counts summing to the total within {COUNT_TOLERANCE:.1%}")
                    continue
                result[(code, variable)] = {i.category: (cast(float, i.count) / total_count, i.count) for i in items}
            else:
                problems.problem("unexpected-value", f"{variable} for {name} mixes rows with only a count and rows "
                                 f"with only a share (rows {rows})", row=items[0].row, column="share",
                                 expected="a share on every row, or a count on every row")
    return result


def _check_against_respondents(session: Session, problems: _Problems, wave_id: int,
                               margins: Mapping[tuple[str, str], Mapping[str, tuple[float, float | None]]]) -> None:
    """Every force with respondents needs margins; every respondent category needs a positive margin."""
    forces_in_file = {code for code, _ in margins}
    for variable in VARIABLES:
        column = getattr(SurveyRespondent, variable)
        counts = session.execute(
            select(SurveyRespondent.force_code, column, func.count())
            .where(SurveyRespondent.wave_id == wave_id)
            .group_by(SurveyRespondent.force_code, column)
        ).all()
        for code, category, n in counts:
            if code not in forces_in_file:
                continue
            cats = margins.get((code, variable))
            if cats is None:
                continue  # already reported as missing
            if cats.get(category, (0.0, None))[0] <= 0:
                problems.problem("unexpected-value", f"{n} respondent(s) in {_force_name(code)} are {category!r} "
                                 f"({variable}) but the margins give that category no share", column="category",
                                 value=category, expected=f"a positive margin for every {variable} respondents have")
    respondents = session.execute(
        select(SurveyRespondent.force_code, func.count()).where(SurveyRespondent.wave_id == wave_id)
        .group_by(SurveyRespondent.force_code)
    ).all()
    for code, n in sorted(respondents):
        if code not in forces_in_file:
            problems.problem("missing-force", f"{_force_name(code)} has {n} respondent(s) in this wave but no margins "
                             "in this file", column="force", expected="margins for every force in the wave")


# --------------------------------------------------------------------------- public survey: raking


@dataclass(frozen=True)
class RakeResult:
    weights: list[float]
    """One weight per respondent, in input order, mean 1."""
    iterations: int
    max_error: float
    """The largest absolute difference between a weighted margin share and its target."""


def rake(respondents: Sequence[Mapping[str, str]], margins: Mapping[str, Mapping[str, float]], *,
         label: str = "the sample", max_iterations: int = MAX_ITERATIONS,
         tolerance: float = CONVERGENCE) -> RakeResult:
    """Rake weights so the weighted shares of each variable match `margins` (variable -> category -> share),
    with weightipy's RIM weighting; checks every margin is met within `tolerance` or raises RakingError naming
    `label` and the variable. Weights are scaled to mean 1."""
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs installed
    import weightipy  # type: ignore[import-untyped]  # weightipy ships no type hints

    if not respondents:
        raise RakingError(label, "-", "there are no respondents")
    variables = [v for v in margins]
    targets: dict[str, dict[str, float]] = {}
    for variable in variables:
        present = Counter(r[variable] for r in respondents)
        wanted = {c: float(s) for c, s in margins[variable].items()}
        for category, n in sorted(present.items()):
            if wanted.get(category, 0.0) <= 0:
                raise RakingError(label, variable, f"{n} respondent(s) are {category!r} but its margin is "
                                  f"{'zero' if category in wanted else 'missing'}")
        for category, share in sorted(wanted.items()):
            if share > 0 and category not in present:
                raise RakingError(label, variable, f"no respondent is {category!r}, so its margin of {share:.1%} "
                                  "cannot be met")
        total = sum(s for c, s in wanted.items() if c in present)
        targets[variable] = {c: s / total * 100 for c, s in wanted.items() if c in present}
    frame = pd.DataFrame({v: [r[v] for r in respondents] for v in variables})
    scheme = weightipy.scheme_from_dict(targets, name="peel", rim_params={"max_iterations": max_iterations})
    # weightipy prints its convergence messages; peelkit checks the margins itself below.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = weightipy.weight(frame, scheme)
    iterations = int(next(iter(scheme.groups.values()))["iterations"] or 0)
    weights = np.asarray(raw, dtype=float)
    if not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        raise RakingError(label, variables[0], "weightipy returned weights that are not finite and positive")
    weights = weights / weights.mean()
    worst, worst_error = variables[0], 0.0
    for variable in variables:
        column = frame[variable].to_numpy()
        for category, share in targets[variable].items():
            achieved = float(weights[column == category].sum() / weights.sum())
            error = abs(achieved - share / 100)
            if error > worst_error:
                worst, worst_error = variable, error
    if not worst_error <= tolerance:
        reason = (f"stopped at the cap of {max_iterations} iterations" if iterations >= max_iterations
                  else f"stopped improving after {iterations} iterations (the margins may be incompatible with "
                  "the sample)")
        raise RakingError(label, worst, f"a weighted share is {worst_error:.2g} from its margin (tolerance "
                          f"{tolerance:g}); {reason}")
    return RakeResult([float(w) for w in weights], iterations, worst_error)


@dataclass(frozen=True)
class ForceWeighting:
    force_code: str
    force_name: str
    respondents: int
    iterations: int
    max_error: float
    design_effect: float
    min_weight: float
    max_weight: float


def weight_wave(session: Session, wave_id: int, *, max_iterations: int = MAX_ITERATIONS,
                tolerance: float = CONVERGENCE) -> list[ForceWeighting]:
    """Rake every force area of a public survey wave to its margins and store the weights (all or nothing)."""
    wave = _wave(session, wave_id, "public")
    rows = session.execute(
        select(SurveyRespondent.id, SurveyRespondent.force_code, SurveyRespondent.age_band,
               SurveyRespondent.gender, SurveyRespondent.work_status)
        .where(SurveyRespondent.wave_id == wave_id).order_by(SurveyRespondent.id)
    ).all()
    margins: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for m in session.scalars(select(SurveyMargin).where(SurveyMargin.wave_id == wave_id)):
        margins[m.force_code][m.variable][m.category] = m.share
    by_force: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_force[row.force_code].append(row)
    results: list[ForceWeighting] = []
    updates: list[dict[str, Any]] = []
    errors: list[RakingError] = []
    if not by_force:
        raise SurveyError(f"wave {wave_id} has no respondents")
    if not margins:
        raise SurveyError(f"wave {wave_id} has no margins yet: peel ledger surveys import-margins --wave {wave_id} "
                          "FILE")
    for code in sorted(by_force):
        name = f"{_force_name(code)} ({code})"
        force_margins = margins.get(code)
        if not force_margins:
            errors.append(RakingError(name, ", ".join(VARIABLES), "the wave has no margins for this force; "
                                      f"import them: peel ledger surveys import-margins --wave {wave_id} FILE"))
            continue
        people = [{v: getattr(r, v) for v in VARIABLES} for r in by_force[code]]
        try:
            result = rake(people, {v: force_margins.get(v, {}) for v in VARIABLES}, label=name,
                          max_iterations=max_iterations, tolerance=tolerance)
        except RakingError as error:
            errors.append(error)
            continue
        updates.extend({"id": r.id, "weight": w} for r, w in zip(by_force[code], result.weights, strict=True))
        deff, _ = design_effect(result.weights)
        results.append(ForceWeighting(code, _force_name(code), len(people), result.iterations, result.max_error,
                                      deff, min(result.weights), max(result.weights)))
    if errors:
        raise WaveRakingError(errors)
    session.execute(update(SurveyRespondent), updates)
    wave.weighted_at = utcnow()
    session.flush()
    return results


# --------------------------------------------------------------------------- public survey: reporting


def design_effect(weights: Sequence[float]) -> tuple[float, float]:
    """Kish's design effect for unequal weights and the effective sample size:
    deff = n * sum(w^2) / (sum w)^2, n_eff = n / deff = (sum w)^2 / sum(w^2)."""
    n = len(weights)
    total = math.fsum(weights)
    squares = math.fsum(w * w for w in weights)
    if n == 0 or total <= 0 or squares <= 0:
        raise ValueError("the design effect needs at least one positive weight")
    deff = n * squares / (total * total)
    return deff, n / deff


@dataclass(frozen=True)
class ShareRow:
    """One line of a weighted share report; None where nobody in the force answered the question."""

    area_code: str
    area_name: str
    n: int
    """Unweighted number who answered the question."""
    n_answer: int
    """Unweighted number who gave the answer."""
    share: float | None
    """Weighted share of those answering who gave the answer."""
    unweighted_share: float | None
    design_effect: float | None
    effective_n: float | None
    lower: float | None
    upper: float | None
    note: str = INDICATION_ONLY

    def as_dict(self) -> dict[str, Any]:
        return {"area_code": self.area_code, "area_name": self.area_name, "n": self.n, "n_answer": self.n_answer,
                "unweighted_share": self.unweighted_share, "weighted_share": self.share,
                "design_effect": self.design_effect, "effective_n": self.effective_n, "lower": self.lower,
                "upper": self.upper, "note": self.note}


@dataclass(frozen=True)
class ShareReport:
    wave_id: int
    wave_name: str
    question: str
    answer: str
    rows: list[ShareRow]
    england_and_wales: ShareRow | None
    synthetic: bool
    notes: list[str] = field(default_factory=list)
    indication: str = INDICATION_ONLY
    interval_method: str = INTERVAL_METHOD


def share_estimate(code: str, name: str, gave_answer: Sequence[bool], weights: Sequence[float],
                   confidence: float = 0.95) -> ShareRow:
    """Weighted share, Kish design effect, effective n and the Wilson interval on the effective n."""
    from peelkit.stats import wilson_interval

    n = len(weights)
    n_answer = sum(1 for g in gave_answer if g)
    if n == 0:
        return ShareRow(code, name, 0, 0, None, None, None, None, None, None)
    total = math.fsum(weights)
    share = math.fsum(w for w, g in zip(weights, gave_answer, strict=True) if g) / total
    share = min(max(share, 0.0), 1.0)
    deff, n_eff = design_effect(weights)
    lower, upper = wilson_interval(share * n_eff, n_eff, confidence)
    return ShareRow(code, name, n, n_answer, share, n_answer / n, deff, n_eff, lower, upper)


def _same(a: str, b: str) -> bool:
    return _clean(a).casefold() == _clean(b).casefold()


def report_share(session: Session, wave_id: int, question: str, answer: str, *, force: str | None = None,
                 confidence: float = 0.95) -> ShareReport:
    """Per force (or one force), and for England and Wales when all forces are shown, the weighted share of those
    answering `question` who gave `answer` (case-insensitive), with the design effect and effective n."""
    from peelkit import forces as _forces

    wave = _wave(session, wave_id, "public")
    if wave.weighted_at is None:
        raise SurveyError(f"wave {wave_id} ({wave.name}) has not been weighted yet: "
                          f"peel ledger surveys weight --wave {wave_id}")
    only = _forces.match_force(force).code if force else None
    query = select(SurveyRespondent.force_code, SurveyRespondent.answers, SurveyRespondent.weight).where(
        SurveyRespondent.wave_id == wave_id)
    rows = session.execute(query).all()
    key = question.strip().lower()
    seen_answers: Counter[str] = Counter()
    seen_questions: set[str] = set()
    per_force: dict[str, tuple[list[bool], list[float]]] = {}
    for code, answers, weight in rows:
        seen_questions.update(answers)
        given = answers.get(key)
        per_force.setdefault(code, ([], []))
        if given is None:
            continue
        if weight is None:
            raise SurveyError(f"wave {wave_id} has unweighted respondents: peel ledger surveys weight --wave {wave_id}")
        seen_answers[given] += 1
        flags, weights = per_force[code]
        flags.append(_same(given, answer))
        weights.append(float(weight))
    if key not in seen_questions:
        raise SurveyError(f"no respondent in wave {wave_id} answered a question {question!r}; questions: "
                          f"{', '.join(sorted(seen_questions)) or 'none'}")
    if not any(_same(a, answer) for a in seen_answers):
        raise SurveyError(f"nobody in wave {wave_id} answered {question!r} with {answer!r}; answers given: "
                          f"{', '.join(sorted(seen_answers))}")
    if only is not None and only not in per_force:
        raise SurveyError(f"wave {wave_id} has no respondents in {_force_name(only)}")
    codes = [only] if only else sorted(per_force)
    result_rows = [share_estimate(c, _force_name(c), *per_force[c], confidence=confidence) for c in codes]
    notes = [INTERVAL_METHOD]
    pooled = None
    if only is None and len(per_force) > 1:
        pooled, note = _pooled(session, wave_id, per_force, confidence)
        notes.append(note)
    if wave.synthetic:
        notes.insert(0, SYNTHETIC_NOTE)
    return ShareReport(wave_id, wave.name, key, answer, result_rows, pooled, wave.synthetic, notes)


def _pooled(session: Session, wave_id: int, per_force: Mapping[str, tuple[list[bool], list[float]]],
            confidence: float) -> tuple[ShareRow | None, str]:
    from peelkit.forces import ENGLAND_AND_WALES

    populations = _populations(session, wave_id)
    missing = [c for c in per_force if populations.get(c) is None]
    if missing:
        return None, (f"No England and Wales line: the margins give no population (counts or total) for "
                      f"{', '.join(_force_name(c) for c in sorted(missing))}.")
    answering = {c: v for c, v in per_force.items() if v[1]}
    population = math.fsum(cast(float, populations[c]) for c in answering)
    n_total = sum(len(v[1]) for v in answering.values())
    flags: list[bool] = []
    weights: list[float] = []
    for code, (force_flags, force_weights) in sorted(answering.items()):
        # The force's answering respondents together weigh n_total * its population share (mean 1 overall).
        scale = n_total * cast(float, populations[code]) / population / math.fsum(force_weights)
        flags.extend(force_flags)
        weights.extend(w * scale for w in force_weights)
    name = f"England and Wales ({len(answering)} force{'s' if len(answering) != 1 else ''})"
    return share_estimate(ENGLAND_AND_WALES, name, flags, weights, confidence), POOLING_METHOD + "."


def _populations(session: Session, wave_id: int) -> dict[str, float | None]:
    """Force -> adult population from the margins: the sum of the age band counts (None if any is missing)."""
    result: dict[str, float | None] = {}
    margins = session.scalars(select(SurveyMargin).where(SurveyMargin.wave_id == wave_id,
                                                         SurveyMargin.variable == VARIABLES[0]))
    for m in margins:
        if m.count is None or result.get(m.force_code, 0.0) is None:
            result[m.force_code] = None
        else:
            result[m.force_code] = cast(float, result.get(m.force_code, 0.0)) + m.count
    return result


# --------------------------------------------------------------------------- staff survey


def import_staff(session: Session, path: Path, *, name: str, year: int, synthetic: bool = False) -> SurveyWave:
    """Create a staff survey wave from a CSV (``force, theme`` and ``answer`` and/or ``comment``, optionally
    ``respondent_id``), all or nothing."""
    wave = _new_wave(session, path, "staff", name, year, "voluntary", synthetic)
    limit = FindingLimit()
    problems = _Problems(path.name, limit)
    reader = _rows(path, problems, _STAFF_COLUMNS, _STAFF_OPTIONAL)
    records: list[dict[str, Any]] = []
    header_ok = False
    for row, values in reader:
        header_ok = True
        code = _force_code(problems, values["force"], row, "force")
        theme = _clean(values["theme"])
        if not theme:
            problems.problem("blank-value", "the theme is blank", row=row, column="theme", expected="a theme")
        elif len(theme) > 200:
            problems.problem("unexpected-value", "the theme is longer than 200 characters", row=row,
                             column="theme", expected="a short theme such as 'workload'")
        answer = _clean(values.get("answer", "")) or None
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
    _raise_if(limit)
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

    _wave(session, wave_id, "staff")
    query = (select(SurveyStaffResponse.force_code, SurveyStaffResponse.theme, func.count())
             .where(SurveyStaffResponse.wave_id == wave_id)
             .group_by(SurveyStaffResponse.force_code, SurveyStaffResponse.theme))
    if force:
        query = query.where(SurveyStaffResponse.force_code == _forces.match_force(force).code)
    counts = [StaffThemeCount(code, _force_name(code), theme, int(n)) for code, theme, n in session.execute(query)]
    return sorted(counts, key=lambda c: (c.force_code, -c.responses, c.theme))


# --------------------------------------------------------------------------- synthetic demo data

_BASE_AGE = {"16-24": 0.14, "25-34": 0.17, "35-44": 0.16, "45-54": 0.17, "55-64": 0.15, "65+": 0.21}
# How much more (or less) likely each group is to join the online panel than its population share suggests:
# the deliberate skew that raking must correct.
_PANEL_TILT = {
    "age_band": {"16-24": 0.35, "25-34": 0.7, "35-44": 1.0, "45-54": 1.35, "55-64": 1.55, "65+": 1.4},
    "gender": {"female": 1.45, "male": 0.7},
    "work_status": {"working": 0.7, "not working": 1.6},
}
_STAFF_THEMES = {
    "workload": ("Too many cases per officer", "Demand outstrips the people we have"),
    "wellbeing": ("Little time to recover after difficult incidents", "Occupational health is hard to reach"),
    "training": ("Training is mostly online and rushed", "Not enough investigative training"),
    "leadership": ("Supervisors are supportive", "Senior leaders are not visible"),
    "equipment": ("IT systems are slow", "Mobile devices help on patrol"),
    "recognition": ("Good work is rarely recognised", "Team recognition has improved"),
}


def _largest_remainder(shares: Mapping[str, float], total: int) -> dict[str, int]:
    raw = {k: v * total for k, v in shares.items()}
    counts = {k: math.floor(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def _profile(rng: random.Random) -> dict[str, dict[str, float]]:
    age = {k: v * rng.uniform(0.8, 1.2) for k, v in _BASE_AGE.items()}
    total = sum(age.values())
    female = rng.uniform(0.49, 0.53)
    working = rng.uniform(0.55, 0.66)
    return {"age_band": {k: v / total for k, v in age.items()}, "gender": {"female": female, "male": 1 - female},
            "work_status": {"working": working, "not working": 1 - working}}


def _draw(rng: random.Random, shares: Mapping[str, float], tilt: Mapping[str, float]) -> str:
    keys = list(shares)
    return rng.choices(keys, weights=[shares[k] * tilt[k] for k in keys])[0]


def demo_files(out: Path, *, seed: int = 2017, force_codes: Sequence[str] | None = None,
               per_force: int = 300, staff_per_force: int = 30) -> dict[str, Path]:
    """Write seeded SYNTHETIC public survey responses, margins (counts with totals) and a staff survey to `out`.

    The panel is deliberately skewed against the margins (too few young people, men and people in work), and
    feeling safe depends on age and gender, so raking visibly changes the shares.
    """
    from peelkit import forces as _forces

    codes = list(force_codes) if force_codes else [a.code for a in _forces.forces()]
    out.mkdir(parents=True, exist_ok=True)
    paths = {"responses": out / "synthetic_public_survey_responses.csv",
             "margins": out / "synthetic_public_survey_margins.csv",
             "staff": out / "synthetic_staff_survey.csv", "readme": out / "README_SYNTHETIC.txt"}
    questions = ("feel_safe", "confidence_police", "seen_police_recently")
    with paths["responses"].open("w", newline="", encoding="utf-8") as responses, \
            paths["margins"].open("w", newline="", encoding="utf-8") as margins, \
            paths["staff"].open("w", newline="", encoding="utf-8") as staff:
        r_out, m_out, s_out = csv.writer(responses), csv.writer(margins), csv.writer(staff)
        r_out.writerow([*_RESPONSE_COLUMNS, *questions])
        m_out.writerow(["force", "variable", "category", "count", "total"])
        s_out.writerow(["respondent_id", "force", "theme", "answer", "comment"])
        for code in codes:
            area = _forces.match_force(code)
            rng = random.Random(f"peelkit-survey-demo:{seed}:{area.code}")
            profile = _profile(rng)
            population = rng.randrange(300_000, 4_000_000, 1000)
            for variable in VARIABLES:
                for category, count in _largest_remainder(profile[variable], population).items():
                    m_out.writerow([area.name, variable, category, count, population])
            base_safe = rng.uniform(0.72, 0.88)
            base_confidence = rng.uniform(0.5, 0.7)
            for i in range(1, per_force + 1):
                person = {v: _draw(rng, profile[v], _PANEL_TILT[v]) for v in VARIABLES}
                p_safe = base_safe - (0.12 if person["gender"] == "female" else 0.0) \
                    - (0.1 if person["age_band"] == "16-24" else 0.0) + (0.05 if person["age_band"] == "65+" else 0)
                safe = ("yes" if rng.random() < p_safe else "no") if rng.random() > 0.03 else ""
                p_conf = base_confidence + (0.1 if person["age_band"] in ("55-64", "65+") else -0.05)
                roll = rng.random()
                confidence = "agree" if roll < p_conf else ("neither" if roll < p_conf + 0.15 else "disagree")
                seen = "yes" if rng.random() < (0.45 if person["work_status"] == "working" else 0.35) else "no"
                r_out.writerow([f"SYN-{area.code}-{i:04d}", area.name, person["age_band"], person["gender"],
                                person["work_status"], safe, confidence, seen])
            for i in range(1, staff_per_force + 1):
                theme = rng.choices(list(_STAFF_THEMES), weights=[5, 4, 3, 2, 2, 1])[0]
                answer = rng.choice(("agree", "disagree", "neither"))
                s_out.writerow([f"SYN-STAFF-{area.code}-{i:03d}", area.name, theme, answer,
                                f"(synthetic) {rng.choice(_STAFF_THEMES[theme])}"])
    paths["readme"].write_text(
        f"{SYNTHETIC_NOTE}\nSeed {seed}; {per_force} public respondents and {staff_per_force} staff responses per "
        f"force for {len(codes)} force(s).\nThe online panel is deliberately skewed against the margins (too few "
        "young people, men and people in work) so that raking visibly matters.\n", encoding="utf-8")
    return paths
