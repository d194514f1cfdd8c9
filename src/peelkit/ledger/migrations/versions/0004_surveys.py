"""Surveys: public attitude survey waves, respondents and population margins; staff survey responses.

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=100), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("responses_file", sa.String(length=500), nullable=False),
        sa.Column("responses_sha256", sa.String(length=64), nullable=False),
        sa.Column("margins_file", sa.String(length=500), nullable=True),
        sa.Column("margins_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("weighted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('public', 'staff')", name=op.f("ck_survey_wave_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_wave")),
        sa.UniqueConstraint("name", name=op.f("uq_survey_wave_name")),
    )
    op.create_index(op.f("ix_survey_wave_responses_sha256"), "survey_wave", ["responses_sha256"])

    op.create_table(
        "survey_respondent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("respondent_ref", sa.String(length=100), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("age_band", sa.String(length=20), nullable=False),
        sa.Column("gender", sa.String(length=20), nullable=False),
        sa.Column("work_status", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["wave_id"], ["survey_wave.id"],
                                name=op.f("fk_survey_respondent_wave_id_survey_wave")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_respondent")),
        sa.UniqueConstraint("wave_id", "respondent_ref", name=op.f("uq_survey_respondent_wave_id")),
    )
    op.create_index(op.f("ix_survey_respondent_wave_id"), "survey_respondent", ["wave_id"])
    op.create_index(op.f("ix_survey_respondent_force_code"), "survey_respondent", ["force_code"])

    op.create_table(
        "survey_margin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("variable", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("count", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["wave_id"], ["survey_wave.id"], name=op.f("fk_survey_margin_wave_id_survey_wave")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_margin")),
        sa.UniqueConstraint("wave_id", "force_code", "variable", "category", name=op.f("uq_survey_margin_wave_id")),
    )
    op.create_index(op.f("ix_survey_margin_wave_id"), "survey_margin", ["wave_id"])

    op.create_table(
        "survey_staff_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("respondent_ref", sa.String(length=100), nullable=True),
        sa.Column("force_code", sa.String(length=9), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.String(length=200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["wave_id"], ["survey_wave.id"],
                                name=op.f("fk_survey_staff_response_wave_id_survey_wave")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_staff_response")),
    )
    op.create_index(op.f("ix_survey_staff_response_wave_id"), "survey_staff_response", ["wave_id"])
    op.create_index(op.f("ix_survey_staff_response_force_code"), "survey_staff_response", ["force_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_survey_staff_response_force_code"), table_name="survey_staff_response")
    op.drop_index(op.f("ix_survey_staff_response_wave_id"), table_name="survey_staff_response")
    op.drop_table("survey_staff_response")
    op.drop_index(op.f("ix_survey_margin_wave_id"), table_name="survey_margin")
    op.drop_table("survey_margin")
    op.drop_index(op.f("ix_survey_respondent_force_code"), table_name="survey_respondent")
    op.drop_index(op.f("ix_survey_respondent_wave_id"), table_name="survey_respondent")
    op.drop_table("survey_respondent")
    op.drop_index(op.f("ix_survey_wave_responses_sha256"), table_name="survey_wave")
    op.drop_table("survey_wave")
