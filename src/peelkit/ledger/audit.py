"""Every insert, update and delete of an audited model writes an audit row (who, when, before, after) in the
same transaction, so the log cannot miss a change or record one that was rolled back."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import column, event, insert, inspect, select
from sqlalchemy import table as sa_table
from sqlalchemy.orm import Session, UOWTransaction

from peelkit.ledger.base import AuditLog, Base, utcnow


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


MASK = "***"
MASK_CHANGED = "*** (changed)"


def _masked(obj: Base, values: dict[str, Any], after: bool = False) -> dict[str, Any]:
    # Secrets such as password hashes: the log records that they changed, never their value.
    for key in getattr(obj, "__audit_masked__", ()):
        if key in values and values[key] is not None:
            changed = after and bool(inspect(obj).attrs[key].history.deleted)
            values[key] = MASK_CHANGED if changed else MASK
    return values


def _state(obj: Base, which: str) -> dict[str, Any]:
    state = inspect(obj)
    values = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if which == "before" and history.deleted:
            values[attr.key] = _plain(history.deleted[0])
        elif which == "before" and history.unchanged:
            values[attr.key] = _plain(history.unchanged[0])
        elif which == "after":
            values[attr.key] = _plain(getattr(obj, attr.key))
        elif which == "before" and history.added and not history.deleted:
            values[attr.key] = None
    return _masked(obj, values)


def _record_id(obj: Base) -> str:
    # In after_flush an inserted object has its primary key but not yet its identity.
    state = inspect(obj)
    key = state.identity or tuple(state.mapper.primary_key_from_instance(obj))
    return "/".join(str(part) for part in key) if key and None not in key else "?"


def _capture_before(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    captured: list[tuple[str, Base, dict[str, Any] | None]] = []
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            captured.append(("update", obj, _state(obj, "before")))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            captured.append(("delete", obj, _state(obj, "before")))
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            captured.append(("insert", obj, None))
    session.info.setdefault("_audit_pending", []).extend(captured)


def force_of(session: Session, obj: Base, owners: dict[tuple[str, Any], str | None]) -> str | None:
    """The force a record belongs to: its own force_code, or, for a record that names an owning row
    (`__audit_force_via__ = (id column, owner table)`), the owner's (`owners` keeps lookups within one flush)."""
    code = getattr(obj, "force_code", None)
    via = getattr(obj, "__audit_force_via__", None)
    if code is not None or via is None:
        return str(code) if code is not None else None
    key, owner = via
    ident = getattr(obj, key, None)
    if (owner, ident) not in owners:
        table = sa_table(owner, column("id"), column("force_code"))
        owners[(owner, ident)] = session.connection().execute(
            select(table.c.force_code).where(table.c.id == ident)).scalar()
    return owners[(owner, ident)]


def _write_audit(session: Session, _flush: UOWTransaction) -> None:
    pending = session.info.pop("_audit_pending", [])
    if not pending:
        return
    actor = str(session.info.get("actor", "system"))
    now = utcnow()
    rows = []
    owners: dict[tuple[str, Any], str | None] = {}
    for action, obj, before in pending:
        after = None if action == "delete" else _masked(obj, {k: _plain(getattr(obj, k)) for k in
                                                              (a.key for a in inspect(obj).mapper.column_attrs)},
                                                        after=True)
        rows.append({"at": now, "actor": actor, "table_name": obj.__tablename__, "record_id": _record_id(obj),
                     "action": action, "before": before, "after": after,
                     "force_code": force_of(session, obj, owners)})
    session.connection().execute(insert(AuditLog), rows)


def install() -> None:
    """Register the audit listeners on every Session (idempotent)."""
    if not event.contains(Session, "before_flush", _capture_before):
        event.listen(Session, "before_flush", _capture_before)
        event.listen(Session, "after_flush", _write_audit)
