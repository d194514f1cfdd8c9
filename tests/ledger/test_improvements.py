"""Areas for improvement and causes of concern: chains of predecessors, status history, audit and locking."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from peelkit.errors import PeelError
from peelkit.ledger import db
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.improvements import (
    AreaView,
    areas_for,
    consecutive_inspections,
    get_area,
    raise_area,
    raised_phrase,
    set_status,
    times_raised,
)

Q3 = "Q3_protecting_vulnerable_people"


def test_raised_in_our_last_two_inspections(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann") as session:
        first = raise_area(session, "Kent", "2016", Q3, "Improve the risk assessment of missing children.",
                           on=date(2017, 3, 2))
        second = raise_area(session, "Kent", "2017", Q3, "Improve the risk assessment of missing children.",
                            predecessor_id=first.id, on=date(2018, 3, 22))
        assert (times_raised(second), consecutive_inspections(second)) == (2, 2)
        assert raised_phrase(second) == "raised in our last two inspections"
        assert raised_phrase(first) == "first raised in 2016"
        third = raise_area(session, "Kent", "2018/19", Q3, "Still: missing children.", predecessor_id=second.id)
        assert raised_phrase(third) == "raised in our last three inspections"
        # A gap in the chain: raised in 2015 and again in 2017 only.
        old = raise_area(session, "Kent", "2015", "Q2_investigating_crime", "Supervision of investigations.",
                         kind="cause_of_concern")
        again = raise_area(session, "Kent", "2017", "Q2_investigating_crime", "Supervision of investigations.",
                           kind="cause_of_concern", predecessor_id=old.id)
        assert (times_raised(again), consecutive_inspections(again)) == (2, 1)
        assert raised_phrase(again) == "raised 2 times (first in 2015)"
        assert [a.year_raised for a in areas_for(session, "Kent")] == ["2015", "2016", "2017", "2017", "2018/19"]


def test_predecessor_must_be_earlier_and_same_force(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann") as session:
        area = raise_area(session, "Kent", "2017", Q3, "Text.")
        with pytest.raises(PeelError, match="not raised before"):
            raise_area(session, "Kent", "2017", Q3, "Text.", predecessor_id=area.id)
        with pytest.raises(PeelError, match="another force"):
            raise_area(session, "Essex", "2018/19", Q3, "Text.", predecessor_id=area.id)
        with pytest.raises(PeelError, match="kind"):
            raise_area(session, "Kent", "2017", Q3, "Text.", kind="worry")
        with pytest.raises(PeelError, match="not a question"):
            raise_area(session, "Kent", "2017", "Q9", "Text.")


def test_status_history_audit_and_locking(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann") as session:
        ident = raise_area(session, "Kent", "2017", Q3, "Text.", on=date(2018, 3, 22)).id
    with db.session_scope(ledger_url, actor="Bob") as session:
        set_status(session, ident, "in_progress", on=date(2018, 6, 1), evidence="action plan", expected_version=1)
    with pytest.raises(ConflictError), db.session_scope(ledger_url, actor="Cat") as session:
        set_status(session, ident, "closed", expected_version=1)
    with pytest.raises(PeelError, match="status must be"), db.session_scope(ledger_url, actor="Cat") as session:
        set_status(session, ident, "done")
    with db.session_scope(ledger_url, actor="Cat") as session:
        set_status(session, ident, "addressed", on=date(2019, 5, 1), evidence="2018/19 inspection")
        view = AreaView(get_area(session, ident)).to_dict()
    assert view["status"] == "addressed" and view["version"] == 3
    assert [(h["status"], h["on"], h["actor"]) for h in view["history"]] == [
        ("open", "2018-03-22", "Ann"), ("in_progress", "2018-06-01", "Bob"), ("addressed", "2019-05-01", "Cat")]
    with db.session_scope(ledger_url) as session:
        audit = session.scalars(select(AuditLog).where(AuditLog.table_name == "improvement_area")
                                .order_by(AuditLog.id)).all()
    assert [(a.action, a.actor) for a in audit] == [("insert", "Ann"), ("update", "Bob"), ("update", "Cat")]
    assert audit[1].before is not None and audit[1].after is not None
    assert (audit[1].before["status"], audit[1].after["status"]) == ("open", "in_progress")
