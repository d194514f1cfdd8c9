"""Inspection findings: areas for improvement, causes of concern (with their recommendations, in
`peelkit.ledger.recommendations`), accelerated causes of concern, innovative practice and promising practice:
what was raised, about which question, in which programme year, and its status through time (open, in
progress, addressed, closed) with dates and evidence. Practice is noted, not tracked: its status is 'noted'.

An area raised again in a later inspection links to the earlier one (``predecessor_id``), so a report can say
"raised in our last two inspections": `consecutive_inspections` counts the unbroken chain of predecessors
raised in the immediately preceding programme years, `times_raised` the whole chain.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError

from peelkit.errors import InputError, NotFoundError, PeelError
from peelkit.ledger import frameworks as fw
from peelkit.ledger.base import Base, ConflictError, StatusHistory, Versioned, check_version, get_or_raise, utcnow
from peelkit.ledger.recommendations import Recommendation

KINDS = ("area_for_improvement", "cause_of_concern", "accelerated_cause_of_concern", "innovative_practice",
         "promising_practice")
KIND_LABELS = {"area_for_improvement": "Area for improvement", "cause_of_concern": "Cause of concern",
               "accelerated_cause_of_concern": "Accelerated cause of concern",
               "innovative_practice": "Innovative practice", "promising_practice": "Promising practice"}
# Causes of concern carry recommendations; practice is noted, not tracked through statuses.
CAUSE_KINDS = ("cause_of_concern", "accelerated_cause_of_concern")
PRACTICE_KINDS = ("innovative_practice", "promising_practice")
STATUSES = ("open", "in_progress", "addressed", "closed")
NOTED = "noted"
_KIND_CHECK = "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"
_STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in (*STATUSES, NOTED)) + ")"


class ImprovementArea(Versioned, Base):
    __tablename__ = "improvement_area"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(_KIND_CHECK, name="kind"),
        CheckConstraint(_STATUS_CHECK, name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    framework_id: Mapped[str] = mapped_column(String(60), nullable=False)
    question_id: Mapped[str] = mapped_column(String(80), nullable=False)
    year_raised: Mapped[str] = mapped_column(String(10), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("improvement_area.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    predecessor: Mapped[ImprovementArea | None] = relationship(remote_side="ImprovementArea.id")
    history: Mapped[list[AreaStatus]] = relationship(order_by="AreaStatus.id", back_populates="area",
                                                     lazy="selectin")
    recommendations: Mapped[list[Recommendation]] = relationship(order_by="Recommendation.id", lazy="selectin",
                                                                 back_populates="finding")

    def describe(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.id} ({self.force_code}, {self.year_raised})"

    @property
    def is_cause(self) -> bool:
        return self.kind in CAUSE_KINDS

    @property
    def is_practice(self) -> bool:
        return self.kind in PRACTICE_KINDS


class AreaStatus(StatusHistory, Base):
    __tablename__ = "improvement_status"
    __table_args__ = (CheckConstraint(_STATUS_CHECK, name="status"),)
    __audit_force_via__ = ("area_id", "improvement_area")  # the audit row names its area's force

    area_id: Mapped[int] = mapped_column(ForeignKey("improvement_area.id"), nullable=False, index=True)

    area: Mapped[ImprovementArea] = relationship(back_populates="history")


def _actor(session: Session) -> str:
    return str(session.info.get("actor", "system"))


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(what) from error


def get_area(session: Session, area_id: int) -> ImprovementArea:
    return get_or_raise(session, ImprovementArea, area_id, NotFoundError(
        f"no finding (area for improvement, cause of concern or practice) with id {area_id}"))


def raise_area(
    session: Session,
    force: str,
    year: str,
    question_id: str,
    text: str,
    *,
    kind: str = "area_for_improvement",
    predecessor_id: int | None = None,
    on: date | None = None,
    evidence: str | None = None,
) -> ImprovementArea:
    """Record a finding of one of the KINDS raised in a programme year; ``predecessor_id`` links it to the same
    finding raised in an earlier inspection (an area for improvement may become a cause of concern; practice
    links only to practice). Its history starts with 'open' ('noted' for practice)."""
    from peelkit.forces import match_force

    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if not text.strip():
        raise InputError(f"the text of the {KIND_LABELS[kind].lower()} cannot be blank")
    force_code = match_force(force).code
    framework = fw.get(year)
    framework.question(question_id)
    if predecessor_id is not None:
        earlier = get_area(session, predecessor_id)
        if earlier.force_code != force_code:
            raise InputError(f"{earlier.describe()} belongs to another force")
        if fw.get(earlier.framework_id).order >= framework.order:
            raise InputError(f"{earlier.describe()} was not raised before {framework.year}")
        if earlier.is_practice != (kind in PRACTICE_KINDS):
            raise InputError(f"{earlier.describe()} cannot be the earlier form of a {KIND_LABELS[kind].lower()}: "
                            "practice links only to practice, and findings only to findings")
    first = NOTED if kind in PRACTICE_KINDS else "open"
    area = ImprovementArea(kind=kind, force_code=force_code, framework_id=framework.id, question_id=question_id,
                           year_raised=framework.year, text=text.strip(), predecessor_id=predecessor_id,
                           status=first)
    session.add(area)
    _flush(session, "the new finding")
    session.add(AreaStatus(area_id=area.id, status=first, on_date=on or date.today(), evidence=evidence,
                           actor=_actor(session)))
    _flush(session, area.describe())
    session.refresh(area)
    return area


def set_status(
    session: Session,
    area_id: int,
    status: str,
    *,
    on: date | None = None,
    evidence: str | None = None,
    expected_version: int | None = None,
) -> ImprovementArea:
    """Move an area to a new status, adding a history entry (date, evidence, actor)."""
    if status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    area = get_area(session, area_id)
    if area.is_practice:
        raise PeelError(f"{area.describe()} is practice, noted rather than tracked: it has no status to change")
    if expected_version is not None:
        check_version(area, expected_version, area.describe())
    area.status = status
    session.add(AreaStatus(area_id=area.id, status=status, on_date=on or date.today(), evidence=evidence,
                           actor=_actor(session)))
    _flush(session, area.describe())
    session.refresh(area)
    return area


def chain(area: ImprovementArea) -> list[ImprovementArea]:
    """The area and its predecessors, newest first."""
    found = [area]
    seen = {area.id}
    while found[-1].predecessor is not None:
        earlier = found[-1].predecessor
        assert earlier is not None
        if earlier.id in seen:  # defensive: a cycle cannot be made through raise_area
            break
        seen.add(earlier.id)
        found.append(earlier)
    return found


def times_raised(area: ImprovementArea) -> int:
    """How many inspections raised this area (it and all its predecessors)."""
    return len(chain(area))


def consecutive_inspections(area: ImprovementArea) -> int:
    """How many consecutive programme years, ending with this one, raised the area (1 if only this one)."""
    links = chain(area)
    count = 1
    for later, earlier in itertools.pairwise(links):
        before = fw.previous(fw.get(later.framework_id))
        if before is None or before.id != earlier.framework_id:
            break
        count += 1
    return count


_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def raised_phrase(area: ImprovementArea) -> str:
    """'raised in our last two inspections', or 'raised 3 times (first in 2015)', or 'first raised in 2017'."""
    consecutive = consecutive_inspections(area)
    total = times_raised(area)
    if consecutive >= 2:
        return f"raised in our last {_WORDS.get(consecutive, str(consecutive))} inspections"
    if total >= 2:
        return f"raised {total} times (first in {chain(area)[-1].year_raised})"
    return f"first raised in {area.year_raised}"


@dataclass(frozen=True)
class AreaView:
    area: ImprovementArea

    def to_dict(self) -> dict[str, Any]:
        a = self.area
        return {
            "id": a.id, "kind": a.kind, "kind_label": KIND_LABELS.get(a.kind, a.kind), "force_code": a.force_code,
            "year_raised": a.year_raised,
            "framework_id": a.framework_id, "question_id": a.question_id, "text": a.text, "status": a.status,
            "version": a.version, "predecessor_id": a.predecessor_id, "times_raised": times_raised(a),
            "consecutive_inspections": consecutive_inspections(a), "raised": raised_phrase(a),
            "history": [h.to_dict() for h in a.history],
            "recommendations": [r.to_dict() for r in a.recommendations],
        }


def areas_for(session: Session, force: str) -> list[ImprovementArea]:
    """Every area of a force, by year raised then id."""
    from peelkit.forces import match_force

    code = match_force(force).code
    rows = session.scalars(select(ImprovementArea).where(ImprovementArea.force_code == code)).unique().all()
    return sorted(rows, key=lambda a: (fw.get(a.framework_id).order, a.id))
