"""Record integrity: the ledger change counter, corrections of published records, the publication gate's
override, the actual release time, and when a user's password last changed (sessions issued before end).

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    version = op.create_table(
        "ledger_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_version")),
    )
    op.bulk_insert(version, [{"id": 1, "version": 1, "changed_at": datetime.now(UTC).replace(tzinfo=None)}])
    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.String(length=100), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction")),
    )
    op.create_index(op.f("ix_correction_publication_id"), "correction", ["publication_id"])
    op.create_index(op.f("ix_correction_force_code"), "correction", ["force_code"])
    with op.batch_alter_table("publication_state") as batch:
        batch.add_column(sa.Column("released_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("override_detail", sa.JSON(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("credentials_changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("credentials_changed_at")
    with op.batch_alter_table("publication_state") as batch:
        batch.drop_column("override_detail")
        batch.drop_column("override_reason")
        batch.drop_column("released_at")
    op.drop_index(op.f("ix_correction_force_code"), table_name="correction")
    op.drop_index(op.f("ix_correction_publication_id"), table_name="correction")
    op.drop_table("correction")
    op.drop_table("ledger_version")
