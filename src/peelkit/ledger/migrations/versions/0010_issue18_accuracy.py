"""The factual-accuracy check (its window per publication and the forces' comments with the inspectors'
answers), the record of each return a force submits, and a data query's revised value and the recorded reason
it was closed.

Revision ID: 0010_issue18_accuracy
Revises: 0001 (and needs 0005, which created the data query table)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_issue18_accuracy"
down_revision = "0001"
branch_labels = None
depends_on = "0005"


def upgrade() -> None:
    op.create_table(
        "accuracy_window",
        sa.Column("publication_id", sa.String(length=100), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_accuracy_window_closes_after_opens")),
        sa.PrimaryKeyConstraint("publication_id", name=op.f("pk_accuracy_window")),
    )
    op.create_table(
        "accuracy_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.String(length=100), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("section", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("outcome IN ('pending', 'accepted', 'not_accepted')",
                           name=op.f("ck_accuracy_comment_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accuracy_comment")),
    )
    op.create_index(op.f("ix_accuracy_comment_publication_id"), "accuracy_comment", ["publication_id"])
    op.create_index(op.f("ix_accuracy_comment_force_code"), "accuracy_comment", ["force_code"])
    op.create_table(
        "return_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.String(length=100), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_submission")),
    )
    op.create_index(op.f("ix_return_submission_force_code"), "return_submission", ["force_code"])
    op.add_column("data_query", sa.Column("revised_value", sa.Float(), nullable=True))
    op.add_column("data_query", sa.Column("close_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("data_query") as batch:
        batch.drop_column("close_reason")
        batch.drop_column("revised_value")
    op.drop_index(op.f("ix_return_submission_force_code"), table_name="return_submission")
    op.drop_table("return_submission")
    op.drop_index(op.f("ix_accuracy_comment_force_code"), table_name="accuracy_comment")
    op.drop_index(op.f("ix_accuracy_comment_publication_id"), table_name="accuracy_comment")
    op.drop_table("accuracy_comment")
    op.drop_table("accuracy_window")
