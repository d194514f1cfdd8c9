"""Moderation of judgments: an inspector drafts a judgment, a second inspector (never the drafter) accepts it or
returns it with a comment, and a publication is not released while a judgment of its programme year stands
unmoderated (peelkit.ledger.publication_state's gate; an override reason lets it through, audited).

A decision is about one version of a judgment: editing the judgment afterwards makes it a new draft that
needs moderating again. The drafter of a version is the actor of the audit row that wrote it, so the rule holds
whichever process saved the draft (web, CLI, import). Decisions are kept, one row each (never changed), and
audited; a second decision on the same version (two inspectors at once) is refused with ConflictError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from peelkit.errors import PeelError, RecordRuleError
from peelkit.ledger import frameworks as fw
from peelkit.ledger.base import AuditLog, Base, ConflictError, check_version, utcnow
from peelkit.ledger.judgments import Judgment

Decision = Literal["accepted", "returned"]
DECISIONS: tuple[Decision, ...] = get_args(Decision)
# What a judgment's current version is waiting for, as every output names it.
AWAITING, ACCEPTED, RETURNED = "awaiting moderation", "accepted", "returned"


class ModerationError(RecordRuleError):
    """A moderation the rules refuse: by the drafter, without a comment when returning, an unknown decision."""


class JudgmentReview(Base):
    __tablename__ = "judgment_review"
    __audited__ = True
    __table_args__ = (UniqueConstraint("judgment_id", "judgment_version"),
                      CheckConstraint("decision IN ('accepted', 'returned')", name="decision"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    judgment_id: Mapped[int] = mapped_column(ForeignKey("judgment.id"), nullable=False, index=True)
    judgment_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Copied from the judgment so that the force's audit trail (ledger.history) finds the decision.
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    framework_id: Mapped[str] = mapped_column(String(60), nullable=False)
    question_id: Mapped[str] = mapped_column(String(80), nullable=False)
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    drafted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    moderated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    moderated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


@dataclass(frozen=True)
class Review:
    """Where one judgment stands in moderation."""

    judgment_id: int
    force_code: str
    framework_id: str
    question_id: str
    version: int
    state: str  # AWAITING, ACCEPTED or RETURNED (for the current version)
    drafted_by: str
    decision: JudgmentReview | None  # the decision on the current version, if any
    history: tuple[JudgmentReview, ...]  # every decision on this judgment, oldest first

    def to_dict(self) -> dict[str, Any]:
        return {"judgment_id": self.judgment_id, "force_code": self.force_code, "framework_id": self.framework_id,
                "question_id": self.question_id, "version": self.version, "state": self.state,
                "drafted_by": self.drafted_by,
                "moderated_by": self.decision.moderated_by if self.decision else None,
                "comment": self.decision.comment if self.decision else None,
                "history": [review_dict(r) for r in self.history]}


def review_dict(row: JudgmentReview) -> dict[str, Any]:
    return {"judgment_version": row.judgment_version, "decision": row.decision, "comment": row.comment,
            "drafted_by": row.drafted_by, "moderated_by": row.moderated_by,
            "moderated_at": row.moderated_at.isoformat()}


def drafters(session: Session, judgments: list[Judgment]) -> dict[tuple[int, int], str]:
    """(judgment id, version) -> the actor who wrote that version, from the audit log."""
    if not judgments:
        return {}
    ids = [str(j.id) for j in judgments]
    rows = session.execute(select(AuditLog.record_id, AuditLog.after, AuditLog.actor).where(
        AuditLog.table_name == "judgment", AuditLog.record_id.in_(ids), AuditLog.action != "delete")
        .order_by(AuditLog.id))
    found: dict[tuple[int, int], str] = {}
    for record_id, after, actor in rows:
        if after and "version" in after:
            found[(int(record_id), int(after["version"]))] = actor
    return found


def reviews(session: Session, judgments: list[Judgment]) -> list[Review]:
    """The moderation state of each judgment, in the order given."""
    by_judgment: dict[int, list[JudgmentReview]] = {}
    if judgments:
        rows = session.scalars(select(JudgmentReview).where(
            JudgmentReview.judgment_id.in_([j.id for j in judgments])).order_by(JudgmentReview.id))
        for row in rows:
            by_judgment.setdefault(row.judgment_id, []).append(row)
    writers = drafters(session, judgments)
    out = []
    for j in judgments:
        history = tuple(by_judgment.get(j.id, ()))
        current = next((r for r in reversed(history) if r.judgment_version == j.version), None)
        state = AWAITING if current is None else (ACCEPTED if current.decision == "accepted" else RETURNED)
        out.append(Review(j.id, j.force_code, j.framework_id, j.question_id, j.version, state,
                          writers.get((j.id, j.version), "unknown"), current, history))
    return out


def review_of(session: Session, judgment: Judgment) -> Review:
    return reviews(session, [judgment])[0]


def programme_reviews(session: Session, year: str, force: str | None = None) -> list[Review]:
    """Every judgment of a programme year (optionally one force's), by force and question."""
    framework = fw.get(year)
    stmt = select(Judgment).where(Judgment.framework_id == framework.id)
    if force is not None:
        from peelkit.forces import match_force

        stmt = stmt.where(Judgment.force_code == match_force(force).code)
    found = list(session.scalars(stmt.order_by(Judgment.force_code, Judgment.question_id)))
    return reviews(session, found)


def unmoderated(session: Session, year: str) -> list[Review]:
    """The judgments of a programme year whose current version has not been accepted."""
    return [r for r in programme_reviews(session, year) if r.state != ACCEPTED]


def find(session: Session, force: str, year: str, question_id: str) -> Judgment:
    from peelkit.forces import match_force

    area = match_force(force)
    framework = fw.get(year)
    framework.question(question_id)
    judgment = session.scalars(select(Judgment).where(
        Judgment.force_code == area.code, Judgment.framework_id == framework.id,
        Judgment.question_id == question_id)).one_or_none()
    if judgment is None:
        raise PeelError(f"no {framework.year} judgment of {area.name} on {question_id} is recorded: record it first "
                        "(peel ledger record-judgment)")
    return judgment


def moderate(session: Session, judgment: Judgment, decision: str, expected_version: int,
             comment: str | None = None) -> JudgmentReview:
    """Accept, or return with a comment, the version of `judgment` the moderator read (`expected_version`);
    the moderator is the session's actor and must not be the drafter of that version."""
    if decision not in DECISIONS:
        raise ModerationError(f"unknown decision {decision!r}: use {' or '.join(DECISIONS)}")
    text = (comment or "").strip() or None
    if decision == "returned" and text is None:
        raise ModerationError("say why the judgment is returned: a comment is required")
    check_version(judgment, expected_version, judgment.describe())
    actor = str(session.info.get("actor", "system"))
    drafter = drafters(session, [judgment]).get((judgment.id, judgment.version), "unknown")
    if drafter.casefold() == actor.casefold():
        raise ModerationError(f"{actor} drafted this version of {judgment.describe()}: a second inspector must "
                              "moderate it")
    if review_of(session, judgment).decision is not None:
        raise ConflictError(f"the moderation of {judgment.describe()} (version {judgment.version})")
    row = JudgmentReview(judgment_id=judgment.id, judgment_version=judgment.version, force_code=judgment.force_code,
                         framework_id=judgment.framework_id, question_id=judgment.question_id, decision=decision,
                         comment=text, drafted_by=drafter, moderated_by=actor)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:  # another inspector's decision on the same version landed first
        raise ConflictError(f"the moderation of {judgment.describe()} (version {judgment.version})") from error
    return row


def gate_lines(session: Session, year: str) -> list[str]:
    """The publication gate's lines for unmoderated judgments: one per force, naming the questions."""
    waiting: dict[str, list[str]] = {}
    for review in unmoderated(session, year):
        waiting.setdefault(review.force_code, []).append(
            f"{review.question_id} ({review.state})")
    from peelkit.forces import match_force

    return [f"{match_force(code).name} has {len(items)} "
            f"{'judgment' if len(items) == 1 else 'judgments'} not moderated: {', '.join(items)}"
            for code, items in sorted(waiting.items())]
