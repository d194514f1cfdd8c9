"""Recommendations of a cause of concern (or an accelerated cause of concern): the text, who owns it (e.g. the
chief constable), when it is due and its status through time, each change with date, evidence and actor.
Audited and version-checked like every ledger record."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError

from peelkit.errors import InputError, NotFoundError, PeelError
from peelkit.ledger.base import Base, ConflictError, StatusHistory, Versioned, check_version, get_or_raise, utcnow

if TYPE_CHECKING:
    from peelkit.ledger.improvements import ImprovementArea

REC_STATUSES = ("open", "in_progress", "completed", "superseded", "withdrawn")
_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in REC_STATUSES) + ")"


class Recommendation(Versioned, Base):
    __tablename__ = "recommendation"
    __audited__ = True
    __table_args__ = (CheckConstraint(_CHECK, name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("improvement_area.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    finding: Mapped[ImprovementArea] = relationship(back_populates="recommendations")
    history: Mapped[list[RecommendationStatus]] = relationship(order_by="RecommendationStatus.id", lazy="selectin",
                                                               back_populates="recommendation")

    def describe(self) -> str:
        return f"recommendation {self.id} (of finding {self.finding_id})"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "finding_id": self.finding_id, "text": self.text, "owner": self.owner,
                "due": self.due_on.isoformat(), "status": self.status, "version": self.version,
                "history": [h.to_dict() for h in self.history]}


class RecommendationStatus(StatusHistory, Base):
    __tablename__ = "recommendation_status"
    __table_args__ = (CheckConstraint(_CHECK, name="status"),)

    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"), nullable=False, index=True)

    recommendation: Mapped[Recommendation] = relationship(back_populates="history")


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(what) from error


def _actor(session: Session) -> str:
    return str(session.info.get("actor", "system"))


def get_recommendation(session: Session, recommendation_id: int) -> Recommendation:
    return get_or_raise(session, Recommendation, recommendation_id,
                        NotFoundError(f"no recommendation with id {recommendation_id}"))


def add_recommendation(session: Session, finding_id: int, text: str, owner: str, due: date, *,
                       on: date | None = None, evidence: str | None = None) -> Recommendation:
    """A recommendation of a cause of concern (ordinary or accelerated); its history starts with 'open'."""
    from peelkit.ledger.improvements import CAUSE_KINDS, get_area

    finding = get_area(session, finding_id)
    if finding.kind not in CAUSE_KINDS:
        raise PeelError("only a cause of concern (or an accelerated cause of concern) has recommendations; "
                        f"{finding.describe()} is not one")
    if not text.strip():
        raise InputError("the text of a recommendation cannot be blank")
    if not owner.strip():
        raise InputError("a recommendation needs an owner (who must act on it, e.g. the chief constable)")
    rec = Recommendation(finding=finding, text=text.strip(), owner=owner.strip(), due_on=due, status="open")
    session.add(rec)
    _flush(session, "the new recommendation")
    session.add(RecommendationStatus(recommendation_id=rec.id, status="open", on_date=on or date.today(),
                                     evidence=evidence, actor=_actor(session)))
    _flush(session, rec.describe())
    session.refresh(rec)
    return rec


def set_recommendation_status(session: Session, recommendation_id: int, status: str, *, on: date | None = None,
                              evidence: str | None = None, expected_version: int | None = None) -> Recommendation:
    """Move a recommendation to a new status, adding a history entry (date, evidence, actor)."""
    if status not in REC_STATUSES:
        raise InputError(f"status must be one of {', '.join(REC_STATUSES)}, not {status!r}")
    rec = get_recommendation(session, recommendation_id)
    if expected_version is not None:
        check_version(rec, expected_version, rec.describe())
    rec.status = status
    session.add(RecommendationStatus(recommendation_id=rec.id, status=status, on_date=on or date.today(),
                                     evidence=evidence, actor=_actor(session)))
    _flush(session, rec.describe())
    session.refresh(rec)
    return rec


def recommendations_of_force(session: Session, force_code: str) -> list[Recommendation]:
    from peelkit.ledger.improvements import ImprovementArea

    return list(session.scalars(select(Recommendation).join(ImprovementArea).where(
        ImprovementArea.force_code == force_code).order_by(Recommendation.id)))
