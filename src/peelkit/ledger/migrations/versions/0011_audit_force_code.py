"""The audit log names each row's force (`force_code`, indexed), so a force's history is one indexed lookup
instead of reading every row's JSON: the web ledger page asked for it on every request.

Revision ID: 0011_audit_force_code
Revises: 0002 (and needs 0003: the existing rows are filled in from the area and sampled-file tables)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011_audit_force_code"
down_revision = "0002"
branch_labels = None
depends_on = "0003"

# Rows whose record names its force through another table: (the id column in the row, that table).
_THROUGH = {"improvement_status": ("area_id", "improvement_area"),
            "file_review_answer": ("sample_id", "file_review_sample")}
_BATCH = 5000


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("force_code", sa.String(length=9), nullable=True))
    op.create_index(op.f("ix_audit_log_force_code"), "audit_log", ["force_code"])
    connection = op.get_bind()
    owners: dict[str, dict[Any, Any]] = {}
    for table, (_key, owner) in _THROUGH.items():
        ids: Any = sa.select(sa.column("id"), sa.column("force_code")).select_from(sa.table(owner))
        owners[table] = {row[0]: row[1] for row in connection.execute(ids)}
    audit = sa.table("audit_log", sa.column("id", sa.Integer()), sa.column("table_name", sa.String()),
                     sa.column("before", sa.JSON()), sa.column("after", sa.JSON()),
                     sa.column("force_code", sa.String()))
    fill = sa.update(audit).where(audit.c.id == sa.bindparam("row_id")).values(force_code=sa.bindparam("code"))
    pending: list[dict[str, object]] = []
    for row_id, table_name, before, after in connection.execute(
            sa.select(audit.c.id, audit.c.table_name, audit.c.before, audit.c.after)).all():
        values = after or before or {}
        code = values.get("force_code")
        if code is None and table_name in _THROUGH:
            code = owners[table_name].get(values.get(_THROUGH[table_name][0]))
        if code is not None:
            pending.append({"row_id": row_id, "code": code})
        if len(pending) >= _BATCH:
            connection.execute(fill, pending)
            pending = []
    if pending:
        connection.execute(fill, pending)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_force_code"), table_name="audit_log")
    op.drop_column("audit_log", "force_code")
