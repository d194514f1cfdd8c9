"""Judgments: carry-forward on the real public grades, scale refusal, audit rows and optimistic locking,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.errors import PeelError
from peelkit.forces import match_force
from peelkit.ledger import db
from peelkit.ledger import frameworks as fw
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.grades_import import import_grades
from peelkit.ledger.judgments import Judgment, grade_trend, record_judgment, save, standing_judgments

Q1, Q2, Q4 = "Q1_preventing_crime_and_ASB", "Q2_investigating_crime", "Q4_serious_and_organised_crime"


def grades_file(data_dir: Path) -> Path:
    return data_dir / "hmicfrs" / "peel_effectiveness_grades_2015_2018.csv"


def test_carry_forward_on_the_real_grades(ledger_url: str, data_dir: Path) -> None:
    path = grades_file(data_dir)
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_key = {(r["force"], r["year"], r["question"]): r for r in rows}
    # Questions graded in 2016 and, per the source, not re-inspected in 2017 (2017 grade blank): the 2016 grade
    # must stand, last inspected 2016.
    cases = [(r["force"], r["question"], by_key[(r["force"], "2016", r["question"])]["grade"]) for r in rows
             if r["year"] == "2017" and r["last_inspected"] == "2016" and not r["grade"]
             and by_key.get((r["force"], "2016", r["question"]), {}).get("grade")]
    assert cases, "the grades file no longer has a carried-forward case"
    with db.session_scope(ledger_url, actor="test") as session:
        report = import_grades(session, path)
        assert report.rows == len(rows) and report.forces == 43
        for force, question, grade_2016 in cases:
            standing = {q.question_id: q for q in standing_judgments(session, force, "2017").questions}[question]
            assert (standing.grade, standing.last_inspected, standing.carried_forward) == (grade_2016, "2016", True)
            assert standing.inspected_this_year is False
        # A question inspected in 2017 is not carried.
        inspected = next(r for r in rows if r["year"] == "2017" and r["last_inspected"] == "2017" and r["grade"]
                         and r["question"] != "overall")
        standing = {q.question_id: q for q in
                    standing_judgments(session, inspected["force"], "2017").questions}[inspected["question"]]
        assert (standing.grade, standing.last_inspected, standing.carried_forward) == (
            inspected["grade"], "2017", False)
        # Blank grades are unknown, stored as NULL, never as a grade.
        blanks = session.scalars(select(Judgment).where(Judgment.grade.is_(None))).all()
        assert len(blanks) == sum(1 for r in rows if not r["grade"])


def test_overall_movement_and_unknown_grades(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="test") as session:
        record_judgment(session, "Kent", "2016", "overall", "Requires improvement")
        record_judgment(session, "Kent", "2017", "overall", "Good")
        record_judgment(session, "Kent", "2017", Q1, None)
        record_judgment(session, "Kent", "2016", Q2, "Good")
        record_judgment(session, "Kent", "2015", "overall", "Good")
        report = standing_judgments(session, "Kent", "2017")
        assert (report.overall and report.overall.grade, report.previous_year, report.previous_overall,
                report.movement) == ("Good", "2016", "Requires improvement", "improved")
        q = {s.question_id: s for s in report.questions}
        # Q1 inspected in 2017 with an unknown grade: stays unknown (an older grade does not stand).
        assert (q[Q1].grade, q[Q1].grade_status, q[Q1].last_inspected) == (None, "unknown", "2017")
        # Q2 has no 2017 record: the 2016 judgment stands and says so.
        assert (q[Q2].grade, q[Q2].last_inspected, q[Q2].carried_forward) == ("Good", "2016", True)
        assert "no record" in q[Q2].basis
        assert standing_judgments(session, "Kent", "2016").movement == "declined"
        assert standing_judgments(session, "Kent", "2015").movement == "no previous grade"


def test_scales_are_never_compared(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="test") as session:
        with pytest.raises(PeelError, match="Adequate"):
            record_judgment(session, "Kent", "2017", Q2, "Adequate")
        with pytest.raises(PeelError, match="Ungraded"):
            record_judgment(session, "Kent", "2017", Q2, "Ungraded")
        record_judgment(session, "Kent", "2017", "Q5_specialist_capabilities", "Ungraded")
        record_judgment(session, "Kent", "2017", Q2, "Good")
        record_judgment(session, "Kent", "2018/19", Q2, "Outstanding")
        assert grade_trend(session, "Kent", Q2) == [("2017", "Good", None), ("2018/19", "Outstanding", "improved")]
        # The same question id on the 2021 scale: a trend across the two scales is refused, naming both.
        record_judgment(session, "Kent", "2021/22", "investigating_crime", "Adequate")
        session.get(Judgment, session.scalars(select(Judgment.id).where(
            Judgment.question_id == "investigating_crime")).one()).question_id = Q2
        session.flush()
        with pytest.raises(fw.ScaleMismatchError, match="peel-2021-22-five-grade"):
            grade_trend(session, "Kent", Q2)
        # Carry-forward never crosses scales: nothing from 2018/19 stands in 2021/22.
        standing = standing_judgments(session, "Kent", "2021/22")
        assert all(s.grade is None for s in standing.questions if s.question_id != Q2)
        assert standing.overall is None and standing.movement == "no overall grade"


def test_audit_rows_on_insert_and_update(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann Inspector") as session:
        judgment = record_judgment(session, "Warwickshire", "2017", Q4, "Good", source="report")
        ident = judgment.id
    with db.session_scope(ledger_url, actor="Bob Reviewer") as session:
        record_judgment(session, "Warwickshire", "2017", Q4, "Requires improvement", source="report",
                        expected_version=1)
        record_judgment(session, "Warwickshire", "2017", Q4, "Requires improvement", source="report")  # no-op
    with db.session_scope(ledger_url) as session:
        every = session.scalars(select(AuditLog).where(AuditLog.table_name == "judgment").order_by(AuditLog.id))
        rows = [r for r in every if (r.after or r.before or {}).get("id") == ident]
    assert [(r.action, r.actor) for r in rows] == [("insert", "Ann Inspector"), ("update", "Bob Reviewer")]
    assert rows[0].before is None and rows[0].after is not None and rows[0].after["grade"] == "Good"
    assert rows[1].before is not None and rows[1].after is not None
    assert (rows[1].before["grade"], rows[1].after["grade"]) == ("Good", "Requires improvement")
    assert (rows[1].before["version"], rows[1].after["version"]) == (1, 2)
    assert rows[1].after["force_code"] == match_force("Warwickshire").code


def test_concurrent_edits_in_two_sessions_conflict(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="setup") as session:
        record_judgment(session, "Surrey", "2017", Q1, "Good")
    engine = db.engine_for(ledger_url)
    first, second = Session(engine), Session(engine)
    first.info["actor"], second.info["actor"] = "first", "second"
    try:
        mine = first.scalars(select(Judgment)).one()
        theirs = second.scalars(select(Judgment)).one()
        assert mine.version == theirs.version == 1
        record_judgment(first, "Surrey", "2017", Q1, "Outstanding")
        first.commit()
        theirs.grade = "Inadequate"
        with pytest.raises(ConflictError, match="changed by someone else"):
            save(second, theirs)
        second.rollback()
        # Through the record function too: the second session still holds version 1.
        again = second.scalars(select(Judgment)).one()
        assert again.version == 2
        third = Session(engine)
        stale = third.scalars(select(Judgment)).one()
        record_judgment(second, "Surrey", "2017", Q1, "Good")
        second.commit()
        with pytest.raises(ConflictError):
            record_judgment(third, "Surrey", "2017", Q1, "Inadequate")
        third.rollback()
        assert stale.version == 3  # reloaded after the rollback
        third.close()
    finally:
        first.close()
        second.close()
    with db.session_scope(ledger_url) as session:
        final = session.scalars(select(Judgment)).one()
        assert (final.grade, final.version) == ("Good", 3)


def test_stale_expected_version_is_refused(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="a") as session:
        record_judgment(session, "Surrey", "2017", Q1, "Good")
    with db.session_scope(ledger_url, actor="b") as session:
        record_judgment(session, "Surrey", "2017", Q1, "Outstanding", expected_version=1)
    with pytest.raises(ConflictError, match="you edited version 1; it is now version 2"), \
            db.session_scope(ledger_url, actor="c") as session:
        record_judgment(session, "Surrey", "2017", Q1, "Inadequate", expected_version=1)
    with db.session_scope(ledger_url) as session:
        assert session.scalars(select(Judgment.grade)).one() == "Outstanding"


def test_insert_audit_row_names_the_record(ledger_url: str) -> None:
    with db.session_scope(ledger_url, actor="Ann Inspector") as session:
        ident = record_judgment(session, "Warwickshire", "2017", Q4, "Good").id
    with db.session_scope(ledger_url) as session:
        row = session.scalars(select(AuditLog).where(AuditLog.table_name == "judgment")).one()
    assert row.record_id == str(ident)


def test_rollup_ignores_grades_only_assumed_to_stand(ledger_url: str) -> None:
    from peelkit.ledger.rollup import advise_standing

    with db.session_scope(ledger_url, actor="test") as session:
        for question in (Q1, Q2, "Q3_protecting_vulnerable_people", Q4):
            record_judgment(session, "Kent", "2016", question, "Good")
        record_judgment(session, "Kent", "2017", "overall", "Inadequate")
        advice = advise_standing(standing_judgments(session, "Kent", "2017"))
        assert advice.advisory is None and not advice.departs and "no 2017 record" in advice.reason
        record_judgment(session, "Kent", "2017", Q1, "Good", inspected_this_year=False)  # explicitly carried
        record_judgment(session, "Kent", "2017", Q2, "Inadequate")
        record_judgment(session, "Kent", "2017", "Q3_protecting_vulnerable_people", "Inadequate")
        record_judgment(session, "Kent", "2017", Q4, "Good", inspected_this_year=False, last_inspected="2016")
        advice = advise_standing(standing_judgments(session, "Kent", "2017"))
        assert (advice.advisory, advice.recorded, advice.departs) == ("Inadequate", "Inadequate", False)


def test_no_trend_or_carry_forward_across_cycles(ledger_url: str) -> None:
    soc = "serious_organised_crime"  # an area of both 2021/22 and 2023-25
    with db.session_scope(ledger_url, actor="test") as session:
        record_judgment(session, "Kent", "2021/22", soc, "Good")
        assert [(q.grade, q.basis) for q in standing_judgments(session, "Kent", "2023-25").questions
                if q.question_id == soc] == [(None, "no judgment")]
        record_judgment(session, "Kent", "2023-25", soc, "Inadequate")
        with pytest.raises(fw.ScaleMismatchError, match=r"^not comparable: different framework \(2021/22 and "):
            grade_trend(session, "Kent", soc)
        report = standing_judgments(session, "Kent", "2023-25")
        assert report.overall is None and report.movement == "no overall grade"
