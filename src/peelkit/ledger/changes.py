"""The ledger's change counter: one row whose `version` goes up in the same transaction as every change to the
inspection record, from any process (CLI, web worker, import). A reader such as the web app compares it, at
most once a second, to know that what it holds is stale; it never relies on the audit log for that.

Bookkeeping tables (the audit log itself, sign-in throttling, signed-out sessions) do not count: a burst of
failed sign-ins must not make every web worker reload the publication.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, DateTime, Integer, event, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column

from peelkit.ledger.base import Base, utcnow

BOOKKEEPING_TABLES = frozenset({"audit_log", "ledger_version", "sign_in_failures", "signed_out_sessions",
                                "alembic_version"})


class LedgerVersion(Base):
    __tablename__ = "ledger_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


# Built once: the web app reads the counter on every request of a page that must follow the ledger exactly.
_CURRENT = select(LedgerVersion.version).where(LedgerVersion.id == 1)


def current_version(connection: Connection | Session) -> int:
    """The counter's value (0 for a ledger that has never changed)."""
    found = connection.execute(_CURRENT).scalar()
    return int(found or 0)


def _bump(connection: Connection) -> None:
    connection.execute(update(LedgerVersion).where(LedgerVersion.id == 1)
                       .values(version=LedgerVersion.version + 1, changed_at=utcnow()))


def _counts(obj: Any) -> bool:
    table = getattr(obj, "__tablename__", None)
    return table is not None and table not in BOOKKEEPING_TABLES


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if any(_counts(obj) for obj in (*session.new, *session.dirty, *session.deleted)):
        _bump(session.connection())


def _after_bulk(state: ORMExecuteState) -> None:
    # insert()/update()/delete() statements run through the session bypass the flush: count them too.
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name not in BOOKKEEPING_TABLES:
        _bump(state.session.connection())


def install() -> None:
    """Register the counter's listeners on every Session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _after_bulk)


__all__ = ["BOOKKEEPING_TABLES", "LedgerVersion", "current_version", "install"]
