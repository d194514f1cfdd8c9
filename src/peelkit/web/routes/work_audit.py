"""Recent audit rows for the work pages (who, when, what changed), read from the ledger's audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.ledger.base import AuditLog
from peelkit.ledger.history import QUIET
from peelkit.web.routes.work_common import uk_time

TABLE_LABELS = {
    "judgment": "Judgment",
    "judgment_review": "Moderation",
    "improvement_area": "Area for improvement",
    "improvement_status": "Area status",
    "narrative": "Narrative",
    "file_review_answer": "File review answer",
    "data_query": "Data query",
    "return_signoff": "Sign-off",
    "publication_state": "Publication state",
    "correction": "Correction",
}
# Bookkeeping columns: they change on every save and say nothing to a reader.
_QUIET = QUIET
# Where a record belongs: the page already says so, so an insert does not repeat it.
_CONTEXT = frozenset({"force_code", "publication_id"})
_LONGEST = 80


def _short(value: Any) -> str:
    text = "–" if value is None or value == "" else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def describe_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """'grade: Good → Outstanding' per changed column (all columns with a value for an insert)."""
    if after is None:
        return ["deleted"]
    lines = []
    for key, value in after.items():
        if key in _QUIET:
            continue
        if before is None:
            if value not in (None, "") and key not in _CONTEXT:
                lines.append(f"{key.replace('_', ' ')}: {_short(value)}")
        elif before.get(key) != value:
            lines.append(f"{key.replace('_', ' ')}: {_short(before.get(key))} → {_short(value)}")
    return lines


def entry(row: AuditLog) -> dict[str, Any]:
    return {"id": row.id, "at": row.at.isoformat(), "when": uk_time(row.at), "who": row.actor,
            "table": row.table_name, "what": TABLE_LABELS.get(row.table_name, row.table_name),
            "record_id": row.record_id, "action": row.action, "changes": describe_changes(row.before, row.after)}


def force_audit(session: Session, force_code: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest audit rows of a force's ledger records (peelkit.ledger.history: the same as the CLI's)."""
    from peelkit.ledger.history import force_history

    return [{"id": c.id, "at": c.at.isoformat(), "when": uk_time(c.at), "who": c.actor, "table": c.table_name,
             "what": TABLE_LABELS.get(c.table_name, c.table_name), "record_id": c.record_id, "action": c.action,
             "changes": describe_changes(c.before, c.after)} for c in force_history(session, force_code, limit)]


def record_audit(session: Session, table: str, record_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """Every audit row of one record, newest first."""
    rows = session.scalars(select(AuditLog).where(AuditLog.table_name == table, AuditLog.record_id == record_id)
                           .order_by(AuditLog.id.desc()).limit(limit))
    return [entry(row) for row in rows]
