"""The web app's ledger records (users, publication state) and its per-force audit query, on SQLite and on
PostgreSQL: the query reads JSON fields of the audit log, which the two databases spell differently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.db import session_scope
from peelkit.ledger.improvements import raise_area, set_status
from peelkit.ledger.judgments import record_judgment
from peelkit.ledger.narrative import set_narrative
from peelkit.ledger.publication_state import get_status
from peelkit.ledger.publication_state import set_status as set_publication_status
from peelkit.ledger.users import add_user, authenticate
from peelkit.web.routes.work_audit import force_audit

WARKS, KENT = "E23000017", "E23000032"
PUB = "peel-effectiveness-2017"


def test_force_audit_lists_only_that_forces_records(ledger_url: str) -> None:
    with session_scope(ledger_url, actor="ian") as session:
        record_judgment(session, "Warwickshire", "2017", "Q1_preventing_crime_and_ASB", "Good")
        record_judgment(session, "Kent", "2017", "Q1_preventing_crime_and_ASB", "Inadequate")
        warks_area = raise_area(session, "Warwickshire", "2017", "Q2_investigating_crime", "Supervise better")
        raise_area(session, "Kent", "2017", "Q2_investigating_crime", "KENT-ONLY area")
        set_narrative(session, "Kent", "2017", "overview", "KENT-ONLY narrative")
        session.flush()
        set_status(session, warks_area.id, "in_progress")
    with session_scope(ledger_url) as session:
        rows = force_audit(session, WARKS)
    text = repr(rows)
    assert "Supervise better" in text and "Good" in text and "in_progress" in text
    assert "KENT" not in text and "Inadequate" not in text
    assert all(r["who"] == "ian" for r in rows)


def test_users_and_publication_state_are_audited_without_the_password_hash(ledger_url: str) -> None:
    now = datetime(2018, 3, 1, 12, tzinfo=UTC)
    with session_scope(ledger_url, actor="admin") as session:
        add_user(session, "kent", "force", "correct horse battery staple", force_code="Kent")
        state = set_publication_status(session, PUB, "embargoed", now + timedelta(days=21), 0, now=now, override="test")
    with session_scope(ledger_url) as session:
        user = authenticate(session, "kent", "correct horse battery staple")
        assert user is not None and user.force_code == KENT
        assert authenticate(session, "kent", "wrong password") is None
        status = get_status(session, PUB)
        assert status.state == "embargoed" and not status.is_public(now) and status.is_public(now + timedelta(days=22))
        audit = session.query(AuditLog).filter(AuditLog.table_name.in_(("users", "publication_state"))).all()
        assert {a.table_name for a in audit} == {"users", "publication_state"}
        assert all("argon2" not in repr(a.after) for a in audit)
    with pytest.raises(ConflictError), session_scope(ledger_url, actor="admin") as session:
        set_publication_status(session, PUB, "published", None, state.version - 1, now=now, override="test")
