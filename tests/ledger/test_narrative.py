"""Inspector narrative in the ledger: one text per force, year and section, audited and version-checked, on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from peelkit.errors import PeelError
from peelkit.ledger import db
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.narrative import Narrative, narratives, set_narrative

Q1 = "Q1_preventing_crime_and_ASB"


def test_set_and_read_narratives(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="inspector.a") as session:
        row = set_narrative(session, "Warwickshire", "2017", Q1, "The force **works well** with partners.")
        assert row.version == 1 and row.author == "inspector.a" and row.force_code == "E23000017"
        set_narrative(session, "Warwickshire", "peel-effectiveness-2017", "overview", "Overview text.")
        set_narrative(session, "Warwickshire", "2016", Q1, "Last year's text.")
        set_narrative(session, "Kent", "2017", Q1, "Kent's text.")
    with db.session_scope(ledger_url, actor="inspector.b") as session:
        assert narratives(session, "Warwickshire", "2017") == {
            Q1: "The force **works well** with partners.", "overview": "Overview text."}
        assert narratives(session, "Warwickshire", "2016") == {Q1: "Last year's text."}
        assert narratives(session, "Surrey", "2017") == {}
        edited = set_narrative(session, "warwickshire", "2017", Q1, "Edited.", expected_version=1)
        assert edited.version == 2 and edited.author == "inspector.b"
    with db.session_scope(ledger_url) as session:
        assert narratives(session, "Warwickshire", "2017")[Q1] == "Edited."
        rows = session.scalars(select(Narrative)).all()
        assert len(rows) == 4  # unique per (force, year, section): the edit replaced the text
        audit = session.scalars(select(AuditLog).where(AuditLog.table_name == "narrative")
                                .order_by(AuditLog.id)).all()
        assert [a.action for a in audit] == ["insert"] * 4 + ["update"]
        assert audit[-1].actor == "inspector.b"
        assert audit[-1].before is not None and audit[-1].before["text"].startswith("The force")
        assert audit[-1].after is not None and audit[-1].after["text"] == "Edited."


def test_stale_edit_is_refused(ledger_url: str) -> None:
    with db.session_scope(ledger_url) as session:
        set_narrative(session, "Kent", "2017", "specialist_capabilities", "First.")
        set_narrative(session, "Kent", "2017", "specialist_capabilities", "Second.")
    with pytest.raises(ConflictError, match="version 1"), db.session_scope(ledger_url) as session:
        set_narrative(session, "Kent", "2017", "specialist_capabilities", "Third.", expected_version=1)
    with pytest.raises(ConflictError), db.session_scope(ledger_url) as session:
        set_narrative(session, "Kent", "2017", Q1, "New.", expected_version=3)
    with db.session_scope(ledger_url) as session:
        assert narratives(session, "Kent", "2017") == {"specialist_capabilities": "Second."}


def test_unknown_section_force_or_year_is_refused(ledger_url: str) -> None:
    with db.session_scope(ledger_url) as session:
        with pytest.raises(PeelError, match="not a question"):
            set_narrative(session, "Kent", "2017", "Q9_nonsense", "text")
        with pytest.raises(PeelError):
            set_narrative(session, "Atlantis", "2017", Q1, "text")
        with pytest.raises(PeelError, match="no framework"):
            set_narrative(session, "Kent", "1999", Q1, "text")
        # The overall judgment's narrative is the overview.
        assert set_narrative(session, "Kent", "2017", "overall", "text").section == "overview"
