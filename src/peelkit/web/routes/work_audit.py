"""Recent audit rows for the work pages (who, when, what changed), read from the ledger's audit log."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from peelkit.ledger.base import AuditLog
from peelkit.web.routes.work_common import uk_time

TABLE_LABELS = {
    "judgment": "Judgment",
    "improvement_area": "Area for improvement",
    "improvement_status": "Area status",
    "narrative": "Narrative",
    "file_review_answer": "File review answer",
    "data_query": "Data query",
    "return_signoff": "Sign-off",
    "publication_state": "Publication state",
}
# Bookkeeping columns: they change on every save and say nothing to a reader.
_QUIET = frozenset({"id", "version", "created_at", "updated_at", "recorded_at", "fingerprint", "password_hash"})
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


def _matches(column: str, values: Collection[Any], as_int: bool = False) -> ColumnElement[bool]:
    after = AuditLog.after[column].as_integer() if as_int else AuditLog.after[column].as_string()
    before = AuditLog.before[column].as_integer() if as_int else AuditLog.before[column].as_string()
    return or_(after.in_(list(values)), before.in_(list(values)))


def force_audit(session: Session, force_code: str, area_ids: Sequence[int], sample_ids: Sequence[int],
                limit: int = 20) -> list[dict[str, Any]]:
    """The newest audit rows of a force's ledger records: judgments, areas and their statuses, narrative and
    its sampled files' review answers."""
    conditions: list[ColumnElement[bool]] = [
        and_(AuditLog.table_name.in_(("judgment", "improvement_area", "narrative")),
             _matches("force_code", [force_code]))
    ]
    if area_ids:
        conditions.append(and_(AuditLog.table_name == "improvement_status", _matches("area_id", area_ids, True)))
    if sample_ids:
        conditions.append(and_(AuditLog.table_name == "file_review_answer", _matches("sample_id", sample_ids, True)))
    rows = session.scalars(select(AuditLog).where(or_(*conditions)).order_by(AuditLog.id.desc()).limit(limit))
    return [entry(row) for row in rows]


def record_audit(session: Session, table: str, record_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """Every audit row of one record, newest first."""
    rows = session.scalars(select(AuditLog).where(AuditLog.table_name == table, AuditLog.record_id == record_id)
                           .order_by(AuditLog.id.desc()).limit(limit))
    return [entry(row) for row in rows]
