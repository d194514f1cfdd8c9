"""Inspector narrative per force, programme year and report section.

Revision ID: 0006
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "narrative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("year", sa.String(length=10), nullable=False),
        sa.Column("section", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_narrative")),
        sa.UniqueConstraint("force_code", "year", "section", name="uq_narrative_force_year_section"),
    )
    op.create_index(op.f("ix_narrative_force_code"), "narrative", ["force_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_narrative_force_code"), table_name="narrative")
    op.drop_table("narrative")
