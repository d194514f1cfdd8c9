"""Declarative base, the optimistic-locking and status-history mixins and the audit log model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import JSON, Date, DateTime, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column

from peelkit.errors import PeelError

# Stable constraint names, so migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Set True on models whose every change must leave an audit row.
    __audited__: ClassVar[bool] = False


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Versioned:
    """Optimistic locking: every update bumps `version`; an update based on a stale version is refused."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class StatusHistory:
    """One entry of a record's status history (the table adds the record it belongs to); audited."""

    __audited__: ClassVar[bool] = True

    # First, as in the tables' migrations: a mixin's columns otherwise follow the table's own.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    on_date: Mapped[date] = mapped_column(Date, nullable=False)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "on": self.on_date.isoformat(), "evidence": self.evidence, "actor": self.actor}


class ConflictError(PeelError):
    """Someone else saved this record since it was read: reload it and apply the change again."""

    exit_code = 5
    http_status = 409

    def __init__(self, what: str, expected: int | None = None, found: int | None = None) -> None:
        detail = f" (you edited version {expected}; it is now version {found})" if expected is not None else ""
        super().__init__(f"{what} was changed by someone else since you opened it{detail}; "
                         "reload it and make your change again")


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    table_name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    record_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(10), nullable=False)  # insert, update, delete
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The force whose record changed (its own force_code, or its owner's: see audit.force_of), for force histories.
    force_code: Mapped[str | None] = mapped_column(String(9), nullable=True, index=True)


def check_version(record: Versioned, expected: int, what: str) -> None:
    """Refuse an edit made against an older version of the record (the web form sends the version it read)."""
    if record.version != expected:
        raise ConflictError(what, expected, record.version)


_Row = TypeVar("_Row", bound=Base)


def get_or_raise(session: Session, model: type[_Row], key: object, missing: PeelError) -> _Row:
    """The row of `model` with primary key `key`; `missing` is raised when there is none."""
    row = session.get(model, key)
    if row is None:
        raise missing
    return row
