"""The case-file review tables: frames and their records, draws (per force and stratum), sampled files and
answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from peelkit.ledger.base import Base, Versioned


class SamplingFrame(Base):
    """One imported list of crimes recorded, from which samples are drawn. Frames are never edited."""

    __tablename__ = "file_review_frame"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    source_file: Mapped[str] = mapped_column(String(500), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False)
    record_count: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(200), nullable=False)


class FrameRecord(Base):
    __tablename__ = "file_review_record"
    __table_args__ = (UniqueConstraint("frame_id", "force_code", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("file_review_frame.id"), nullable=False)
    reference: Mapped[str] = mapped_column(String(100), nullable=False)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False)
    crime_type: Mapped[str] = mapped_column(String(40), nullable=False)
    date_recorded: Mapped[date] = mapped_column(Date, nullable=False)
    source_row: Mapped[int] = mapped_column(Integer, nullable=False)


class SampleDraw(Base):
    """A sample definition: everything needed to repeat the draw exactly."""

    __tablename__ = "file_review_draw"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("file_review_frame.id"), nullable=False, index=True)
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    window_start: Mapped[date] = mapped_column(Date, nullable=False)
    window_end: Mapped[date] = mapped_column(Date, nullable=False)
    crime_types: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    sizes: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False)  # every force code -> size asked for
    size_overrides: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False)  # the ones that were not default
    allocation_rule: Mapped[str] = mapped_column(String(80), nullable=False)
    allocation_version: Mapped[int] = mapped_column(Integer, nullable=False)
    numpy_version: Mapped[str] = mapped_column(String(40), nullable=False)
    drawn_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    drawn_by: Mapped[str] = mapped_column(String(200), nullable=False)


class DrawForce(Base):
    """Per force: the size asked for, the eligible files, the files drawn and whether it took them all."""

    __tablename__ = "file_review_draw_force"

    draw_id: Mapped[int] = mapped_column(ForeignKey("file_review_draw.id"), primary_key=True)
    force_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    target_size: Mapped[int] = mapped_column(Integer, nullable=False)
    eligible: Mapped[int] = mapped_column(Integer, nullable=False)
    drawn: Mapped[int] = mapped_column(Integer, nullable=False)
    takes_all: Mapped[bool] = mapped_column(Boolean, nullable=False)


class DrawStratum(Base):
    __tablename__ = "file_review_stratum"

    draw_id: Mapped[int] = mapped_column(ForeignKey("file_review_draw.id"), primary_key=True)
    force_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    crime_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    allocated: Mapped[int] = mapped_column(Integer, nullable=False)


class SampledFile(Base):
    __tablename__ = "file_review_sample"
    __table_args__ = (UniqueConstraint("draw_id", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("file_review_draw.id"), nullable=False)
    record_id: Mapped[int] = mapped_column(ForeignKey("file_review_record.id"), nullable=False)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False)
    crime_type: Mapped[str] = mapped_column(String(40), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # order drawn within its stratum, from 1


class ReviewAnswer(Versioned, Base):
    """A reviewer's answer for one sampled file and criterion; every change leaves an audit row."""

    __tablename__ = "file_review_answer"
    __audited__ = True
    __audit_force_via__ = ("sample_id", "file_review_sample")  # the audit row names its sampled file's force
    __table_args__ = (
        UniqueConstraint("sample_id", "criterion"),
        CheckConstraint("answer IN ('yes', 'no', 'not_applicable')", name="answer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("file_review_sample.id"), nullable=False)
    criterion: Mapped[str] = mapped_column(String(60), nullable=False)
    answer: Mapped[str] = mapped_column(String(20), nullable=False)
    answered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    answered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
