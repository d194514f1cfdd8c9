"""Data queries raised by the checks, and force sign-offs of their returns.

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.String(length=100), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("figure", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("return_import_id", sa.Integer(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'answered', 'resolved', 'accepted')",
                           name=op.f("ck_data_query_status")),
        sa.CheckConstraint("severity IN ('info', 'warning', 'error')", name=op.f("ck_data_query_severity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_query")),
        sa.UniqueConstraint("publication_id", "fingerprint", name="uq_data_query_publication_fingerprint"),
    )
    op.create_index(op.f("ix_data_query_publication_id"), "data_query", ["publication_id"])
    op.create_index(op.f("ix_data_query_force_code"), "data_query", ["force_code"])

    op.create_table(
        "return_signoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.String(length=100), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("signed_by", sa.String(length=200), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("return_import_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_signoff")),
    )
    op.create_index(op.f("ix_return_signoff_publication_id"), "return_signoff", ["publication_id"])
    op.create_index(op.f("ix_return_signoff_force_code"), "return_signoff", ["force_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_return_signoff_force_code"), table_name="return_signoff")
    op.drop_index(op.f("ix_return_signoff_publication_id"), table_name="return_signoff")
    op.drop_table("return_signoff")
    op.drop_index(op.f("ix_data_query_force_code"), table_name="data_query")
    op.drop_index(op.f("ix_data_query_publication_id"), table_name="data_query")
    op.drop_table("data_query")
