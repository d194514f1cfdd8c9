"""Judgments, areas for improvement / causes of concern and their status history.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judgment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("framework_id", sa.String(length=60), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("grade", sa.String(length=40), nullable=True),
        sa.Column("inspected_this_year", sa.Boolean(), nullable=False),
        sa.Column("last_inspected", sa.String(length=10), nullable=True),
        sa.Column("judged_on", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("confidence", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgment")),
        sa.UniqueConstraint("force_code", "framework_id", "question_id", name=op.f("uq_judgment_force_code")),
    )
    op.create_index(op.f("ix_judgment_force_code"), "judgment", ["force_code"])

    op.create_table(
        "improvement_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("framework_id", sa.String(length=60), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("year_raised", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('area_for_improvement', 'cause_of_concern')",
                           name=op.f("ck_improvement_area_kind")),
        sa.CheckConstraint("status IN ('open', 'in_progress', 'addressed', 'closed')",
                           name=op.f("ck_improvement_area_status")),
        sa.ForeignKeyConstraint(["predecessor_id"], ["improvement_area.id"],
                                name=op.f("fk_improvement_area_predecessor_id_improvement_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_area")),
    )
    op.create_index(op.f("ix_improvement_area_force_code"), "improvement_area", ["force_code"])

    op.create_table(
        "improvement_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'in_progress', 'addressed', 'closed')",
                           name=op.f("ck_improvement_status_status")),
        sa.ForeignKeyConstraint(["area_id"], ["improvement_area.id"],
                                name=op.f("fk_improvement_status_area_id_improvement_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_status")),
    )
    op.create_index(op.f("ix_improvement_status_area_id"), "improvement_status", ["area_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_improvement_status_area_id"), table_name="improvement_status")
    op.drop_table("improvement_status")
    op.drop_index(op.f("ix_improvement_area_force_code"), table_name="improvement_area")
    op.drop_table("improvement_area")
    op.drop_index(op.f("ix_judgment_force_code"), table_name="judgment")
    op.drop_table("judgment")
