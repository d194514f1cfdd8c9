"""Every finding kind (accelerated causes of concern, innovative and promising practice; practice is 'noted'),
recommendations of causes of concern with their status history, and the 2021/22 framework's new id.

Existing rows are kept: areas for improvement and causes of concern keep their kind, status and history;
judgments and findings recorded under the old 2021/22 id ``peel-2021`` move to ``peel-2021-22``.

Revision ID: 0009_issue17_findings
Revises: 0008 (and needs 0002, which created the findings tables)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_issue17_findings"
down_revision = "0008"
branch_labels = None
depends_on = "0002"

OLD_KINDS = ("area_for_improvement", "cause_of_concern")
KINDS = (*OLD_KINDS, "accelerated_cause_of_concern", "innovative_practice", "promising_practice")
OLD_STATUSES = ("open", "in_progress", "addressed", "closed")
STATUSES = (*OLD_STATUSES, "noted")
REC_STATUSES = ("open", "in_progress", "completed", "superseded", "withdrawn")
RENAMED_FRAMEWORKS = {"peel-2021": "peel-2021-22"}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


STATUS_COLUMNS = "id, area_id, status, on_date, evidence, actor, recorded_at"


def _checks(kinds: tuple[str, ...], statuses: tuple[str, ...]) -> None:
    # Batch mode: SQLite rebuilds the tables (copying every row); PostgreSQL alters the constraints in place.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Dropping the findings table while rows point at it (status rows, and the copy's links to earlier
        # findings, which name the table) breaks their foreign keys: SQLite counts the violation even after the
        # rebuilt table takes the name back. So set the status rows and the links aside for the rebuild, all in
        # one transaction (the sqlite3 driver opens it at the first data change).
        op.execute("UPDATE improvement_area SET id = id WHERE 1 = 0")
        op.execute("PRAGMA defer_foreign_keys = ON")
        op.execute(f"CREATE TEMP TABLE keep_improvement_status AS SELECT {STATUS_COLUMNS} FROM improvement_status")
        op.execute("DELETE FROM improvement_status")
        op.execute("CREATE TEMP TABLE keep_predecessor AS SELECT id, predecessor_id FROM improvement_area "
                   "WHERE predecessor_id IS NOT NULL")
        op.execute("UPDATE improvement_area SET predecessor_id = NULL")
    with op.batch_alter_table("improvement_area") as batch:
        batch.drop_constraint(op.f("ck_improvement_area_kind"), type_="check")
        batch.drop_constraint(op.f("ck_improvement_area_status"), type_="check")
        batch.create_check_constraint(op.f("ck_improvement_area_kind"), _in("kind", kinds))
        batch.create_check_constraint(op.f("ck_improvement_area_status"), _in("status", statuses))
    with op.batch_alter_table("improvement_status") as batch:
        batch.drop_constraint(op.f("ck_improvement_status_status"), type_="check")
        batch.create_check_constraint(op.f("ck_improvement_status_status"), _in("status", statuses))
    if sqlite:
        op.execute(f"INSERT INTO improvement_status ({STATUS_COLUMNS}) "
                   f"SELECT {STATUS_COLUMNS} FROM keep_improvement_status")
        op.execute("DROP TABLE keep_improvement_status")
        op.execute("UPDATE improvement_area SET predecessor_id = (SELECT k.predecessor_id FROM keep_predecessor k "
                   "WHERE k.id = improvement_area.id) WHERE id IN (SELECT id FROM keep_predecessor)")
        op.execute("DROP TABLE keep_predecessor")


def _rename_frameworks(mapping: dict[str, str]) -> None:
    for table in ("judgment", "improvement_area"):
        for old, new in mapping.items():
            op.execute(sa.text(f"UPDATE {table} SET framework_id = :new WHERE framework_id = :old")
                       .bindparams(new=new, old=old))


def upgrade() -> None:
    _checks(KINDS, STATUSES)
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(_in("status", REC_STATUSES), name=op.f("ck_recommendation_status")),
        sa.ForeignKeyConstraint(["finding_id"], ["improvement_area.id"],
                                name=op.f("fk_recommendation_finding_id_improvement_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation")),
    )
    op.create_index(op.f("ix_recommendation_finding_id"), "recommendation", ["finding_id"])
    op.create_table(
        "recommendation_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_in("status", REC_STATUSES), name=op.f("ck_recommendation_status_status")),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendation.id"],
                                name=op.f("fk_recommendation_status_recommendation_id_recommendation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_status")),
    )
    op.create_index(op.f("ix_recommendation_status_recommendation_id"), "recommendation_status",
                    ["recommendation_id"])
    _rename_frameworks(RENAMED_FRAMEWORKS)


def downgrade() -> None:
    # Refuses (the old check constraints fail) while findings of the new kinds exist: delete them first.
    _rename_frameworks({new: old for old, new in RENAMED_FRAMEWORKS.items()})
    op.drop_index(op.f("ix_recommendation_status_recommendation_id"), table_name="recommendation_status")
    op.drop_table("recommendation_status")
    op.drop_index(op.f("ix_recommendation_finding_id"), table_name="recommendation")
    op.drop_table("recommendation")
    _checks(OLD_KINDS, OLD_STATUSES)
