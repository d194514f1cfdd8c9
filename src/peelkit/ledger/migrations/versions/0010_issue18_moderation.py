"""Moderation of judgments: one row per decision (accepted, or returned with a comment) on one version of a
judgment, by an inspector other than its drafter.

Revision ID: 0010_issue18_moderation
Revises: 0001 (and needs 0002, which created the judgment table)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_issue18_moderation"
down_revision = "0001"
branch_labels = None
depends_on = "0002"


def upgrade() -> None:
    op.create_table(
        "judgment_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judgment_id", sa.Integer(), nullable=False),
        sa.Column("judgment_version", sa.Integer(), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("framework_id", sa.String(length=60), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("drafted_by", sa.String(length=200), nullable=False),
        sa.Column("moderated_by", sa.String(length=200), nullable=False),
        sa.Column("moderated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("decision IN ('accepted', 'returned')", name=op.f("ck_judgment_review_decision")),
        sa.ForeignKeyConstraint(["judgment_id"], ["judgment.id"], name=op.f("fk_judgment_review_judgment_id_judgment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgment_review")),
        sa.UniqueConstraint("judgment_id", "judgment_version", name=op.f("uq_judgment_review_judgment_id")),
    )
    op.create_index(op.f("ix_judgment_review_judgment_id"), "judgment_review", ["judgment_id"])
    op.create_index(op.f("ix_judgment_review_force_code"), "judgment_review", ["force_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_judgment_review_force_code"), table_name="judgment_review")
    op.drop_index(op.f("ix_judgment_review_judgment_id"), table_name="judgment_review")
    op.drop_table("judgment_review")
