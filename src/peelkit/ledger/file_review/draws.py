"""Drawing and storing a sample, repeating it from what was stored, and reading it back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.ledger.base import get_or_raise, utcnow
from peelkit.ledger.file_review.frame import FrameRow
from peelkit.ledger.file_review.models import (
    DrawForce,
    DrawStratum,
    FrameRecord,
    SampledFile,
    SampleDraw,
    SamplingFrame,
)
from peelkit.ledger.file_review.rules import (
    ALLOCATION_RULE,
    ALLOCATION_VERSION,
    CRIME_TYPES,
    WINDOW_2017,
    FileReviewError,
)
from peelkit.ledger.file_review.sampling import (
    DrawDefinition,
    ForcePlan,
    check_crime_types,
    plan_draw,
    resolve_sizes,
)


def frame_rows(session: Session, frame_id: int, definition: DrawDefinition) -> list[tuple[int, FrameRow]]:
    query = select(FrameRecord.id, FrameRecord.reference, FrameRecord.force_code, FrameRecord.crime_type,
                   FrameRecord.date_recorded).where(
        FrameRecord.frame_id == frame_id,
        FrameRecord.date_recorded >= definition.window_start,
        FrameRecord.date_recorded <= definition.window_end,
        FrameRecord.crime_type.in_(definition.crime_types),
    )
    return [(rid, FrameRow(ref, force, crime, recorded)) for rid, ref, force, crime, recorded in session.execute(query)]


def definition_of(draw: SampleDraw) -> DrawDefinition:
    return DrawDefinition(seed=draw.seed, sizes=dict(draw.sizes), window_start=draw.window_start,
                          window_end=draw.window_end, crime_types=tuple(draw.crime_types),
                          allocation_rule=draw.allocation_rule, allocation_version=draw.allocation_version)


def get_frame(session: Session, frame_id: int) -> SamplingFrame:
    return get_or_raise(session, SamplingFrame, frame_id,
                        FileReviewError(f"there is no sampling frame {frame_id}; import one with `import-frame`"))


def get_draw(session: Session, draw_id: int) -> SampleDraw:
    return get_or_raise(session, SampleDraw, draw_id,
                        FileReviewError(f"there is no draw {draw_id}; make one with `draw`"))


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
                                crime_types=check_crime_types(crime_types))
    for earlier in session.scalars(select(SampleDraw).where(SampleDraw.frame_id == frame_id,
                                                            SampleDraw.seed == seed)):
        if definition_of(earlier) == definition:
            return earlier, False
    rows = frame_rows(session, frame_id, definition)
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
    definition = definition_of(draw)
    return plan_draw((row for _, row in frame_rows(session, draw.frame_id, definition)), definition)


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
