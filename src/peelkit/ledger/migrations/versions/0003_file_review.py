"""Case-file review: sampling frames and their records, draws (definition, per force, per stratum, files drawn)
and the reviewers' answers.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_review_frame",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_review_frame")),
        sa.UniqueConstraint("sha256", name=op.f("uq_file_review_frame_sha256")),
    )
    op.create_table(
        "file_review_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("frame_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("crime_type", sa.String(length=40), nullable=False),
        sa.Column("date_recorded", sa.Date(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["frame_id"], ["file_review_frame.id"],
                                name=op.f("fk_file_review_record_frame_id_file_review_frame")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_review_record")),
        sa.UniqueConstraint("frame_id", "force_code", "reference", name=op.f("uq_file_review_record_frame_id")),
    )
    op.create_table(
        "file_review_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("frame_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("crime_types", sa.JSON(), nullable=False),
        sa.Column("sizes", sa.JSON(), nullable=False),
        sa.Column("size_overrides", sa.JSON(), nullable=False),
        sa.Column("allocation_rule", sa.String(length=80), nullable=False),
        sa.Column("allocation_version", sa.Integer(), nullable=False),
        sa.Column("numpy_version", sa.String(length=40), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("drawn_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["frame_id"], ["file_review_frame.id"],
                                name=op.f("fk_file_review_draw_frame_id_file_review_frame")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_review_draw")),
    )
    op.create_index(op.f("ix_file_review_draw_frame_id"), "file_review_draw", ["frame_id"])
    op.create_table(
        "file_review_draw_force",
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("target_size", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("drawn", sa.Integer(), nullable=False),
        sa.Column("takes_all", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["file_review_draw.id"],
                                name=op.f("fk_file_review_draw_force_draw_id_file_review_draw")),
        sa.PrimaryKeyConstraint("draw_id", "force_code", name=op.f("pk_file_review_draw_force")),
    )
    op.create_table(
        "file_review_stratum",
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("crime_type", sa.String(length=40), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["file_review_draw.id"],
                                name=op.f("fk_file_review_stratum_draw_id_file_review_draw")),
        sa.PrimaryKeyConstraint("draw_id", "force_code", "crime_type", name=op.f("pk_file_review_stratum")),
    )
    op.create_table(
        "file_review_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("crime_type", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["file_review_draw.id"],
                                name=op.f("fk_file_review_sample_draw_id_file_review_draw")),
        sa.ForeignKeyConstraint(["record_id"], ["file_review_record.id"],
                                name=op.f("fk_file_review_sample_record_id_file_review_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_review_sample")),
        sa.UniqueConstraint("draw_id", "record_id", name=op.f("uq_file_review_sample_draw_id")),
    )
    op.create_table(
        "file_review_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=60), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("answered_by", sa.String(length=200), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("answer IN ('yes', 'no', 'not_applicable')", name=op.f("ck_file_review_answer_answer")),
        sa.ForeignKeyConstraint(["sample_id"], ["file_review_sample.id"],
                                name=op.f("fk_file_review_answer_sample_id_file_review_sample")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_review_answer")),
        sa.UniqueConstraint("sample_id", "criterion", name=op.f("uq_file_review_answer_sample_id")),
    )


def downgrade() -> None:
    op.drop_table("file_review_answer")
    op.drop_table("file_review_sample")
    op.drop_table("file_review_stratum")
    op.drop_table("file_review_draw_force")
    op.drop_index(op.f("ix_file_review_draw_frame_id"), table_name="file_review_draw")
    op.drop_table("file_review_draw")
    op.drop_table("file_review_record")
    op.drop_table("file_review_frame")
