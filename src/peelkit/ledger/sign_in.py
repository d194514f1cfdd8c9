"""Failed sign-ins and signed-out sessions, kept in the ledger database so that every web worker and server
shares them: one count of failures per user name and per client address, and one list of sessions a user
signed out of (a copy of such a session's cookie is refused everywhere). Bookkeeping, not part of the
inspection record: not audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from peelkit.ledger.base import Base


class SignInFailure(Base):
    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime)


class SignedOutSession(Base):
    __tablename__ = "signed_out_sessions"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def failures_since(session: Session, keys: Iterable[str], since: datetime) -> int:
    """The largest number of failures any of `keys` has had since `since`."""
    keys = list(keys)
    counts = session.execute(
        select(SignInFailure.key, func.count()).where(SignInFailure.key.in_(keys),
                                                      SignInFailure.at > _naive_utc(since))
        .group_by(SignInFailure.key)).all()
    return max((int(n) for _key, n in counts), default=0)


def record_failure(session: Session, keys: Iterable[str], at: datetime, forget_before: datetime) -> list[int]:
    """Count a failure against each key, and forget failures too old to matter (the table stays small).
    Returns the new rows' ids, so that an attempt counted in advance can be taken back."""
    session.execute(delete(SignInFailure).where(SignInFailure.at <= _naive_utc(forget_before)))
    rows = [SignInFailure(key=key, at=_naive_utc(at)) for key in keys]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def take_back(session: Session, ids: Iterable[int]) -> None:
    """Remove failures counted in advance for an attempt that turned out not to be one (right password, or
    refused before its password was checked)."""
    session.execute(delete(SignInFailure).where(SignInFailure.id.in_(list(ids))))


def clear_failures(session: Session, key: str) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.key == key))


def sign_out(session: Session, nonce: str, expires_at: datetime, now: datetime) -> None:
    """Refuse this session from now on (kept until it would have expired anyway)."""
    session.execute(delete(SignedOutSession).where(SignedOutSession.expires_at <= _naive_utc(now)))
    if session.get(SignedOutSession, nonce) is None:
        session.add(SignedOutSession(nonce=nonce, expires_at=_naive_utc(expires_at)))


def is_signed_out(session: Session, nonce: str) -> bool:
    return session.get(SignedOutSession, nonce) is not None
