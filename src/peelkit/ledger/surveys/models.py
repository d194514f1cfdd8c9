"""The survey tables: waves, public respondents, population margins and staff responses; finding and
creating a wave."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

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
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from peelkit.files import sha256_of
from peelkit.ledger.base import Base, utcnow
from peelkit.ledger.surveys.rules import SurveyError


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


def get_wave(session: Session, wave_id: int, kind: str | None = None) -> SurveyWave:
    wave = session.get(SurveyWave, wave_id)
    if wave is None:
        known = session.scalars(select(SurveyWave.id).order_by(SurveyWave.id)).all()
        hint = f" (waves: {', '.join(map(str, known))})" if known else " (no waves imported yet)"
        raise SurveyError(f"there is no survey wave {wave_id}{hint}")
    if kind is not None and wave.kind != kind:
        wanted = "a public attitude survey" if kind == "public" else "a staff survey"
        raise SurveyError(f"wave {wave_id} ({wave.name}) is a {wave.kind} survey, not {wanted}")
    return wave


def new_wave(session: Session, path: Path, kind: str, name: str, year: int, mode: str,
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
