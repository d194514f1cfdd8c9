"""Data queries raised from check findings, the forces' answers, and each force's sign-off of its figures.

A query's life: open (raised by `peel checks run`) -> answered (the force's answer) -> resolved (the figure was
corrected) or accepted (the figure stands as is, with the answer as its explanation). Re-running the checks
never duplicates a query: a finding is matched to its query by fingerprint (rule, force, item, period end,
figure; see `CheckFinding.fingerprint`), unique per publication. A resolved query whose finding is found again
is reopened (the correction has not reached the warehouse); accepted and answered queries are left alone.

A sign-off records that a force has checked its final figures, and which return (warehouse import id) it
covered: a later resubmission needs a new sign-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from peelkit.errors import InputError, NotFoundError, PeelError, RecordRuleError
from peelkit.ledger.base import Base, ConflictError, Versioned, check_version, get_or_raise, utcnow
from peelkit.plural import counted

if TYPE_CHECKING:
    from peelkit.checks.registry import CheckFinding

STATUSES = ("open", "answered", "resolved", "accepted")
ACTIVE = ("open", "answered")


class DataQuery(Versioned, Base):
    __tablename__ = "data_query"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("status IN ('open', 'answered', 'resolved', 'accepted')", name="status"),
        CheckConstraint("severity IN ('info', 'warning', 'error')", name="severity"),
        UniqueConstraint("publication_id", "fingerprint", name="uq_data_query_publication_fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    rule_id: Mapped[str] = mapped_column(String(100), nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)
    item: Mapped[str] = mapped_column(String(100), nullable=False)
    period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    figure: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    return_import_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    synthetic: Mapped[bool] = mapped_column(nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    revised_value: Mapped[float | None] = mapped_column(Float, nullable=True)  # the force's corrected figure
    close_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    def describe(self) -> str:
        return f"data query {self.id} ({self.force_code}, {self.rule_id}, {self.item})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "publication_id": self.publication_id, "force_code": self.force_code,
            "rule_id": self.rule_id, "severity": self.severity, "item": self.item,
            "period_end": self.period_end.isoformat() if self.period_end else None, "figure": self.figure,
            "message": self.message, "fingerprint": self.fingerprint, "return_import_id": self.return_import_id,
            "synthetic": self.synthetic, "status": self.status, "answer": self.answer,
            "revised_value": self.revised_value, "close_reason": self.close_reason,
            "answered_by": self.answered_by, "closed_by": self.closed_by,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None, "version": self.version,
        }


class Signoff(Base):
    __tablename__ = "return_signoff"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    signed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    return_import_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "publication_id": self.publication_id, "force_code": self.force_code,
                "signed_by": self.signed_by, "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "note": self.note, "return_import_id": self.return_import_id}


class ReturnSubmission(Base):
    """Who submitted which return (warehouse import) of a force, audited: the ledger's record of a submission
    (the warehouse keeps the figures and the file's provenance)."""

    __tablename__ = "return_submission"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(100), nullable=False)
    force_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    import_id: Mapped[int] = mapped_column(Integer, nullable=False)
    file_name: Mapped[str] = mapped_column(String(300), nullable=False)
    submitted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(what) from error


@dataclass
class SyncReport:
    created: list[DataQuery] = field(default_factory=list)
    unchanged: list[DataQuery] = field(default_factory=list)
    reopened: list[DataQuery] = field(default_factory=list)
    no_longer_found: list[DataQuery] = field(default_factory=list)  # open/answered, not flagged this run


def raise_queries(session: Session, publication_id: str, findings: Iterable[CheckFinding]) -> SyncReport:
    """Turn findings into data queries, one per fingerprint per publication (idempotent)."""
    report = SyncReport()
    existing = {q.fingerprint: q for q in session.scalars(
        select(DataQuery).where(DataQuery.publication_id == publication_id))}
    seen: set[str] = set()
    for finding in findings:
        fingerprint = finding.fingerprint
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        query = existing.get(fingerprint)
        if query is None:
            query = DataQuery(publication_id=publication_id, force_code=finding.force_code, rule_id=finding.rule_id,
                              severity=finding.severity, item=finding.item, period_end=finding.period_end,
                              figure=finding.figure, message=finding.message, fingerprint=fingerprint,
                              return_import_id=finding.import_id, synthetic=finding.synthetic, status="open")
            session.add(query)
            report.created.append(query)
        elif query.status == "resolved":
            query.status, query.closed_at, query.closed_by = "open", None, None
            query.message = finding.message
            report.reopened.append(query)
        else:
            report.unchanged.append(query)
    report.no_longer_found = [q for f, q in existing.items() if f not in seen and q.status in ACTIVE]
    _flush(session, "the data queries")
    return report


def get_query(session: Session, query_id: int) -> DataQuery:
    return get_or_raise(session, DataQuery, query_id,
                        NotFoundError(f"no data query with id {query_id}; list them with `peel queries list`"))


def _query_to_edit(session: Session, query_id: int, expected_version: int | None) -> DataQuery:
    """The query, refused if it was changed since the caller read `expected_version` (when given)."""
    query = get_query(session, query_id)
    if expected_version is not None:
        check_version(query, expected_version, query.describe())
    return query


def list_queries(session: Session, publication_id: str | None = None, force: str | None = None,
                 status: str | None = None) -> list[DataQuery]:
    stmt = select(DataQuery).order_by(DataQuery.force_code, DataQuery.id)
    if publication_id:
        stmt = stmt.where(DataQuery.publication_id == publication_id)
    if force:
        from peelkit.forces import match_force

        stmt = stmt.where(DataQuery.force_code == match_force(force).code)
    if status:
        if status not in STATUSES:
            raise InputError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        stmt = stmt.where(DataQuery.status == status)
    return list(session.scalars(stmt))


def answer_query(session: Session, query_id: int, text: str, by: str,
                 expected_version: int | None = None, revised_value: float | None = None) -> DataQuery:
    """Record the force's answer (an open or answered query; answering again replaces the answer), with the
    corrected figure when the force gives one."""
    if not text.strip():
        raise InputError("the answer cannot be blank")
    if revised_value is not None and (revised_value != revised_value or revised_value < 0):
        raise InputError(f"the revised value must be a number of 0 or more, not {revised_value}")
    if not by.strip():
        raise InputError("say who answered (--by NAME)")
    query = _query_to_edit(session, query_id, expected_version)
    if query.status not in ACTIVE:
        raise PeelError(f"{query.describe()} is already {query.status}; it cannot be answered")
    query.answer, query.answered_by, query.answered_at = text.strip(), by.strip(), utcnow()
    query.revised_value = revised_value
    query.status = "answered"
    _flush(session, query.describe())
    return query


def resolve_query(session: Session, query_id: int, by: str, accept: bool = False,
                  expected_version: int | None = None) -> DataQuery:
    """Close a query: resolved (the figure was corrected) or, with `accept`, accepted as is."""
    if not by.strip():
        raise InputError("say who closed the query (--by NAME)")
    query = _query_to_edit(session, query_id, expected_version)
    if query.status not in ACTIVE:
        raise PeelError(f"{query.describe()} is already {query.status}")
    if accept and not query.answer:
        raise PeelError(f"{query.describe()} has no answer yet: a figure is accepted as is on the force's "
                        "explanation, so record it first with `peel queries answer`")
    query.status = "accepted" if accept else "resolved"
    query.closed_by, query.closed_at, query.close_reason = by.strip(), utcnow(), None
    _flush(session, query.describe())
    return query


def reopen_query(session: Session, query_id: int, expected_version: int | None = None) -> DataQuery:
    """Reopen a resolved or accepted query: the force is asked to look again (its answer is kept)."""
    query = _query_to_edit(session, query_id, expected_version)
    if query.status not in ("resolved", "accepted"):
        raise PeelError(f"{query.describe()} is {query.status}, not closed: there is nothing to reopen")
    query.status, query.closed_by, query.closed_at, query.close_reason = "open", None, None, None
    _flush(session, query.describe())
    return query


STALE_REASON = ("closed automatically: the checks no longer flag this figure in {force}'s resubmitted return "
                "(import {import_id})")


def close_stale_queries(session: Session, publication_id: str, findings: Iterable[CheckFinding],
                        current_returns: dict[str, int], by: str) -> list[DataQuery]:
    """Resolve the open and answered queries whose finding no longer occurs in `findings` (a fresh run of the
    checks) on a force's resubmitted return (its current return, in `current_returns`, is not the one the query
    was raised on), recording why: a stale query must not block the force's sign-off. Queries an analyst raised
    by hand are left alone."""
    from peelkit.forces import match

    found = {f.fingerprint for f in findings}
    stale = [q for q in list_queries(session, publication_id)
             if q.status in ACTIVE and q.fingerprint not in found and q.rule_id != "manual"
             and current_returns.get(q.force_code) not in (None, q.return_import_id)]
    for query in stale:
        reason = STALE_REASON.format(force=match(query.force_code).name,
                                     import_id=current_returns[query.force_code])
        query.status, query.closed_by, query.closed_at, query.close_reason = "resolved", by, utcnow(), reason
    _flush(session, "the data queries")
    return stale


def sign_off(session: Session, publication_id: str, force: str, by: str, note: str | None = None,
             return_import_id: int | None = None, allow_open: bool = False) -> Signoff:
    """Record that a force has checked its final figures; refused while it has open queries, unless
    `allow_open`, and refused for a return the force has already signed off (once is the record)."""
    from peelkit.forces import match_force

    if not by.strip():
        raise InputError("say who signed off (--by NAME)")
    code = match_force(force).code
    earlier = latest_signoffs(session, publication_id).get(code)
    if earlier is not None and return_import_id is not None and earlier.return_import_id == return_import_id:
        raise RecordRuleError(f"{force} has already signed off this return (import {return_import_id}): "
                              f"{earlier.signed_by}, {earlier.signed_at:%Y-%m-%d %H:%M} UTC; nothing was recorded")
    open_queries = [q for q in list_queries(session, publication_id, code) if q.status == "open"]
    if open_queries and not allow_open:
        ids = ", ".join(str(q.id) for q in open_queries[:10])
        raise PeelError(f"{force} has {counted(len(open_queries), 'open data query')} ({ids}); answer "
                        f"{'it' if len(open_queries) == 1 else 'them'} first "
                        "(`peel queries answer`), or sign off regardless with --allow-open")
    signoff = Signoff(publication_id=publication_id, force_code=code, signed_by=by.strip(),
                      note=(note or "").strip() or None, return_import_id=return_import_id)
    session.add(signoff)
    _flush(session, "the sign-off")
    return signoff


def latest_signoffs(session: Session, publication_id: str) -> dict[str, Signoff]:
    latest: dict[str, Signoff] = {}
    for s in session.scalars(select(Signoff).where(Signoff.publication_id == publication_id)
                             .order_by(Signoff.signed_at, Signoff.id)):
        latest[s.force_code] = s
    return latest


@dataclass(frozen=True)
class ForceStatus:
    force_code: str
    force_name: str
    return_import_id: int | None
    open_queries: int
    answered_queries: int
    closed_queries: int
    signed_off: bool  # signed off the current return
    signed_by: str | None
    signed_at: datetime | None
    signed_import_id: int | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"force_code": self.force_code, "force_name": self.force_name,
                "return_import_id": self.return_import_id, "open_queries": self.open_queries,
                "answered_queries": self.answered_queries, "closed_queries": self.closed_queries,
                "signed_off": self.signed_off, "signed_by": self.signed_by,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "signed_import_id": self.signed_import_id, "note": self.note}


def return_status(session: Session, publication_id: str,
                  current_returns: dict[str, int] | None = None) -> list[ForceStatus]:
    """Per force: queries by status and whether it has signed off its current return (`current_returns` maps
    force code -> the import id of its current return; None when the warehouse was not consulted)."""
    from peelkit import forces

    counts: dict[str, dict[str, int]] = {}
    for q in list_queries(session, publication_id):
        by = counts.setdefault(q.force_code, {})
        by[q.status] = by.get(q.status, 0) + 1
    signoffs = latest_signoffs(session, publication_id)
    rows = []
    for area in forces.forces():
        c = counts.get(area.code, {})
        current = (current_returns or {}).get(area.code)
        s = signoffs.get(area.code)
        note = ""
        signed = s is not None
        if s is None:
            note = "not signed off"
        elif current_returns is not None and current is not None and s.return_import_id != current:
            signed = False
            note = (f"signed off return {s.return_import_id}, but return {current} has been imported since: "
                    "sign off again")
        if current_returns is not None and current is None:
            note = "no return loaded" + (f"; {note}" if note else "")
        rows.append(ForceStatus(area.code, area.name, current, c.get("open", 0), c.get("answered", 0),
                                c.get("resolved", 0) + c.get("accepted", 0), signed,
                                s.signed_by if s else None, s.signed_at if s else None,
                                s.return_import_id if s else None, note))
    return rows
