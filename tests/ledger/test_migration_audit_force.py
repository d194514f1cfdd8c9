"""Migration 0011_audit_force_code: audit rows written before it get the force they belong to (their record's
own force_code, or for an area's status its area's force), on SQLite and PostgreSQL, so a force's history
still lists them after the upgrade and lists nothing of other forces or of user accounts."""

from __future__ import annotations

import json

from sqlalchemy import text

from peelkit.ledger import db
from peelkit.ledger.history import force_history
from tests.ledger.test_migration_findings import NOW, _old_rows, empty_url  # noqa: F401  (the fixture)

REVISION = "0011_audit_force_code"
KENT, SURREY = "E23000032", "E23000033"


def _audit(conn: object, row_id: int, table: str, after: dict[str, object]) -> None:
    conn.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO audit_log (id, at, actor, table_name, record_id, action, before, after) VALUES "
        f"({row_id}, '{NOW}', 'old', '{table}', '{row_id}', 'insert', NULL, :after)"), {"after": json.dumps(after)})


def test_old_audit_rows_get_their_force(empty_url: str) -> None:  # noqa: F811
    before = sorted((db.head_revisions() - {REVISION}) | {"0002"})
    for revision in before:
        db.upgrade(empty_url, revision)
    _old_rows(empty_url)  # Surrey's judgments and areas; area 1 has statuses
    with db.engine_for(empty_url).begin() as conn:
        _audit(conn, 1, "judgment", {"id": 1, "force_code": SURREY, "grade": "Adequate"})
        _audit(conn, 2, "improvement_status", {"id": 1, "area_id": 1, "status": "open"})
        _audit(conn, 3, "users", {"id": 7, "name": "kent-user", "role": "force", "force_code": KENT})
        _audit(conn, 4, "judgment", {"id": 9, "force_code": KENT, "grade": "Good"})
        _audit(conn, 5, "publication_state", {"id": "peel-effectiveness-2017", "state": "draft"})
    db.upgrade(empty_url)
    assert REVISION in db.applied_revisions(empty_url)
    with db.engine_for(empty_url).connect() as conn:
        filled = {row[0]: row[1] for row in conn.execute(text("SELECT id, force_code FROM audit_log ORDER BY id"))}
    assert filled == {1: SURREY, 2: SURREY, 3: KENT, 4: KENT, 5: None}
    with db.session_scope(empty_url, migrate=False) as session:
        assert [c.id for c in force_history(session, SURREY)] == [2, 1]
        assert [c.id for c in force_history(session, KENT)] == [4]  # a user account is not the force's record
