"""Every finding kind, recommendations of causes of concern, and the ledger check (Inadequate needs a cause of
concern; a cause of concern needs a recommendation), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from peelkit.errors import PeelError
from peelkit.ledger import db
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.improvements import KINDS, AreaView, get_area, raise_area, raised_phrase, set_status
from peelkit.ledger.judgments import record_judgment
from peelkit.ledger.ledger_check import check_ledger
from peelkit.ledger.recommendations import add_recommendation, set_recommendation_status

Q2 = "Q2_investigating_crime"
DUE = date(2019, 3, 31)


def test_every_kind_is_recorded_and_practice_is_noted(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann") as session:
        made = {kind: raise_area(session, "Kent", "2021/22", "investigating_crime", f"A {kind}.", kind=kind)
                for kind in KINDS}
        assert {k: a.status for k, a in made.items()} == {
            "area_for_improvement": "open", "cause_of_concern": "open", "accelerated_cause_of_concern": "open",
            "innovative_practice": "noted", "promising_practice": "noted"}
        with pytest.raises(PeelError, match="no status to change"):
            set_status(session, made["promising_practice"].id, "closed")
        view = AreaView(made["accelerated_cause_of_concern"]).to_dict()
        assert view["kind_label"] == "Accelerated cause of concern" and view["recommendations"] == []


def test_findings_link_across_years_by_category(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann") as session:
        afi = raise_area(session, "Kent", "2016", Q2, "Supervision.")
        cause = raise_area(session, "Kent", "2017", Q2, "Supervision is failing.", kind="cause_of_concern",
                           predecessor_id=afi.id)
        assert raised_phrase(cause) == "raised in our last two inspections"
        practice = raise_area(session, "Kent", "2016", Q2, "Triage desk.", kind="innovative_practice")
        again = raise_area(session, "Kent", "2017", Q2, "Triage desk, spread.", kind="promising_practice",
                           predecessor_id=practice.id)
        assert raised_phrase(again) == "raised in our last two inspections"
        with pytest.raises(PeelError, match="practice links only to practice"):
            raise_area(session, "Kent", "2017", Q2, "x", kind="promising_practice", predecessor_id=afi.id)
        with pytest.raises(PeelError, match="practice links only to practice"):
            raise_area(session, "Kent", "2017", Q2, "x", kind="cause_of_concern", predecessor_id=practice.id)


def test_recommendations_owner_due_status_history_audit_and_locking(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann") as session:
        cause = raise_area(session, "Kent", "2017", Q2, "Supervision.", kind="cause_of_concern")
        afi = raise_area(session, "Kent", "2017", Q2, "Files.")
        with pytest.raises(PeelError, match="only a cause of concern"):
            add_recommendation(session, afi.id, "Do it.", "Chief constable", DUE)
        with pytest.raises(PeelError, match="owner"):
            add_recommendation(session, cause.id, "Do it.", " ", DUE)
        rec = add_recommendation(session, cause.id, "Supervise every investigation.", "Chief constable", DUE,
                                 on=date(2018, 3, 22))
        ident, cause_id = rec.id, cause.id
    with db.session_scope(ledger_url, actor="Bob") as session:
        set_recommendation_status(session, ident, "in_progress", on=date(2018, 6, 1), evidence="plan",
                                  expected_version=1)
    with pytest.raises(ConflictError), db.session_scope(ledger_url, actor="Cat") as session:
        set_recommendation_status(session, ident, "completed", expected_version=1)
    with pytest.raises(PeelError, match="status must be"), db.session_scope(ledger_url, actor="Cat") as session:
        set_recommendation_status(session, ident, "done")
    with db.session_scope(ledger_url, actor="Cat") as session:
        set_recommendation_status(session, ident, "completed", on=date(2019, 2, 1), evidence="revisit")
        view = AreaView(get_area(session, cause_id)).to_dict()
        audit = session.scalars(select(AuditLog).where(AuditLog.table_name == "recommendation")
                                .order_by(AuditLog.id)).all()
    (rec_view,) = view["recommendations"]
    assert (rec_view["owner"], rec_view["due"], rec_view["status"], rec_view["version"]) == (
        "Chief constable", "2019-03-31", "completed", 3)
    assert [(h["status"], h["on"], h["actor"]) for h in rec_view["history"]] == [
        ("open", "2018-03-22", "Ann"), ("in_progress", "2018-06-01", "Bob"), ("completed", "2019-02-01", "Cat")]
    assert [(a.action, a.actor) for a in audit] == [("insert", "Ann"), ("update", "Bob"), ("update", "Cat")]


def test_check_inadequate_needs_a_cause_and_a_cause_needs_a_recommendation(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann") as session:
        record_judgment(session, "Kent", "2021/22", "investigating_crime", "Inadequate")
        record_judgment(session, "Kent", "2021/22", "responding_to_the_public", "Good")
        record_judgment(session, "Essex", "2017", "overall", "Inadequate")
        record_judgment(session, "Essex", "2017", Q2, "Inadequate", inspected_this_year=False, last_inspected="2016")
        found = check_ledger(session)
        assert [(f.code, f.force_code, f.year, f.question_id) for f in found] == [
            ("inadequate-without-cause-of-concern", "E23000028", "2017", "overall"),  # Essex
            ("inadequate-without-cause-of-concern", "E23000032", "2021/22", "investigating_crime")]  # Kent
        assert "peel ledger raise-area --kind cause_of_concern" in found[1].message
        # An area for improvement is not a cause of concern.
        raise_area(session, "Kent", "2021/22", "investigating_crime", "Improve.")
        assert len(check_ledger(session, force="Kent")) == 1
        cause = raise_area(session, "Kent", "2021/22", "investigating_crime", "Failing.", kind="cause_of_concern")
        (left,) = check_ledger(session, force="Kent")
        assert (left.code, left.record) == ("cause-of-concern-without-recommendation", f"finding {cause.id}")
        add_recommendation(session, cause.id, "Fix it.", "Chief constable", DUE)
        assert check_ledger(session, force="Kent") == []
        # An accelerated cause on any question answers an Inadequate overall grade; an earlier cause counts
        # only while it is open.
        old = raise_area(session, "Essex", "2016", Q2, "Old.", kind="accelerated_cause_of_concern")
        add_recommendation(session, old.id, "Act.", "Chief constable", DUE)
        assert check_ledger(session, force="Essex", year="2017") == []
        set_status(session, old.id, "closed")
        assert [f.code for f in check_ledger(session, force="Essex", year="2017")] == [
            "inadequate-without-cause-of-concern"]
        assert check_ledger(session, year="2016") == []
