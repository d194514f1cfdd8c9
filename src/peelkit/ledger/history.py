"""A force's audit trail: every audit row of its ledger records, whichever process wrote it (CLI, web, import).

Used by `peel ledger history` and the web ledger page's "Recent changes"; one query, so both always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
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


# Records that name their force through another row (the audit row's force_code is that row's force).
OWNED_TABLES = ("improvement_status", "file_review_answer")


def force_history(session: Session, force_code: str, limit: int = 50) -> list[Change]:
    """The newest audit rows of a force's records: judgments, areas and their statuses, narrative, data queries,
    sign-offs, corrections and its sampled files' review answers (one indexed lookup: audit_log.force_code)."""
    rows = session.scalars(select(AuditLog)
                           .where(AuditLog.force_code == force_code,
                                  AuditLog.table_name.in_((*FORCE_TABLES, *OWNED_TABLES)))
                           .order_by(AuditLog.id.desc()).limit(limit))
    return [Change(r.id, r.at, r.actor, r.table_name, r.record_id, r.action, r.before, r.after) for r in rows]


__all__ = ["Change", "force_history"]
