"""A force's audit trail: every audit row of its ledger records, whichever process wrote it (CLI, web, import).

Used by `peel ledger history` and the web ledger page's "Recent changes"; one query, so both always agree.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from peelkit.ledger.base import AuditLog

# Records that name their force in a force_code column.
FORCE_TABLES = ("judgment", "judgment_review", "improvement_area", "narrative", "data_query", "return_signoff",
                "correction", "accuracy_comment", "return_submission")
# Bookkeeping columns: they change on every save and say nothing to a reader.
QUIET = frozenset({"id", "version", "created_at", "updated_at", "recorded_at", "fingerprint", "password_hash"})


@dataclass(frozen=True)
class Change:
    id: int
    at: datetime
    actor: str
    table_name: str
    record_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def changed(self) -> list[str]:
        """The fields that changed (every field with a value for an insert), bookkeeping left out."""
        if self.after is None:
            return sorted(k for k in (self.before or {}) if k not in QUIET)
        return [k for k, v in self.after.items()
                if k not in QUIET and ((self.before is None and v not in (None, ""))
                                       or (self.before is not None and self.before.get(k) != v))]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "table_name": self.table_name,
                "record_id": self.record_id, "action": self.action, "changed": self.changed,
                "before": self.before, "after": self.after}


def _matches(column: str, values: Collection[Any], as_int: bool = False) -> ColumnElement[bool]:
    after = AuditLog.after[column].as_integer() if as_int else AuditLog.after[column].as_string()
    before = AuditLog.before[column].as_integer() if as_int else AuditLog.before[column].as_string()
    return or_(after.in_(list(values)), before.in_(list(values)))


def force_history(session: Session, force_code: str, limit: int = 50) -> list[Change]:
    """The newest audit rows of a force's records: judgments, areas and their statuses, narrative, data queries,
    sign-offs, corrections and its sampled files' review answers."""
    from peelkit.ledger.file_review import SampledFile
    from peelkit.ledger.improvements import ImprovementArea

    area_ids = list(session.scalars(select(ImprovementArea.id).where(ImprovementArea.force_code == force_code)))
    sample_ids = list(session.scalars(select(SampledFile.id).where(SampledFile.force_code == force_code)))
    conditions: list[ColumnElement[bool]] = [
        and_(AuditLog.table_name.in_(FORCE_TABLES), _matches("force_code", [force_code]))]
    if area_ids:
        conditions.append(and_(AuditLog.table_name == "improvement_status", _matches("area_id", area_ids, True)))
    if sample_ids:
        conditions.append(and_(AuditLog.table_name == "file_review_answer", _matches("sample_id", sample_ids, True)))
    rows = session.scalars(select(AuditLog).where(or_(*conditions)).order_by(AuditLog.id.desc()).limit(limit))
    return [Change(r.id, r.at, r.actor, r.table_name, r.record_id, r.action, r.before, r.after) for r in rows]


__all__ = ["Change", "force_history"]
