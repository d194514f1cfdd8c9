"""Audit log: who changed which ledger record, when, from what to what.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("table_name", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_table_name"), "audit_log", ["table_name"])
    op.create_index(op.f("ix_audit_log_record_id"), "audit_log", ["record_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_record_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_table_name"), table_name="audit_log")
    op.drop_table("audit_log")
