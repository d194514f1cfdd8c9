"""Case-file review: a sampling frame of recorded crimes, a reproducible stratified random sample of files per
force, each file's answers to the review criteria, and a summary per force and criterion ("18 of 19", a Wilson
interval and the small-sample caveat).

The sample is reproducible from what the draw stores: the frame, the seed, the date window, the crime types,
the per-force sizes and the allocation rule (name and version). Within each force the size is allocated across
the crime-type strata in proportion to their size (largest remainder, at least one per non-empty stratum where
the size allows), and each stratum is drawn with its own random generator seeded from (seed, force, crime type)
over the stratum's references in a fixed sort order. See `plan_draw`.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

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
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from peelkit import forces
from peelkit.errors import InputError
from peelkit.files import sha256_of
from peelkit.findings import Finding, ImportFailed
from peelkit.ledger.base import Base, ConflictError, Versioned, check_version, utcnow

if TYPE_CHECKING:
    from peelkit.warehouse import Stage

# --------------------------------------------------------------------------- reference data

CRIME_TYPES_2017: tuple[tuple[str, str], ...] = (
    ("theft_from_person", "Theft from the person"),
    ("rape", "Rape (including attempts)"),
    ("stalking", "Stalking"),
    ("harassment", "Harassment"),
    ("common_assault", "Common assault"),
    ("wounding_gbh", "Wounding/GBH"),
    ("abh", "Assault occasioning actual bodily harm (ABH)"),
)
"""The crime types of the 2017 case-file review, as (id, label). A frame may only hold these."""

CRIME_TYPES = CRIME_TYPES_2017

# Other spellings a force's crime system export may use (matched after normalising case and punctuation).
CRIME_TYPE_ALIASES: dict[str, str] = {
    "theft from person": "theft_from_person",
    "rape": "rape",
    "attempted rape": "rape",
    "rape including attempts": "rape",
    "wounding": "wounding_gbh",
    "gbh": "wounding_gbh",
    "wounding gbh": "wounding_gbh",
    "wounding or gbh": "wounding_gbh",
    "abh": "abh",
    "actual bodily harm": "abh",
    "assault with injury": "abh",
}

CRITERIA: tuple[tuple[str, str], ...] = (
    ("victim_needs_assessed", "The victim's needs were assessed at first contact"),
    ("supervision_evident", "Supervision of the investigation is evident"),
    ("evidence_secured", "Available evidence was secured promptly"),
    ("victim_updated", "The victim was kept updated as the code of practice requires"),
    ("appropriate_outcome", "The outcome was appropriate"),
)
"""The review criteria, as (id, text)."""

ANSWERS = ("yes", "no", "not_applicable")

WINDOW_2017 = (date(2017, 1, 1), date(2017, 3, 31))
"""Crimes recorded in this window (both ends included) form the 2017 frame."""

DEFAULT_SIZE = 60
LARGE_FORCE_SIZE = 90
LARGE_FORCES = ("Metropolitan Police", "West Midlands", "West Yorkshire")
"""The three largest forces get 90 files by default, every other force 60."""

ALLOCATION_RULE = "proportional-largest-remainder-min1"
ALLOCATION_VERSION = 1
"""Bump the version whenever the allocation, the seed derivation or the draw within a stratum changes: a stored
draw names the version it was made with, and `redraw` refuses a draw made with another one."""

SMALL_BASE = 30
"""A percentage on a base (yes + no) under 30 files carries the small-sample caveat. 30 is the usual rule of
thumb: below it one file moves the percentage by more than 3 points and the 95% interval around 50% is wider
than about +/-17 points, so the figure indicates rather than measures."""

CONFIDENCE = 0.95

SMALL_BASE_CAVEAT = (f"Based on fewer than {SMALL_BASE} files: treat this percentage as an indication only; "
                     "the interval shows how uncertain it is.")
POOLED_NOTE = ("All forces' files pooled without weighting; forces' sampling fractions differ, so this is a "
               "total of the reviewed files, not an estimate for every crime in England and Wales.")


def crime_type_label(crime_type: str) -> str:
    return dict(CRIME_TYPES)[crime_type]


def criterion_text(criterion: str) -> str:
    return dict(CRITERIA)[criterion]


_NON_WORD = re.compile(r"[^a-z0-9]+")


def _norm(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower().replace("&", " and ")).strip()


def match_crime_type(text: str) -> str | None:
    """The crime type id a label, id or known alias denotes, or None."""
    key = _norm(text)
    for crime_id, label in CRIME_TYPES:
        if key in (_norm(crime_id), _norm(label)):
            return crime_id
    return CRIME_TYPE_ALIASES.get(key)


def _suggest(text: str, choices: Iterable[str]) -> list[str]:
    options = {_norm(c): c for c in choices}
    return [options[k] for k in difflib.get_close_matches(_norm(text), list(options), n=3, cutoff=0.5)]


def default_sizes() -> dict[str, int]:
    """The default number of files per force code: 60, or 90 for the three largest forces."""
    large = {forces.match_force(name).code for name in LARGE_FORCES}
    return {f.code: LARGE_FORCE_SIZE if f.code in large else DEFAULT_SIZE for f in forces.forces()}


class FileReviewError(InputError):
    exit_code = 2


# --------------------------------------------------------------------------- models


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


# --------------------------------------------------------------------------- importing a frame

REQUIRED_COLUMNS = ["reference", "crime_type", "date_recorded", "force"]
SYNTHETIC_COLUMN = "synthetic"
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}


class _Problems:
    """Stands in for the warehouse Stage that CsvRows reports to: it only needs `problem`."""

    def __init__(self, file_label: str, limit: int = 50) -> None:
        self.file_label = file_label
        self.limit = limit
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = {}

    def problem(self, code: str, message: str, **where: Any) -> None:
        self.counts[code] = self.counts.get(code, 0) + 1
        if self.counts[code] <= self.limit:
            self.findings.append(Finding(code=code, message=message, file=self.file_label, **where))

    @property
    def suppressed(self) -> list[str]:
        return [f"{self.file_label}: {n - self.limit} more [{code}] problems not listed"
                for code, n in self.counts.items() if n > self.limit]


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
    problems = _Problems(path.name)
    reader = CsvRows(path, cast("Stage", problems), REQUIRED_COLUMNS, optional=(SYNTHETIC_COLUMN,))
    rows: list[FrameRow] = []
    seen: dict[tuple[str, str], int] = {}
    synthetic_flags: set[bool] = set()
    allowed = "; ".join(f"{cid} ({label})" for cid, label in CRIME_TYPES)
    for row_number, values in reader:
        ok = True
        reference = values["reference"].strip()
        if not reference:
            problems.problem("blank-value", "the crime reference is blank", row=row_number, column="reference",
                             expected="the force's crime reference number")
            ok = False
        area = forces.find(values["force"])
        if area is None or not area.is_territorial_force:
            if area is None:
                suggestions = forces.suggest(values["force"])
                message = f"{values['force'].strip()!r} is not a known police force"
            else:
                suggestions = []
                message = f"{area.name} is a {area.kind}, not one of the 43 territorial forces"
            hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 force names"
            problems.problem("unknown-force", message, row=row_number, column="force", value=values["force"],
                             expected=hint)
            ok = False
        crime_type = match_crime_type(values["crime_type"])
        if crime_type is None:
            close = _suggest(values["crime_type"], [label for _, label in CRIME_TYPES])
            problems.problem("unexpected-value", "the crime type is not one reviewed", row=row_number,
                             column="crime_type", value=values["crime_type"],
                             expected=f"closest: {', '.join(close)}" if close else f"one of {allowed}")
            ok = False
        recorded = parse_date(values["date_recorded"])
        if recorded is None:
            problems.problem("bad-date", "the date recorded cannot be read", row=row_number,
                             column="date_recorded", value=values["date_recorded"],
                             expected="a date as yyyy-mm-dd or dd/mm/yyyy")
            ok = False
        if SYNTHETIC_COLUMN in values:
            flag = values[SYNTHETIC_COLUMN].strip().lower()
            if flag in _TRUE | _FALSE:
                synthetic_flags.add(flag in _TRUE)
            else:
                problems.problem("unexpected-value", "the synthetic marker must be yes or no", row=row_number,
                                 column=SYNTHETIC_COLUMN, value=values[SYNTHETIC_COLUMN], expected="yes or no")
                ok = False
        if reference and area is not None and area.is_territorial_force:
            key = (area.code, reference)
            if key in seen:
                problems.problem("duplicate-key", f"reference {reference!r} appears twice for {area.name} "
                                 f"(first at row {seen[key]})", row=row_number, column="reference",
                                 value=reference, expected="each reference once per force")
                ok = False
            else:
                seen[key] = row_number
        if ok:
            assert area is not None and crime_type is not None and recorded is not None
            rows.append(FrameRow(reference, area.code, crime_type, recorded, row_number))
    if len(synthetic_flags) > 1:
        problems.problem("unexpected-value", "some rows are marked synthetic and some are not; a frame is "
                         "either wholly synthetic or wholly real", column=SYNTHETIC_COLUMN,
                         expected="the same marker on every row")
    if problems.findings:
        raise ImportFailed(problems.findings, problems.suppressed)
    return rows, synthetic_flags == {True}




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


# --------------------------------------------------------------------------- drawing a sample


@dataclass(frozen=True)
class DrawDefinition:
    seed: int
    sizes: Mapping[str, int]
    window_start: date = WINDOW_2017[0]
    window_end: date = WINDOW_2017[1]
    crime_types: tuple[str, ...] = tuple(cid for cid, _ in CRIME_TYPES)
    allocation_rule: str = ALLOCATION_RULE
    allocation_version: int = ALLOCATION_VERSION


@dataclass(frozen=True)
class StratumPlan:
    crime_type: str
    population: int
    allocated: int
    references: tuple[str, ...]  # in the order drawn


@dataclass(frozen=True)
class ForcePlan:
    force_code: str
    target_size: int
    strata: tuple[StratumPlan, ...]

    @property
    def eligible(self) -> int:
        return sum(s.population for s in self.strata)

    @property
    def drawn(self) -> int:
        return sum(s.allocated for s in self.strata)

    @property
    def takes_all(self) -> bool:
        return 0 < self.eligible <= self.target_size

    @property
    def note(self) -> str:
        return force_note(self.eligible, self.target_size)


def force_note(eligible: int, target_size: int) -> str:
    """What a draw says about a force that could not have its full sample."""
    if target_size == 0:
        return "not sampled (size 0)"
    if eligible == 0:
        return "no eligible files in the frame"
    if eligible <= target_size:
        return f"takes all {eligible} eligible files (fewer than the {target_size} asked for)"
    return ""


def allocate(size: int, populations: Sequence[int]) -> list[int]:
    """Split `size` across strata in proportion to `populations` (largest remainder), capped at each stratum.

    - If the strata hold no more than `size` files between them, every file is taken.
    - Each stratum first gets the whole part of its quota size * N_h / N; the units left over go to the largest
      fractional parts (ties: the larger stratum, then the earlier one). Integer arithmetic, so no float ties.
    - Then, if there are no more non-empty strata than `size`, every non-empty stratum gets at least one: a unit
      is moved from the stratum whose allocation most exceeds its quota (among those with more than one) to the
      largest stratum still at zero, until none is at zero.
    - No stratum gets more than it holds (the proportional allocation never exceeds a stratum when size < N).
    """
    if size < 0 or any(p < 0 for p in populations):
        raise ValueError("sizes and populations cannot be negative")
    total = sum(populations)
    if size >= total:
        return list(populations)
    n = len(populations)
    alloc = [size * p // total for p in populations]
    remainder = [size * p % total for p in populations]
    left = size - sum(alloc)
    for i in sorted(range(n), key=lambda i: (-remainder[i], -populations[i], i))[:left]:
        alloc[i] += 1
    if sum(1 for p in populations if p > 0) <= size:
        while True:
            zero = [i for i in range(n) if populations[i] > 0 and alloc[i] == 0]
            if not zero:
                break
            donor = max((i for i in range(n) if alloc[i] > 1),
                        key=lambda i: (alloc[i] * total - size * populations[i], alloc[i], -i))
            receiver = min(zero, key=lambda i: (-populations[i], i))
            alloc[donor] -= 1
            alloc[receiver] += 1
    assert sum(alloc) == size and all(0 <= a <= p for a, p in zip(alloc, populations, strict=True))
    return alloc


def stratum_seed(seed: int, force_code: str, crime_type: str) -> int:
    """The seed of one stratum's generator: the first 128 bits of sha256 over (version, seed, force, crime type).

    Hashing the names (rather than spawning child seeds in some order) makes a stratum's stream depend on nothing
    but the draw's seed and the stratum itself: adding a force or a crime type, or listing them in another order,
    leaves every other stratum's sample unchanged.
    """
    text = f"peelkit-file-review/v{ALLOCATION_VERSION}|{seed}|{force_code}|{crime_type}"
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:16], "big")


def draw_stratum(references: Sequence[str], k: int, seed: int, force_code: str, crime_type: str) -> tuple[str, ...]:
    """k of the references, at random without replacement, in the order drawn.

    The references are sorted by code point first (Python's str order, never a database's collation, which
    differs between SQLite and PostgreSQL and between locales): the sample then depends only on which records
    the frame holds, not on the order the file listed them or the database returned them.
    """
    import numpy as np

    ordered = sorted(references)
    if k >= len(ordered):
        return tuple(ordered)
    rng = np.random.Generator(np.random.PCG64(stratum_seed(seed, force_code, crime_type)))
    picks = rng.choice(len(ordered), size=k, replace=False)
    return tuple(ordered[int(i)] for i in picks)


def plan_draw(rows: Iterable[FrameRow], definition: DrawDefinition) -> list[ForcePlan]:
    """The sample for every force in `definition.sizes`, from the frame's rows (a pure function).

    Rows outside the window or of a crime type not chosen are not eligible. Each force is drawn on its own (its
    size, its strata, its seeds), so no force's sample depends on another force being in the frame.
    """
    if definition.allocation_rule != ALLOCATION_RULE or definition.allocation_version != ALLOCATION_VERSION:
        raise FileReviewError(
            f"this draw used allocation rule {definition.allocation_rule} version {definition.allocation_version}; "
            f"this peelkit implements {ALLOCATION_RULE} version {ALLOCATION_VERSION} and cannot repeat it")
    chosen = set(definition.crime_types)
    strata: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row.crime_type in chosen and definition.window_start <= row.date_recorded <= definition.window_end:
            strata.setdefault((row.force_code, row.crime_type), []).append(row.reference)
    order = [cid for cid, _ in CRIME_TYPES if cid in chosen]
    plans = []
    for force_code in sorted(definition.sizes):
        size = definition.sizes[force_code]
        populations = [len(strata.get((force_code, c), [])) for c in order]
        allocation = allocate(size, populations)
        plans.append(ForcePlan(force_code, size, tuple(
            StratumPlan(crime, pop, k, draw_stratum(strata.get((force_code, crime), []), k, definition.seed,
                                                    force_code, crime))
            for crime, pop, k in zip(order, populations, allocation, strict=True))))
    return plans


def resolve_sizes(overrides: Mapping[str, int] | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """(sizes for every force code, the overrides by force code); forces may be named in any spelling."""
    sizes = default_sizes()
    resolved: dict[str, int] = {}
    for name, size in (overrides or {}).items():
        if size < 0:
            raise FileReviewError(f"the sample size for {name} cannot be negative (got {size})")
        resolved[forces.match_force(name).code] = size
    sizes.update(resolved)
    return sizes, resolved


def _check_crime_types(crime_types: Sequence[str] | None) -> tuple[str, ...]:
    if not crime_types:
        return tuple(cid for cid, _ in CRIME_TYPES)
    chosen = []
    for text in crime_types:
        crime = match_crime_type(text)
        if crime is None:
            close = _suggest(text, [cid for cid, _ in CRIME_TYPES])
            hint = f" Closest: {', '.join(close)}." if close else ""
            raise FileReviewError(f"{text!r} is not a reviewed crime type.{hint}")
        if crime not in chosen:
            chosen.append(crime)
    return tuple(cid for cid, _ in CRIME_TYPES if cid in chosen)


def _frame_rows(session: Session, frame_id: int, definition: DrawDefinition) -> list[tuple[int, FrameRow]]:
    query = select(FrameRecord.id, FrameRecord.reference, FrameRecord.force_code, FrameRecord.crime_type,
                   FrameRecord.date_recorded).where(
        FrameRecord.frame_id == frame_id,
        FrameRecord.date_recorded >= definition.window_start,
        FrameRecord.date_recorded <= definition.window_end,
        FrameRecord.crime_type.in_(definition.crime_types),
    )
    return [(rid, FrameRow(ref, force, crime, recorded)) for rid, ref, force, crime, recorded in session.execute(query)]


def _definition(draw: SampleDraw) -> DrawDefinition:
    return DrawDefinition(seed=draw.seed, sizes=dict(draw.sizes), window_start=draw.window_start,
                          window_end=draw.window_end, crime_types=tuple(draw.crime_types),
                          allocation_rule=draw.allocation_rule, allocation_version=draw.allocation_version)


def get_frame(session: Session, frame_id: int) -> SamplingFrame:
    frame = session.get(SamplingFrame, frame_id)
    if frame is None:
        raise FileReviewError(f"there is no sampling frame {frame_id}; import one with `import-frame`")
    return frame


def get_draw(session: Session, draw_id: int) -> SampleDraw:
    draw = session.get(SampleDraw, draw_id)
    if draw is None:
        raise FileReviewError(f"there is no draw {draw_id}; make one with `draw`")
    return draw


def draw_sample(session: Session, frame_id: int, seed: int, window: tuple[date, date] = WINDOW_2017,
                crime_types: Sequence[str] | None = None,
                size_overrides: Mapping[str, int] | None = None) -> tuple[SampleDraw, bool]:
    """Draw and store a sample. Returns (draw, created): the same definition drawn before returns that draw."""
    import numpy as np
    from sqlalchemy import insert

    get_frame(session, frame_id)
    if not 0 <= seed < 2**63:
        raise FileReviewError(f"the seed must be a whole number from 0 to {2**63 - 1} (got {seed})")
    if window[0] > window[1]:
        raise FileReviewError(f"the window starts ({window[0]}) after it ends ({window[1]})")
    sizes, overrides = resolve_sizes(size_overrides)
    definition = DrawDefinition(seed=seed, sizes=sizes, window_start=window[0], window_end=window[1],
                                crime_types=_check_crime_types(crime_types))
    for earlier in session.scalars(select(SampleDraw).where(SampleDraw.frame_id == frame_id,
                                                            SampleDraw.seed == seed)):
        if _definition(earlier) == definition:
            return earlier, False
    rows = _frame_rows(session, frame_id, definition)
    record_ids = {(row.force_code, row.reference): rid for rid, row in rows}
    plans = plan_draw((row for _, row in rows), definition)
    draw = SampleDraw(frame_id=frame_id, seed=seed, window_start=window[0], window_end=window[1],
                      crime_types=list(definition.crime_types), sizes=sizes, size_overrides=overrides,
                      allocation_rule=ALLOCATION_RULE, allocation_version=ALLOCATION_VERSION,
                      numpy_version=np.__version__, drawn_at=utcnow(),
                      drawn_by=str(session.info.get("actor", "system")))
    session.add(draw)
    session.flush()
    force_rows, strata_rows, sample_rows = [], [], []
    for plan in plans:
        force_rows.append({"draw_id": draw.id, "force_code": plan.force_code, "target_size": plan.target_size,
                           "eligible": plan.eligible, "drawn": plan.drawn, "takes_all": plan.takes_all})
        for stratum in plan.strata:
            strata_rows.append({"draw_id": draw.id, "force_code": plan.force_code, "crime_type": stratum.crime_type,
                                "population": stratum.population, "allocated": stratum.allocated})
            for position, reference in enumerate(stratum.references, start=1):
                sample_rows.append({"draw_id": draw.id, "record_id": record_ids[(plan.force_code, reference)],
                                    "force_code": plan.force_code, "crime_type": stratum.crime_type,
                                    "position": position})
    session.execute(insert(DrawForce), force_rows)
    session.execute(insert(DrawStratum), strata_rows)
    if sample_rows:
        session.execute(insert(SampledFile), sample_rows)
    return draw, True


def redraw(session: Session, draw_id: int) -> list[ForcePlan]:
    """Repeat a stored draw from its definition and the frame (nothing is written)."""
    draw = get_draw(session, draw_id)
    definition = _definition(draw)
    return plan_draw((row for _, row in _frame_rows(session, draw.frame_id, definition)), definition)


def stored_sample(session: Session, draw_id: int) -> dict[tuple[str, str], tuple[str, ...]]:
    """(force code, crime type) -> the references stored for the draw, in the order drawn."""
    query = (select(SampledFile.force_code, SampledFile.crime_type, FrameRecord.reference)
             .join(FrameRecord, FrameRecord.id == SampledFile.record_id)
             .where(SampledFile.draw_id == draw_id)
             .order_by(SampledFile.force_code, SampledFile.crime_type, SampledFile.position))
    found: dict[tuple[str, str], list[str]] = {}
    for force_code, crime_type, reference in session.execute(query):
        found.setdefault((force_code, crime_type), []).append(reference)
    return {key: tuple(refs) for key, refs in found.items()}


def verify_draw(session: Session, draw_id: int) -> list[str]:
    """The force codes whose repeated draw differs from the stored sample (empty when it repeats exactly)."""
    stored = stored_sample(session, draw_id)
    differ = []
    for plan in redraw(session, draw_id):
        again = {(plan.force_code, s.crime_type): s.references for s in plan.strata if s.references}
        mine = {key: refs for key, refs in stored.items() if key[0] == plan.force_code}
        if again != mine:
            differ.append(plan.force_code)
    return differ


@dataclass(frozen=True)
class SampledFileRow:
    sample_id: int
    force_code: str
    crime_type: str
    position: int
    reference: str
    date_recorded: date


def draw_files(session: Session, draw_id: int, force_code: str | None = None) -> list[SampledFileRow]:
    query = (select(SampledFile.id, SampledFile.force_code, SampledFile.crime_type, SampledFile.position,
                    FrameRecord.reference, FrameRecord.date_recorded)
             .join(FrameRecord, FrameRecord.id == SampledFile.record_id)
             .where(SampledFile.draw_id == draw_id))
    if force_code:
        query = query.where(SampledFile.force_code == force_code)
    order = {cid: i for i, (cid, _) in enumerate(CRIME_TYPES)}
    rows = [SampledFileRow(*r) for r in session.execute(query)]
    return sorted(rows, key=lambda r: (r.force_code, order[r.crime_type], r.position))


def draw_forces(session: Session, draw_id: int, force_code: str | None = None) -> list[DrawForce]:
    query = select(DrawForce).where(DrawForce.draw_id == draw_id).order_by(DrawForce.force_code)
    if force_code:
        query = query.where(DrawForce.force_code == force_code)
    return list(session.scalars(query))


def draw_strata(session: Session, draw_id: int) -> list[DrawStratum]:
    return list(session.scalars(select(DrawStratum).where(DrawStratum.draw_id == draw_id)))


# --------------------------------------------------------------------------- answers


def _criterion(criterion: str) -> str:
    ids = [cid for cid, _ in CRITERIA]
    key = criterion.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in ids:
        close = difflib.get_close_matches(key, ids, n=3, cutoff=0.5)
        hint = f" Closest: {', '.join(close)}." if close else f" The criteria are: {', '.join(ids)}."
        raise FileReviewError(f"{criterion!r} is not a review criterion.{hint}")
    return key


def _answer(answer: str) -> str:
    key = answer.strip().lower().replace("-", "_").replace(" ", "_")
    key = {"na": "not_applicable", "n/a": "not_applicable", "n_a": "not_applicable"}.get(key, key)
    if key not in ANSWERS:
        raise FileReviewError(f"{answer!r} is not an answer: use yes, no or not_applicable")
    return key


def find_sampled_file(session: Session, draw_id: int, reference: str, force: str | None = None) -> SampledFile:
    get_draw(session, draw_id)
    query = (select(SampledFile).join(FrameRecord, FrameRecord.id == SampledFile.record_id)
             .where(SampledFile.draw_id == draw_id, FrameRecord.reference == reference.strip()))
    if force:
        query = query.where(SampledFile.force_code == forces.match_force(force).code)
    found = list(session.scalars(query))
    if not found:
        raise FileReviewError(f"reference {reference!r} is not among the files drawn in draw {draw_id}"
                              + (f" for {force}" if force else ""))
    if len(found) > 1:
        names = ", ".join(forces.match(f.force_code).name for f in found)
        raise FileReviewError(f"reference {reference!r} was drawn for more than one force ({names}); "
                              "say which with --force")
    return found[0]


def record_answer(session: Session, draw_id: int, reference: str, criterion: str, answer: str,
                  force: str | None = None, expected_version: int | None = None) -> ReviewAnswer:
    """Record (or change) a file's answer to one criterion; the session's actor is the reviewer."""
    sampled = find_sampled_file(session, draw_id, reference, force)
    criterion_id, answer_value = _criterion(criterion), _answer(answer)
    actor = str(session.info.get("actor", "system"))
    row = session.scalars(select(ReviewAnswer).where(ReviewAnswer.sample_id == sampled.id,
                                                     ReviewAnswer.criterion == criterion_id)).first()
    if row is None:
        if expected_version:  # the editor saw an answer that is no longer there
            raise ConflictError(f"the answer for {reference} / {criterion_id}", expected_version, 0)
        row = ReviewAnswer(sample_id=sampled.id, criterion=criterion_id, answer=answer_value, answered_by=actor,
                           answered_at=utcnow())
        session.add(row)
    else:
        if expected_version is not None:
            check_version(row, expected_version, f"the answer for {reference} / {criterion_id}")
        if row.answer != answer_value:
            row.answer, row.answered_by, row.answered_at = answer_value, actor, utcnow()
    session.flush()
    return row


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class SummaryLine:
    force_code: str
    force_name: str
    criterion: str
    yes: int
    no: int
    not_applicable: int
    lower: float | None  # Wilson interval, as a fraction
    upper: float | None
    pooled: bool = False

    @property
    def base(self) -> int:
        return self.yes + self.no

    @property
    def counts(self) -> str:
        return f"{self.yes} of {self.base}"

    @property
    def percent(self) -> float | None:
        return 100 * self.yes / self.base if self.base else None

    @property
    def small_sample(self) -> bool:
        return self.base < SMALL_BASE

    @property
    def caveat(self) -> str:
        if self.base == 0:
            return "No files answered yes or no."
        return SMALL_BASE_CAVEAT if self.small_sample else ""

    @property
    def note(self) -> str:
        return POOLED_NOTE if self.pooled else ""

    def as_dict(self) -> dict[str, Any]:
        return {"force_code": self.force_code, "force": self.force_name, "criterion": self.criterion,
                "criterion_text": criterion_text(self.criterion), "yes": self.yes, "no": self.no,
                "not_applicable": self.not_applicable, "base": self.base, "counts": self.counts,
                "percent": None if self.percent is None else round(self.percent, 1),
                "lower_percent": None if self.lower is None else round(100 * self.lower, 1),
                "upper_percent": None if self.upper is None else round(100 * self.upper, 1),
                "confidence": CONFIDENCE, "small_sample": self.small_sample, "caveat": self.caveat,
                "pooled": self.pooled, "note": self.note}


def summary_line(force_code: str, force_name: str, criterion: str, yes: int, no: int, not_applicable: int,
                 pooled: bool = False) -> SummaryLine:
    from peelkit.stats import wilson_interval

    lower, upper = wilson_interval(yes, yes + no, CONFIDENCE) if yes + no else (None, None)
    return SummaryLine(force_code, force_name, criterion, yes, no, not_applicable, lower, upper, pooled)


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ANSWERS, 0))


def summarise(session: Session, draw_id: int, force_code: str | None = None,
              include_pooled: bool = True) -> list[SummaryLine]:
    """Per force (drawn files only) and criterion, then the England and Wales pooled lines."""
    get_draw(session, draw_id)
    query = (select(SampledFile.force_code, ReviewAnswer.criterion, ReviewAnswer.answer)
             .join(ReviewAnswer, ReviewAnswer.sample_id == SampledFile.id)
             .where(SampledFile.draw_id == draw_id))
    tallies: dict[tuple[str, str], _Tally] = {}
    for code, criterion, answer in session.execute(query):
        tallies.setdefault((code, criterion), _Tally()).counts[answer] += 1
    drawn_forces = [f.force_code for f in draw_forces(session, draw_id) if f.drawn > 0]
    lines = []
    for code in drawn_forces:
        if force_code and code != force_code:
            continue
        name = forces.match(code).name
        for criterion, _ in CRITERIA:
            c = tallies.get((code, criterion), _Tally()).counts
            lines.append(summary_line(code, name, criterion, c["yes"], c["no"], c["not_applicable"]))
    if include_pooled:
        for criterion, _ in CRITERIA:
            totals = dict.fromkeys(ANSWERS, 0)
            for (_code, crit), tally in tallies.items():
                if crit == criterion:
                    for answer in ANSWERS:
                        totals[answer] += tally.counts[answer]
            lines.append(summary_line(forces.ENGLAND_AND_WALES, "England and Wales", criterion, totals["yes"],
                                      totals["no"], totals["not_applicable"], pooled=True))
    return lines


# --------------------------------------------------------------------------- synthetic demo data

# Rough resident populations in millions (about 2017), only to scale the synthetic volumes; the City of London's
# figure stands for its much larger daytime population, and still leaves it fewer files than a full sample.
_DEMO_POPULATION_M: dict[str, float] = {
    "Metropolitan Police": 8.8, "Cumbria": 0.5, "Lancashire": 1.49, "Merseyside": 1.42,
    "Greater Manchester": 2.8, "Cheshire": 1.05, "Northumbria": 1.45, "Durham": 0.63, "North Yorkshire": 0.82,
    "West Yorkshire": 2.3, "South Yorkshire": 1.39, "Humberside": 0.93, "Cleveland": 0.56, "West Midlands": 2.9,
    "Staffordshire": 1.12, "West Mercia": 1.27, "Warwickshire": 0.56, "Derbyshire": 1.03, "Nottinghamshire": 1.15,
    "Lincolnshire": 0.75, "Leicestershire": 1.08, "Northamptonshire": 0.74, "Cambridgeshire": 0.85,
    "Norfolk": 0.9, "Suffolk": 0.75, "Bedfordshire": 0.67, "Hertfordshire": 1.18, "Essex": 1.8,
    "Thames Valley": 2.4, "Hampshire": 1.98, "Surrey": 1.19, "Kent": 1.83, "Sussex": 1.67, "City of London": 0.15,
    "Devon and Cornwall": 1.75, "Avon and Somerset": 1.7, "Gloucestershire": 0.63, "Wiltshire": 0.71,
    "Dorset": 0.77, "North Wales": 0.69, "Gwent": 0.58, "South Wales": 1.3, "Dyfed-Powys": 0.52,
}

# Plausible shares of the reviewed crime types among them (not real figures).
_DEMO_SHARES: dict[str, float] = {
    "theft_from_person": 0.10, "rape": 0.05, "stalking": 0.05, "harassment": 0.22, "common_assault": 0.30,
    "wounding_gbh": 0.08, "abh": 0.20,
}

# Per criterion: (typical share of yes among applicable files, share not applicable).
_DEMO_ANSWER_RATES: dict[str, tuple[float, float]] = {
    "victim_needs_assessed": (0.85, 0.02), "supervision_evident": (0.70, 0.05), "evidence_secured": (0.90, 0.08),
    "victim_updated": (0.75, 0.10), "appropriate_outcome": (0.88, 0.25),
}

DEMO_COLUMNS = ["reference", "crime_type", "date_recorded", "force", SYNTHETIC_COLUMN]


def generate_demo_frame(seed: int, path: Path, per_million: int = 300) -> int:
    """Write a seeded synthetic frame for all 43 forces (every row marked synthetic=yes); returns the row count.

    Volumes are about `per_million` crimes of the reviewed types per million residents, recorded between
    1 Dec 2016 and 30 Apr 2017 (so the 2017 window leaves some out); rows are shuffled.
    """
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(seed))
    crime_ids = [cid for cid, _ in CRIME_TYPES]
    labels = dict(CRIME_TYPES)
    shares = np.array([_DEMO_SHARES[c] for c in crime_ids])
    first, days = date(2016, 12, 1), (date(2017, 4, 30) - date(2016, 12, 1)).days + 1
    rows: list[list[str]] = []
    for area in sorted(forces.forces(), key=lambda a: a.code):
        volume = max(1, round(_DEMO_POPULATION_M[area.name] * per_million * rng.uniform(0.85, 1.15)))
        mix = rng.dirichlet(shares * 200)
        counts = rng.multinomial(volume, mix)
        numbers = rng.choice(np.arange(100000, 999999), size=volume, replace=False)
        prefix = area.police_uk_id.upper().replace("-", "")[:6]
        offsets = rng.integers(0, days, size=volume)
        i = 0
        for crime, count in zip(crime_ids, counts, strict=True):
            for _ in range(int(count)):
                recorded = date.fromordinal(first.toordinal() + int(offsets[i]))
                rows.append([f"{prefix}/{int(numbers[i])}/{recorded:%y}", labels[crime], recorded.isoformat(),
                             area.name, "yes"])
                i += 1
    order = rng.permutation(len(rows))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DEMO_COLUMNS)
        writer.writerows(rows[int(i)] for i in order)
    return len(rows)


def demo_answers(session: Session, draw_id: int, seed: int) -> int:
    """Fill seeded synthetic answers for every drawn file and criterion not yet answered; returns how many.

    Each force has its own share of yes per criterion (around the typical share), so forces differ.
    """
    import numpy as np

    get_draw(session, draw_id)
    rng = np.random.Generator(np.random.PCG64(seed))
    answered = {(sample_id, criterion) for sample_id, criterion in session.execute(
        select(ReviewAnswer.sample_id, ReviewAnswer.criterion)
        .join(SampledFile, SampledFile.id == ReviewAnswer.sample_id)
        .where(SampledFile.draw_id == draw_id))}
    actor = str(session.info.get("actor", "system"))
    now = utcnow()
    files = draw_files(session, draw_id)
    added = 0
    by_force: dict[str, list[SampledFileRow]] = {}
    for f in files:
        by_force.setdefault(f.force_code, []).append(f)
    for force_code in sorted(by_force):
        rates = {c: (rng.beta(yes * 40, (1 - yes) * 40), na) for c, (yes, na) in _DEMO_ANSWER_RATES.items()}
        for f in by_force[force_code]:
            for criterion, _ in CRITERIA:
                yes_rate, na_rate = rates[criterion]
                u = rng.random()
                answer = "not_applicable" if u < na_rate else ("yes" if rng.random() < yes_rate else "no")
                if (f.sample_id, criterion) in answered:
                    continue
                session.add(ReviewAnswer(sample_id=f.sample_id, criterion=criterion, answer=answer,
                                         answered_by=actor, answered_at=now))
                added += 1
    session.flush()
    return added
