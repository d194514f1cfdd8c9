"""Judgments: one grade per force, framework year and question (or the overall grade), under a risk-based
approach in which questions not re-inspected in a year keep their latest earlier grade.

A blank grade is *unknown*, never a grade: it is stored as a row whose ``grade`` is NULL (``grade_status``
'unknown' in every output), which keeps what the source does say about that question (whether it was
inspected that year, the source and the confidence). An unknown grade for a question that was not re-inspected
is filled from the latest earlier judgment on the same scale, like a missing row; an unknown grade for a
question that was inspected that year stays unknown (an older grade does not stand for a newer inspection).

Every change writes an audit row (``__audited__``); the ``version`` column detects concurrent edits, which are
refused with ConflictError, as are edits made against an older version (``expected_version``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from peelkit.errors import InputError
from peelkit.ledger import frameworks as fw
from peelkit.ledger.base import Base, ConflictError, Versioned, check_version, utcnow


class Judgment(Versioned, Base):
    __tablename__ = "judgment"
    __audited__ = True
    __table_args__ = (UniqueConstraint("force_code", "framework_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    framework_id: Mapped[str] = mapped_column(String(60), nullable=False)
    question_id: Mapped[str] = mapped_column(String(80), nullable=False)
    # NULL = unknown (a blank grade in the source); never a grade.
    grade: Mapped[str | None] = mapped_column(String(40), nullable=True)
    inspected_this_year: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # Programme year label in which the standing grade was last inspected, when the source says so.
    last_inspected: Mapped[str | None] = mapped_column(String(10), nullable=True)
    judged_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    confidence: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @property
    def framework(self) -> fw.Framework:
        return fw.get(self.framework_id)

    def describe(self) -> str:
        return f"the {self.framework.year} judgment of {self.force_code} on {self.question_id}"


_UNSET: Any = object()


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(what) from error


def record_judgment(
    session: Session,
    force: str,
    year: str,
    question_id: str,
    grade: str | None,
    *,
    inspected_this_year: bool = True,
    last_inspected: str | None = _UNSET,
    judged_on: date | None = None,
    source: str | None = None,
    evidence: str | None = None,
    confidence: str | None = None,
    expected_version: int | None = None,
) -> Judgment:
    """Insert or update the judgment of a force on one question of a framework year (id or year label).

    ``grade`` None (or blank) records an unknown grade. With ``expected_version`` (the version the editor read)
    an edit of a record changed since then raises ConflictError; so does a concurrent flush.
    """
    from peelkit.forces import match_force

    force_code = match_force(force).code
    framework = fw.get(year)
    framework.question(question_id)
    clean = framework.check_grade(question_id, grade) if grade is not None and grade.strip() else None
    if last_inspected is _UNSET:
        last_inspected = framework.year if inspected_this_year else None
    if last_inspected is not None:
        inspected_in = fw.get(last_inspected)
        if inspected_in.order > framework.order:
            raise InputError(f"last inspected {last_inspected} is after the programme year {framework.year}")
        last_inspected = inspected_in.year
    values: dict[str, Any] = {
        "grade": clean, "inspected_this_year": inspected_this_year, "last_inspected": last_inspected,
        "judged_on": judged_on, "source": source, "evidence": evidence, "confidence": confidence,
    }
    judgment = session.scalars(select(Judgment).where(
        Judgment.force_code == force_code, Judgment.framework_id == framework.id,
        Judgment.question_id == question_id)).one_or_none()
    if judgment is None:
        if expected_version:  # 0: the editor saw no judgment, and there is none
            raise ConflictError(f"the {framework.year} judgment of {force_code} on {question_id}", expected_version, 0)
        judgment = Judgment(force_code=force_code, framework_id=framework.id, question_id=question_id, **values)
        session.add(judgment)
    else:
        if expected_version is not None:
            check_version(judgment, expected_version, judgment.describe())
        for key, value in values.items():
            if getattr(judgment, key) != value:
                setattr(judgment, key, value)
    _flush(session, f"the {framework.year} judgment of {force_code} on {question_id}")
    return judgment


def save(session: Session, judgment: Judgment) -> None:
    """Flush edits made directly on a loaded judgment; a concurrent change raises ConflictError."""
    _flush(session, judgment.describe())


@dataclass(frozen=True)
class Standing:
    """The grade that stands for one question in one programme year."""

    question_id: str
    title: str
    graded: bool
    grade: str | None
    grade_status: str  # 'known' or 'unknown'
    last_inspected: str | None
    carried_forward: bool
    inspected_this_year: bool | None
    source: str | None
    confidence: str | None
    # How the grade stands: 'inspected', 'carried forward', 'carried forward (no record for this year)',
    # 'unknown' or 'no judgment'.
    basis: str = ""
    # The version of this year's own record (0: none yet): what `record-judgment --expected-version` takes.
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StandingReport:
    force_code: str
    force: str
    framework: fw.Framework
    questions: list[Standing]
    overall: Standing | None
    previous_year: str | None
    previous_overall: str | None
    movement: str

    @property
    def year(self) -> str:
        return self.framework.year


def _judgments(session: Session, force_code: str) -> dict[tuple[str, str], Judgment]:
    rows = session.scalars(select(Judgment).where(Judgment.force_code == force_code)).all()
    return {(j.framework_id, j.question_id): j for j in rows}


def _standing(framework: fw.Framework, question: fw.Question, found: dict[tuple[str, str], Judgment]) -> Standing:
    own = found.get((framework.id, question.id))

    def make(j: Judgment | None, grade: str | None, last: str | None, carried: bool, basis: str) -> Standing:
        return Standing(question.id, question.title, question.graded, grade,
                        "known" if grade is not None else "unknown", last, carried,
                        own.inspected_this_year if own is not None else None,
                        j.source if j is not None else None, j.confidence if j is not None else None, basis,
                        own.version if own is not None else 0)

    if own is not None and own.inspected_this_year:
        return make(own, own.grade, framework.year, False, "inspected" if own.grade is not None else "unknown")
    if own is not None and own.grade is not None:
        last = own.last_inspected or _last_inspected_before(framework, question.id, found)
        return make(own, own.grade, last, True, "carried forward")
    # Not re-inspected this year (or no record of this year): the latest earlier judgment on the same scale
    # stands.
    for earlier in fw.earlier_on_same_scale(framework):
        previous = found.get((earlier.id, question.id))
        if previous is not None and previous.grade is not None:
            last = previous.last_inspected or (earlier.year if previous.inspected_this_year else None)
            basis = "carried forward" if own is not None else f"carried forward (no record for {framework.year})"
            return make(previous, previous.grade, last, True, basis)
    if own is not None:
        return make(own, None, own.last_inspected, True, "unknown")
    return make(None, None, None, False, "no judgment")


def _last_inspected_before(framework: fw.Framework, question_id: str,
                           found: dict[tuple[str, str], Judgment]) -> str | None:
    for earlier in fw.earlier_on_same_scale(framework):
        previous = found.get((earlier.id, question_id))
        if previous is not None and previous.inspected_this_year:
            return earlier.year
    return None


def standing_judgments(session: Session, force: str, year: str) -> StandingReport:
    """Per question of that year's framework, the standing grade and the year it was last inspected (a question
    not re-inspected carries forward the latest earlier judgment on the same scale, marked carried_forward);
    plus the overall grade, the previous year's overall grade and the movement between them."""
    from peelkit.forces import match_force

    area = match_force(force)
    framework = fw.get(year)
    found = _judgments(session, area.code)
    questions = [_standing(framework, q, found) for q in framework.questions]
    overall = None
    previous_year = previous_grade = None
    movement = "no overall grade"
    if framework.overall:
        own = found.get((framework.id, fw.OVERALL))
        grade = own.grade if own is not None else None
        if own is None:
            overall = Standing(fw.OVERALL, "Overall effectiveness", True, None, "unknown", None, False, None,
                               None, None, "no judgment")
        else:
            basis = ("inspected" if own.inspected_this_year else "carried forward") if grade else "unknown"
            overall = Standing(fw.OVERALL, "Overall effectiveness", True, grade, "known" if grade else "unknown",
                               framework.year if own.inspected_this_year else own.last_inspected,
                               not own.inspected_this_year, own.inspected_this_year, own.source, own.confidence,
                               basis, own.version)
        before = fw.previous(framework)
        previous_year = before.year if before else None
        prior = found.get((before.id, fw.OVERALL)) if before else None
        previous_grade = prior.grade if prior is not None else None
        if grade is None:
            movement = "no grade"
        elif before is None or previous_grade is None:
            movement = "no previous grade"
        elif before.scale != framework.scale or not before.overall:
            movement = fw.NOT_COMPARABLE
        else:
            movement = fw.movement(before, previous_grade, framework, grade)
    return StandingReport(area.code, area.name, framework, questions, overall, previous_year, previous_grade,
                          movement)


def history(session: Session, force: str, question_id: str) -> list[tuple[fw.Framework, Judgment]]:
    """Every recorded judgment of a force on one question, oldest first."""
    from peelkit.forces import match_force

    code = match_force(force).code
    rows = session.scalars(select(Judgment).where(Judgment.force_code == code,
                                                  Judgment.question_id == question_id)).all()
    return sorted(((fw.get(j.framework_id), j) for j in rows), key=lambda pair: pair[0].order)


def grade_trend(session: Session, force: str, question_id: str) -> list[tuple[str, str, str | None]]:
    """(year, grade, movement from the previous known grade) for one question; refused (ScaleMismatchError)
    when the recorded grades span more than one scale."""
    points = [(f, j.grade) for f, j in history(session, force, question_id)
              if j.grade is not None and j.grade != fw.UNGRADED]
    moves = fw.trend(points)
    return [(f.year, grade, moves[i - 1] if i else None) for i, (f, grade) in enumerate(points)]
