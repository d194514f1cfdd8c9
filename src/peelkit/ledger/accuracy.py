"""The factual-accuracy check of the draft reports: during a window the analyst sets (opens, closes), each force
reads its own draft report and sends comments, one or more per report section; an inspector answers each comment
(accepted or not accepted, with a reason). Outside the window a force cannot comment.

Comments and windows are audited (``__audited__``); an answer is refused against a stale version
(``expected_version``) with ConflictError, as every other edit that can race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from peelkit.errors import InputError
from peelkit.ledger import frameworks as fw
from peelkit.ledger.base import Base, ConflictError, Versioned, check_version, get_or_raise, utcnow

OUTCOMES = ("pending", "accepted", "not_accepted")
OUTCOME_LABELS = {"pending": "Awaiting an answer", "accepted": "Accepted", "not_accepted": "Not accepted"}
MAX_LENGTH = 20_000


class AccuracyError(InputError):
    """A comment or answer the rules refuse (window closed, unknown section, blank text): bad input."""

    exit_code = 2


class AccuracyWindow(Versioned, Base):
    __tablename__ = "accuracy_window"
    __audited__ = True
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="closes_after_opens"),)

    publication_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    opens_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC
    closes_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    set_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= _naive(now) < self.closes_at

    def to_dict(self) -> dict[str, Any]:
        return {"publication_id": self.publication_id, "opens_at": _iso(self.opens_at),
                "closes_at": _iso(self.closes_at), "set_by": self.set_by, "version": self.version}


class AccuracyComment(Versioned, Base):
    __tablename__ = "accuracy_comment"
    __audited__ = True
    __table_args__ = (CheckConstraint("outcome IN ('pending', 'accepted', 'not_accepted')", name="outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    section: Mapped[str] = mapped_column(String(80), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    def describe(self) -> str:
        return f"accuracy comment {self.id} ({self.force_code}, {self.section})"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "publication_id": self.publication_id, "force_code": self.force_code,
                "section": self.section, "text": self.text, "author": self.author,
                "created_at": _iso(self.created_at), "outcome": self.outcome,
                "outcome_label": OUTCOME_LABELS[self.outcome], "reason": self.reason,
                "answered_by": self.answered_by, "answered_at": _iso(self.answered_at), "version": self.version}


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def _iso(value: datetime | None) -> str | None:
    return value.replace(tzinfo=UTC).isoformat() if value is not None else None


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(what) from error


@dataclass(frozen=True)
class Section:
    id: str
    title: str


def report_sections(publication_id: str) -> list[Section]:
    """The draft report's sections a force may comment on: overview, each area with a section, specialist
    capabilities (the narrative sections of the publication's framework)."""
    from peelkit.indicators.publication import load

    framework = fw.for_publication(load(publication_id))
    areas = [Section(q.id, q.title) for q in framework.questions if q.graded or q.id != "Q5_specialist_capabilities"]
    return [Section("overview", "Overview"), *areas, Section("specialist_capabilities", "Specialist capabilities")]


def get_window(session: Session, publication_id: str) -> AccuracyWindow | None:
    return session.get(AccuracyWindow, publication_id)


def set_window(session: Session, publication_id: str, opens_at: datetime, closes_at: datetime, by: str,
               expected_version: int | None = None) -> AccuracyWindow:
    """Open (or move) the factual-accuracy window of a publication; times are aware or naive UTC."""
    from peelkit.indicators.publication import load

    load(publication_id)  # an unknown publication raises, naming the known ones
    if not by.strip():
        raise AccuracyError("say who sets the window (--by NAME)")
    opens, closes = _naive(opens_at), _naive(closes_at)
    if closes <= opens:
        raise AccuracyError("the window must close after it opens")
    window = get_window(session, publication_id)
    if expected_version is not None:
        if window is None and expected_version != 0:
            raise ConflictError(f"the accuracy window of {publication_id}", expected_version, 0)
        if window is not None:
            check_version(window, expected_version, f"the accuracy window of {publication_id}")
    if window is None:
        window = AccuracyWindow(publication_id=publication_id, opens_at=opens, closes_at=closes, set_by=by.strip())
        session.add(window)
    else:
        window.opens_at, window.closes_at, window.set_by = opens, closes, by.strip()
    _flush(session, f"the accuracy window of {publication_id}")
    return window


def add_comment(session: Session, publication_id: str, force_code: str, section: str, text: str, by: str,
                now: datetime) -> AccuracyComment:
    """A force's comment on one section of its draft report; refused outside the window."""
    window = get_window(session, publication_id)
    if window is None or not window.is_open(now):
        raise AccuracyError(_closed_message(window, now))
    if section not in {s.id for s in report_sections(publication_id)}:
        raise AccuracyError(f"{section!r} is not a section of the report: choose one of "
                            f"{', '.join(s.id for s in report_sections(publication_id))}")
    text = text.strip()
    if not text:
        raise AccuracyError("the comment cannot be blank")
    if len(text) > MAX_LENGTH:
        raise AccuracyError(f"the comment is {len(text):,} characters long; the most is {MAX_LENGTH:,}")
    if not by.strip():
        raise AccuracyError("say who sends the comment")
    comment = AccuracyComment(publication_id=publication_id, force_code=force_code, section=section, text=text,
                              author=by.strip(), outcome="pending", created_at=_naive(now))
    session.add(comment)
    _flush(session, "the comment")
    return comment


def _closed_message(window: AccuracyWindow | None, now: datetime) -> str:
    if window is None:
        return "the factual-accuracy check has not been opened for this publication"
    when = "opens" if _naive(now) < window.opens_at else "closed"
    at = window.opens_at if when == "opens" else window.closes_at
    return f"the factual-accuracy check is not open: it {when} at {at:%Y-%m-%d %H:%M} UTC"


def answer_comment(session: Session, comment_id: int, outcome: str, reason: str, by: str,
                   expected_version: int | None = None, now: datetime | None = None) -> AccuracyComment:
    """An inspector's answer to a comment: accepted or not accepted, with the reason (answering again replaces
    the answer; the audit log keeps the earlier one)."""
    if outcome not in ("accepted", "not_accepted"):
        raise AccuracyError(f"the answer must be accepted or not_accepted, not {outcome!r}")
    if not reason.strip():
        raise AccuracyError("give the reason for the answer")
    if not by.strip():
        raise AccuracyError("say who answers (--by NAME)")
    comment = get_comment(session, comment_id)
    if expected_version is not None:
        check_version(comment, expected_version, comment.describe())
    comment.outcome, comment.reason, comment.answered_by = outcome, reason.strip(), by.strip()
    comment.answered_at = _naive(now) if now is not None else utcnow()
    _flush(session, comment.describe())
    return comment


def get_comment(session: Session, comment_id: int) -> AccuracyComment:
    return get_or_raise(session, AccuracyComment, comment_id, AccuracyError(
        f"no accuracy comment with id {comment_id}; list them with `peel ledger accuracy list`"))


def list_comments(session: Session, publication_id: str, force_code: str | None = None) -> list[AccuracyComment]:
    stmt = select(AccuracyComment).where(AccuracyComment.publication_id == publication_id)
    if force_code is not None:
        stmt = stmt.where(AccuracyComment.force_code == force_code)
    return list(session.scalars(stmt.order_by(AccuracyComment.force_code, AccuracyComment.id)))
